"""The gates a real DMS change needs, through DmsClient against the emulator: the task my change
started (by name, since, params), and an idle instance before the next change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pulumi_dms_tasks._client import DmsClient
from pulumi_dms_tasks._errors import (
    IdleTimeoutError,
    NoMatchingTaskError,
    TaskCancelledError,
    TaskFailedError,
    TaskTimeoutError,
)
from pulumi_dms_tasks._matching import json_equal, params_contain
from pulumi_dms_tasks._waiting import WaitProgress
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

INSTANCE = "inst-gates-1"
BIND = "bindInstancePublicIp"


@pytest.fixture()
def client(emulator: Emulator) -> Iterator[DmsClient]:
    with DmsClient(
        endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}, max_retries=0
    ) as c:
        yield c


def later(seconds: float, action: Callable[[], object]) -> threading.Thread:
    """Run ``action`` after ``seconds`` in a thread (a change made while someone waits)."""

    def run() -> None:
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def calls(emulator: Emulator, operation: str) -> int:
    return int(emulator.request_counts()["by_operation"][operation])


# -- params_match: what "contains" means ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "wanted", "expected"),
    [
        ({"a": 1, "b": 2}, {"a": 1}, True),
        ({"a": 1}, {"a": 1.0}, True),  # one JSON number type
        ({"a": True}, {"a": 1}, False),  # true is not 1
        ({"a": 1}, {"a": True}, False),
        ({"a": False}, {"a": 0}, False),
        ({"a": "1"}, {"a": 1}, False),  # no coercion of strings
        ({"a": None}, {"a": None}, True),
        ({}, {"a": None}, False),  # a missing key is not null
        ({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"b": 1}}, True),  # nested mappings: containment
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, False),
        ({"a": {"b": {"c": [1, 2]}}}, {"a": {"b": {"c": [1, 2.0]}}}, True),
        ({"a": [1, 2]}, {"a": [2, 1]}, False),  # arrays: in order
        ({"a": [1, 2, 3]}, {"a": [1, 2]}, False),  # and whole
        ({"a": [{"x": 1, "y": 2}]}, {"a": [{"x": 1}]}, False),  # objects inside arrays are compared whole
        ({"a": "x"}, {}, True),
        (None, {}, True),  # a task without params contains only the empty mapping
        (None, {"a": 1}, False),
    ],
)
def test_params_contain_compares_json_values(params: Any, wanted: dict[str, Any], expected: bool) -> None:
    """params_match is a containment over JSON values: true != 1, 1 == 1.0, nested mappings recursively."""
    assert params_contain(params, wanted) is expected


def test_json_equal_is_symmetric_on_mixed_values() -> None:
    """Equality does not depend on which side a value is on."""
    values = [0, 1, 1.0, True, False, None, "1", [1], {"a": 1}, [True], {"a": True}]
    for a in values:
        for b in values:
            assert json_equal(a, b) is json_equal(b, a)


# -- find_latest_task with params_match ---------------------------------------------------------------


def test_params_match_ignores_an_older_same_name_task_and_a_newer_task_with_other_params(
    emulator: Emulator, client: DmsClient
) -> None:
    """The task my change started: not yesterday's same-name task, not a newer one with other params."""
    now = emulator.now()
    emulator.add_task(
        INSTANCE, name=BIND, params={"public_ip_id": "eip-1"}, created_at=now - timedelta(days=1)
    )
    mine = emulator.add_task(
        INSTANCE,
        name=BIND,
        params={"public_ip_id": "eip-1", "enable_public_ip": True},
        created_at=now - timedelta(seconds=20),
    )
    emulator.add_task(
        INSTANCE, name=BIND, params={"public_ip_id": "eip-2"}, created_at=now - timedelta(seconds=5)
    )
    emulator.add_task(
        INSTANCE, name="unbindInstancePublicIp", params={"public_ip_id": "eip-1"}, created_at=now
    )
    since = now - timedelta(minutes=1)
    found = client.find_latest_task(INSTANCE, BIND, since=since, params_match={"public_ip_id": "eip-1"})
    assert found is not None and found.id == mine
    assert client.find_latest_task(INSTANCE, BIND, since=since, params_match={"enable_public_ip": 1}) is None
    assert (
        client.find_latest_task(INSTANCE, BIND, since=since, params_match={"public_ip_id": "eip-3"}) is None
    )
    # Without since, yesterday's task would do as well, but the newest match still wins.
    assert client.find_latest_task(INSTANCE, BIND, params_match={"public_ip_id": "eip-1"}).id == mine  # type: ignore[union-attr]


