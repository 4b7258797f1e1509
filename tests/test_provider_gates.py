"""The providers' gates called directly (as the engine would): params_match, triggers, InstanceIdle."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import dill
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.output import UNKNOWN as UNKNOWN_VALUE
from pulumi.runtime.rpc import UNKNOWN

from pulumi_dms_tasks._errors import (
    IdleTimeoutError,
    InvalidInputError,
    NoMatchingTaskError,
    TaskCancelledError,
)
from pulumi_dms_tasks.provider import BackgroundTaskProvider, InstanceIdleProvider
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

INSTANCE = "inst-pg"
BIND = "bindInstancePublicIp"


def config(emulator) -> ConfigureRequest:
    return ConfigureRequest(
        Config(
            {
                "huaweicloud:accessKey": TEST_AK,
                "huaweicloud:secretKey": TEST_SK,
                "huaweicloud:projectId": TEST_PROJECT,
                "huaweicloud:endpoints": f'{{"dms": "{emulator.url}"}}',
            },
            "proj",
        )
    )


@pytest.fixture()
def tasks(emulator, clean_env) -> BackgroundTaskProvider:
    p = BackgroundTaskProvider()
    p.configure(config(emulator))
    return p


@pytest.fixture()
def idle(emulator, clean_env) -> InstanceIdleProvider:
    p = InstanceIdleProvider()
    p.configure(config(emulator))
    return p


def props(**kw):
    base = {"instance_id": INSTANCE, "poll_interval": 0.1, "max_poll_interval": 0.3, "timeout": 10}
    base.update(kw)
    return base


# -- BackgroundTask: params_match and triggers -------------------------------------------------------------


def test_by_name_with_params_match_takes_the_task_of_this_change(tasks, emulator) -> None:
    """An older same-name task and a newer one with other params are passed over; the wait follows ours."""
    now = emulator.now()
    emulator.add_task(
        INSTANCE, name=BIND, params={"public_ip_id": "eip-1"}, created_at=now - timedelta(hours=1)
    )
    emulator.add_task(
        INSTANCE, name=BIND, params={"public_ip_id": "eip-2"}, timeline=[{"status": "EXECUTING", "after": 0}]
    )
    mine: list[str] = []
    timer = threading.Timer(
        0.5,
        lambda: mine.append(
            emulator.start_change(
                INSTANCE,
                name=BIND,
                params={"public_ip_id": "eip-1"},
                timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 0.5}],
            )
        ),
    )
    timer.start()
    result = tasks.create(
        props(
            task_name=BIND,
            since=now.isoformat(),
            params_match={"public_ip_id": "eip-1"},
            resource_name="public-ip",
        )
    )
    assert result.outs["task_id"] == mine[0] and result.outs["status"] == "SUCCESS"
    assert result.id == f"{INSTANCE}/{mine[0]}"
    assert result.outs["params_match"] == {"public_ip_id": "eip-1"} and result.outs["params"] == {
        "public_ip_id": "eip-1"
    }


def test_by_name_without_wait_names_what_is_missing(tasks, emulator) -> None:
    """wait=False and no match: NoMatchingTaskError with the name and the params looked for."""
    emulator.add_task(INSTANCE, name=BIND, params={"public_ip_id": "eip-2"})
    with pytest.raises(NoMatchingTaskError) as info:
        tasks.create(props(task_name=BIND, params_match={"public_ip_id": "eip-1"}, wait=False))
    assert BIND in str(info.value) and '"eip-1"' in str(info.value) and INSTANCE in str(info.value)


def test_by_name_progress_lines_say_searching_then_following(tasks, emulator, capfd) -> None:
    """The person running `up` sees the search, then the task it found, on stderr."""
    emulator.add_instance(INSTANCE)
    timer = threading.Timer(
        0.4,
        lambda: emulator.start_change(
            INSTANCE,
            params={"k": 1},
            timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 0.4}],
        ),
    )
    timer.start()
    outs = tasks.create(props(task_name=BIND, params_match={"k": 1}, resource_name="ip")).outs
    err = capfd.readouterr().err
    assert f"BackgroundTask ip ({INSTANCE} {BIND}): no matching task yet" in err
    assert f"BackgroundTask ip ({INSTANCE} {BIND}): task {outs['task_id']} EXECUTING" in err


def test_triggers_replace_and_since_alone_does_not(tasks) -> None:
    """A change of triggers replaces (the task is looked up and waited for again); with triggers,
    a new since (the program's start time, new every run) is no change at all."""
    old = {**props(task_name=BIND, since="2024-01-01T00:00:00Z", triggers=["eip-1"]), "task_id": "a" * 32}
    same = props(task_name=BIND, since="2024-01-02T00:00:00Z", triggers=["eip-1"])
    assert tasks.diff("x", old, same).changes is False
    retriggered = tasks.diff("x", old, {**same, "triggers": ["eip-2"]})
    assert retriggered.changes and retriggered.replaces == ["triggers"]
    unknown = tasks.diff(
        "x", old, {**same, "triggers": UNKNOWN}
    )  # preview: the trigger's new value is not known yet
    assert unknown.replaces == ["triggers"]
    without = {k: v for k, v in old.items() if k != "triggers"}
    moved = tasks.diff("x", without, {**props(task_name=BIND, since="2024-01-02T00:00:00Z")})
    assert moved.replaces == ["since"]  # without triggers since is part of what is looked up
    matched = tasks.diff("x", old, {**same, "params_match": {"public_ip_id": "eip-1"}})
    assert matched.replaces == ["params_match"]


def test_triggers_are_echoed_and_survive_an_update(tasks, emulator) -> None:
    """triggers and params_match are recorded in the outputs (what the next diff compares)."""
    emulator.add_task(INSTANCE, name=BIND, params={"a": 1})
    news = props(task_name=BIND, params_match={"a": 1.0}, triggers={"rev": 3}, wait=False)
    outs = tasks.create(dict(news)).outs
    assert outs["triggers"] == {"rev": 3} and outs["params_match"] == {"a": 1.0}
    assert tasks.diff("x", outs, dict(news)).changes is False
    assert tasks.update("x", outs, {**news, "timeout": 30}).outs["triggers"] == {"rev": 3}


@pytest.mark.parametrize(
    ("bad", "field", "text"),
    [
        ({"task_id": "a" * 32, "params_match": {"a": 1}}, "params_match", "only together with task_name"),
        ({"task_name": BIND, "params_match": "public_ip_id=1"}, "params_match", "a mapping of JSON values"),
        ({"task_name": BIND, "params_match": {"a": float("inf")}}, "params_match", "a finite number"),
    ],
)
def test_check_refuses_bad_params_match(tasks, bad, field, text) -> None:
    """check names params_match and what was expected, before any request."""
    failures = tasks.check({}, props(**bad)).failures
    assert [(f.property, text in f.reason) for f in failures] == [(field, True)]


def test_check_accepts_unknown_params_match_values(tasks) -> None:
    """During preview a value inside params_match can be unknown: check lets it through."""
    assert tasks.check({}, props(task_name=BIND, params_match={"public_ip_id": UNKNOWN_VALUE})).failures == []
    assert tasks.check({}, props(task_name=BIND, params_match=UNKNOWN, triggers=[UNKNOWN])).failures == []


# -- InstanceIdle -------------------------------------------------------------------------------------------


def test_idle_provider_pickles_to_a_reference_without_settings(idle) -> None:
    """Like BackgroundTaskProvider: the pickled provider is a tiny class reference, no credentials."""
    blob = dill.dumps(idle, recurse=True)
    assert TEST_SK.encode() not in blob and TEST_AK.encode() not in blob and len(blob) < 200
    assert b"pulumi_dms_tasks.provider" in blob and b"InstanceIdleProvider" in blob


def test_idle_create_waits_for_running_tasks_and_records_them(idle, emulator) -> None:
    """create returns once nothing runs: idle_at, and each task waited for with its final status."""
    ids = emulator.keep_busy(
        INSTANCE,
        [
            {"name": "kafkaConfigModify", "seconds": 0.4},
            {"name": "resizeInstance", "seconds": 0.8, "final": "FAILED"},
        ],
    )
    started = time.monotonic()
    result = idle.create(props(resource_name="gate", triggers=["change-1"]))
    assert time.monotonic() - started >= 0.75
    outs = result.outs
    assert (
        outs["instance_id"] == INSTANCE and outs["idle_at"].endswith("Z") and outs["triggers"] == ["change-1"]
    )
    assert sorted(outs["waited_for"], key=lambda t: t["name"]) == [
        {"task_id": ids[0], "name": "kafkaConfigModify", "status": "SUCCESS"},
        {"task_id": ids[1], "name": "resizeInstance", "status": "FAILED"},
    ]
    assert result.id == f"{INSTANCE}@{outs['idle_at']}"


def test_idle_create_times_out_naming_the_resource_and_running_tasks(idle, emulator) -> None:
    """At the timeout the deployment fails with the resource and each running task named."""
    (busy,) = emulator.keep_busy(INSTANCE, [{"name": "resizeInstance", "seconds": 600}])
    with pytest.raises(IdleTimeoutError) as info:
        idle.create(props(resource_name="gate", timeout=0.6))
    text = str(info.value)
    assert text.startswith(f"InstanceIdle gate ({INSTANCE}): timed out after")
    assert f"still running: {busy} (resizeInstance, EXECUTING)" in text


def test_idle_create_is_cancelled_by_the_stop_event(idle, emulator, monkeypatch) -> None:
    """The provider host's stop event ends an idle wait within a second, naming the resource and reason."""
    from pulumi_dms_tasks import _cancellation as cancellation

    emulator.keep_busy(INSTANCE, [{"name": "resizeInstance", "seconds": 600}])
    stop = threading.Event()
    monkeypatch.setattr(cancellation, "stop_event", lambda: stop)
    monkeypatch.setattr(cancellation, "reason", lambda: "a second Ctrl-C")
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with pytest.raises(TaskCancelledError) as info:
        idle.create(props(resource_name="gate", timeout=600, poll_interval=30, max_poll_interval=30))
    assert time.monotonic() - started < 1.5
    assert str(info.value).startswith(f"InstanceIdle gate ({INSTANCE}): wait cancelled")
    assert "(a second Ctrl-C)" in str(info.value)


def test_idle_diff_update_read_need_no_api_call(idle, emulator) -> None:
    """triggers and the instance replace; timing updates in place; refresh keeps the recorded gate."""
    emulator.add_instance(INSTANCE)
    outs = idle.create(props(triggers=["a"])).outs
    before = emulator.request_counts()["total"]
    assert idle.diff("x", outs, props(triggers=["a"])).changes is False
    assert idle.diff("x", outs, props(triggers=["b"])).replaces == ["triggers"]
    assert idle.diff("x", outs, props(triggers=["a"], instance_id="other")).replaces == ["instance_id"]
    relaxed = idle.diff("x", outs, props(triggers=["a"], timeout=99))
    assert relaxed.changes and relaxed.replaces == []
    assert idle.update("x", outs, props(triggers=["a"], timeout=99)).outs["idle_at"] == outs["idle_at"]
    refreshed = idle.read("x", outs)
    assert (
        refreshed.id == "x"
        and refreshed.outs == outs
        and getattr(refreshed, "inputs", None) is None  # the recorded inputs stay as they are
    )
    idle.delete("x", outs)
    assert emulator.request_counts()["total"] == before


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"instance_id": None}, "instance_id"),
        ({"instance_id": "a/b"}, "instance_id"),
        ({"timeout": "soon"}, "timeout"),
        ({"poll_interval": 10, "max_poll_interval": 5}, "max_poll_interval"),
        ({"endpoint": "ftp://x"}, "endpoint"),
    ],
)
def test_idle_check_and_create_refuse_bad_inputs(idle, emulator, bad, field) -> None:
    """check reports a bad input by name; create refuses it too, before any request."""
    failures = idle.check({}, props(**bad)).failures
    assert field in {f.property for f in failures}
    before = emulator.request_counts()["total"]
    with pytest.raises(InvalidInputError) as info:
        idle.create(props(**bad))
    assert info.value.field == field and emulator.request_counts()["total"] == before