def test_find_reads_every_page_of_the_window(emulator: Emulator, client: DmsClient) -> None:
    """A match that only the third page holds is found: all pages are read, newest first."""
    now = emulator.now()
    oldest = emulator.add_task(
        INSTANCE, name=BIND, params={"public_ip_id": "eip-9"}, created_at=now - timedelta(hours=1)
    )
    for i in range(230):
        emulator.add_task(
            INSTANCE, name=BIND, params={"public_ip_id": f"other-{i}"}, created_at=now - timedelta(seconds=i)
        )
    before = calls(emulator, "list")
    found = client.find_latest_task(
        INSTANCE, BIND, since=now - timedelta(hours=2), params_match={"public_ip_id": "eip-9"}
    )
    assert found is not None and found.id == oldest
    assert calls(emulator, "list") - before == 3  # 231 tasks, 100 a page


def test_equal_timestamps_the_task_listed_first_wins(emulator: Emulator, client: DmsClient) -> None:
    """Two matches with the same created_at: the one the API lists first (its newest) is taken."""
    stamp = emulator.now().replace(microsecond=500000)
    first_added = emulator.add_task(INSTANCE, name=BIND, params={"k": 1}, created_at=stamp)
    second_added = emulator.add_task(INSTANCE, name=BIND, params={"k": 1}, created_at=stamp)
    listed = [t.id for t in client.list_tasks(INSTANCE)]
    assert listed == [second_added, first_added]  # the emulator lists the later-added first
    assert client.find_latest_task(INSTANCE, BIND, params_match={"k": 1}).id == listed[0]  # type: ignore[union-attr]


def test_require_latest_task_names_what_was_looked_for(emulator: Emulator, client: DmsClient) -> None:
    """No match: NoMatchingTaskError says which name, since and params were looked for."""
    emulator.add_instance(INSTANCE)
    since = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(NoMatchingTaskError) as info:
        client.require_latest_task(INSTANCE, BIND, since=since, params_match={"public_ip_id": "eip-1"})
    text = str(info.value)
    assert f"no task named '{BIND}'" in text and "2024-01-02T03:04:05+00:00" in text
    assert '{"public_ip_id":"eip-1"}' in text and INSTANCE in text


# -- waiting for the task a change starts --------------------------------------------------------------


def test_wait_for_latest_task_waits_for_the_change_to_start_it(emulator: Emulator, client: DmsClient) -> None:
    """A change made while we wait starts the task; the wait finds it, skips the older ones and follows it."""
    now = emulator.now()
    emulator.add_task(
        INSTANCE, name=BIND, params={"public_ip_id": "eip-1"}, created_at=now - timedelta(hours=3)
    )
    emulator.add_task(
        INSTANCE, name=BIND, params={"public_ip_id": "eip-2"}, timeline=[{"status": "EXECUTING", "after": 0}]
    )  # newer, other params, never ends
    started: list[str] = []
    later(
        0.6,
        lambda: started.append(
            emulator.start_change(
                INSTANCE,
                name=BIND,
                params={"public_ip_id": "eip-1", "enable_public_ip": True},
                timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 0.8}],
            )
        ),
    )
    events: list[WaitProgress] = []
    task = client.wait_for_latest_task(
        INSTANCE,
        BIND,
        since=now,
        params_match={"public_ip_id": "eip-1"},
        timeout=10,
        poll_interval=0.2,
        max_poll_interval=0.4,
        on_progress=events.append,
    )
    assert task.id == started[0] and task.succeeded
    kinds = [e.kind for e in events]
    assert (
        kinds[0] == "search"
        and events[0].status == "ABSENT"
        and "no matching task yet" in events[0].describe()
    )
    assert "task" in kinds and events[-1].status == "SUCCESS" and events[-1].task_id == started[0]


def test_a_found_task_that_already_succeeded_costs_no_show_call(
    emulator: Emulator, client: DmsClient
) -> None:
    """The search's result is the wait's first observation: a finished task needs one list call in all."""
    emulator.start_change(INSTANCE, params={"x": 1}, timeline=[{"status": "SUCCESS", "after": 0}])
    before = emulator.request_counts()["total"]
    task = client.wait_for_latest_task(INSTANCE, BIND, params_match={"x": 1}, timeout=5, poll_interval=0.2)
    assert task.succeeded and emulator.request_counts()["total"] - before == 1


def test_a_found_task_that_fails_fails_the_wait(emulator: Emulator, client: DmsClient) -> None:
    """The task my change started ends FAILED: TaskFailedError with its params."""
    emulator.start_change(
        INSTANCE,
        params={"x": 2},
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "FAILED", "after": 0.5}],
    )
    with pytest.raises(TaskFailedError) as info:
        client.wait_for_latest_task(INSTANCE, BIND, params_match={"x": 2}, timeout=5, poll_interval=0.2)
    assert info.value.status == "FAILED" and '{"x":2}' in str(info.value)


def test_no_task_appearing_times_out_naming_what_was_looked_for(
    emulator: Emulator, client: DmsClient
) -> None:
    """Nothing matches within the timeout: TaskTimeoutError names the name, since and params looked for."""
    emulator.add_task(INSTANCE, name=BIND, params={"public_ip_id": "eip-2"})
    since = emulator.now() - timedelta(seconds=30)
    with pytest.raises(TaskTimeoutError) as info:
        client.wait_for_latest_task(
            INSTANCE,
            BIND,
            since=since,
            params_match={"public_ip_id": "eip-1"},
            timeout=1.0,
            poll_interval=0.2,
        )
    text = str(info.value)
    assert text.startswith("timed out after") and f"a task named '{BIND}'" in text
    assert '{"public_ip_id":"eip-1"}' in text and f"to appear on instance {INSTANCE}" in text
    assert not info.value.cancelled and info.value.polls >= 3


def test_the_timeout_covers_the_search_and_the_wait(emulator: Emulator, client: DmsClient) -> None:
    """One deadline for both phases: a task found late and still running times out at the given timeout."""
    emulator.add_instance(INSTANCE)
    later(
        0.8,
        lambda: emulator.start_change(
            INSTANCE, params={"y": 1}, timeline=[{"status": "EXECUTING", "after": 0}]
        ),
    )
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError) as info:
        client.wait_for_latest_task(
            INSTANCE, BIND, params_match={"y": 1}, timeout=2.0, poll_interval=0.2, max_poll_interval=0.3
        )
    assert 1.9 <= time.monotonic() - started < 4
    assert info.value.timeout == 2.0 and info.value.last_status == "EXECUTING"
    assert "timeout 2s" in str(info.value)


# -- the idle gate ---------------------------------------------------------------------------------------


def test_wait_for_idle_waits_while_tasks_run_and_lists_them(emulator: Emulator, client: DmsClient) -> None:
    """Busy with three tasks (one ends FAILED): the gate waits for all, succeeds, and lists each final status."""
    ids = emulator.keep_busy(
        INSTANCE,
        [
            {"name": "kafkaConfigModify", "seconds": 0.5},
            {"name": "resizeInstance", "seconds": 1.0, "final": "FAILED"},
            {"name": "restartInstance", "seconds": 1.5},
        ],
    )
    emulator.add_task(INSTANCE, name="old", created_at=emulator.now() - timedelta(days=1))  # long done
    events: list[WaitProgress] = []
    started = time.monotonic()
    result = client.wait_for_idle(
        INSTANCE, timeout=10, poll_interval=0.2, max_poll_interval=0.3, on_progress=events.append
    )
    assert 1.4 <= time.monotonic() - started < 5
    assert {t.id: str(t.status) for t in result.waited_for} == {
        ids[0]: "SUCCESS",
        ids[1]: "FAILED",
        ids[2]: "SUCCESS",
    }
    assert result.instance_id == INSTANCE and result.idle_at_text.endswith("Z")
    assert result.to_dict()["waited_for"][0].keys() == {"task_id", "name", "status"}
    assert events[0].kind == "idle" and events[0].status == "BUSY" and len(events[0].running) == 3
    assert (
        events[0]
        .describe()
        .startswith(
            "BUSY: 3 running (restartInstance EXECUTING, resizeInstance EXECUTING, kafkaConfigModify EXECUTING)"
        )
    )
    assert events[-1].status == "IDLE" and events[-1].running == ()


def test_an_idle_instance_passes_at_once(emulator: Emulator, client: DmsClient) -> None:
    """No task running: one poll (one list call), nothing waited for."""
    emulator.add_task(INSTANCE, name="done")
    before = calls(emulator, "list")
    result = client.wait_for_idle(INSTANCE, timeout=5, poll_interval=0.2)
    assert result.waited_for == () and result.polls == 1 and calls(emulator, "list") - before == 1


def test_a_task_started_during_the_wait_is_waited_for_too(emulator: Emulator, client: DmsClient) -> None:
    """Another change started while the gate waits keeps it waiting, and is listed."""
    first = emulator.keep_busy(INSTANCE, [{"name": "a", "seconds": 0.6}])
    second: list[str] = []
    later(0.3, lambda: second.extend(emulator.keep_busy(INSTANCE, [{"name": "b", "seconds": 1.0}])))
    started = time.monotonic()
    result = client.wait_for_idle(INSTANCE, timeout=10, poll_interval=0.1, max_poll_interval=0.2)
    assert time.monotonic() - started >= 1.2
    assert {t.id for t in result.waited_for} == {first[0], second[0]}


def test_idle_timeout_names_the_running_tasks(emulator: Emulator, client: DmsClient) -> None:
    """Still busy at the deadline: IdleTimeoutError names each running task's id, name and status."""
    ids = emulator.keep_busy(
        INSTANCE, [{"name": "resizeInstance", "seconds": 600}, {"name": "kafkaConfigModify", "seconds": 600}]
    )
    with pytest.raises(IdleTimeoutError) as info:
        client.wait_for_idle(INSTANCE, timeout=0.8, poll_interval=0.2)
    text = str(info.value)
    assert text.startswith("timed out after") and f"waiting for instance {INSTANCE} to be idle" in text
    assert (
        f"still running: {ids[1]} (kafkaConfigModify, EXECUTING), {ids[0]} (resizeInstance, EXECUTING)"
        in text
    )
    assert {t.id for t in info.value.running} == set(ids) and isinstance(info.value, TaskTimeoutError)


def test_idle_wait_stops_within_a_second_when_asked(emulator: Emulator, client: DmsClient) -> None:
    """stop_event ends the idle wait during its pause: TaskCancelledError naming the running task."""
    (busy,) = emulator.keep_busy(INSTANCE, [{"name": "resizeInstance", "seconds": 600}])
    stop = threading.Event()
    later(0.5, stop.set)
    started = time.monotonic()
    with pytest.raises(TaskCancelledError) as info:
        client.wait_for_idle(INSTANCE, timeout=600, poll_interval=30, stop_event=stop)
    assert time.monotonic() - started < 1.5
    assert busy in str(info.value) and "to be idle" in str(info.value)


def test_idle_gate_follows_a_manual_clock(emulator_manual: tuple[Emulator, Any]) -> None:
    """The gate's window is counted on the client's clock (here the emulator's), not the machine's."""
    emu, clock = emulator_manual
    emu.keep_busy(INSTANCE, [{"name": "a", "seconds": 5}])
    with DmsClient(
        endpoint=emu.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}, clock=clock
    ) as c:
        with pytest.raises(IdleTimeoutError):
            c.wait_for_idle(INSTANCE, timeout=0.3, poll_interval=0.1)
        clock.advance(5)
        assert c.wait_for_idle(INSTANCE, timeout=1, poll_interval=0.1).idle_at == clock()


# -- RabbitMQ: no progress API, learnt once -------------------------------------------------------------------


def test_a_rabbitmq_instance_is_asked_for_progress_once(emulator: Emulator, client: DmsClient) -> None:
    """The first progress call on a RabbitMQ instance gets 404 APIGW.0101; no wait of this client asks again."""
    emulator.add_instance("rabbit-1", engine="rabbitmq")
    timeline: list[Mapping[str, Any]] = [
        {"status": "EXECUTING", "after": 0},
        {"status": "SUCCESS", "after": 1.5},
    ]
    first, second = (
        emulator.add_task("rabbit-1", timeline=timeline),
        emulator.add_task("rabbit-1", timeline=timeline),
    )
    assert client.wait_for_task(
        "rabbit-1", first, timeout=10, poll_interval=0.1, max_poll_interval=0.5
    ).succeeded
    assert client.wait_for_task(
        "rabbit-1", second, timeout=10, poll_interval=0.1, max_poll_interval=0.5
    ).succeeded
    assert calls(emulator, "progress") == 1
    # A Kafka instance's waits still use progress (the memory is per instance).
    kafka_task = emulator.add_task(
        "kafka-1", timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 1.5}]
    )
    client.wait_for_task("kafka-1", kafka_task, timeout=10, poll_interval=0.1, max_poll_interval=0.5)
    assert calls(emulator, "progress") >= 2


@pytest.fixture()
def emulator_manual() -> Iterator[tuple[Emulator, Any]]:
    from pulumi_dms_tasks.emulator import Emulator

    class Clock:
        def __init__(self) -> None:
            self.now = datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)

        def __call__(self) -> datetime:
            return self.now

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    clock = Clock()
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, clock=clock) as emu:
        yield emu, clock
