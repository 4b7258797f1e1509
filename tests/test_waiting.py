"""The wait loop and its pure decisions, with an injected clock: no real waiting."""

from __future__ import annotations

import math
import random
import threading

import pytest

from pulumi_dms_tasks._errors import (
    AuthenticationError,
    InvalidInputError,
    InvalidResponseError,
    NotFoundError,
    ServerError,
    TaskCancelledError,
    TaskFailedError,
    TaskTimeoutError,
    TransportError,
)
from pulumi_dms_tasks._models import Task, TaskProgress
from pulumi_dms_tasks._waiting import (
    Acceptor,
    Action,
    Outcome,
    Rules,
    WaitPolicy,
    WaitProgress,
    classify,
    wait,
    wait_until_terminal,
)


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def task(status: str, task_id: str = "t1") -> Task:
    return Task.model_validate(
        {"id": task_id, "name": "bindInstancePublicIp", "status": status, "params": "{}"}
    )


def scripted(ft: FakeTime, timeline: list[tuple[float, object]]):
    """fetch() returning the status (or raising the error) in force at the fake time."""
    start = ft.now
    calls: list[float] = []

    def fetch(_deadline: float) -> Task:
        calls.append(ft.now - start)
        current: object = None
        for at, value in timeline:
            if ft.now - start >= at:
                current = value
        if isinstance(current, Exception):
            raise current
        return task(str(current))

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


def run(ft: FakeTime, fetch, policy: WaitPolicy, **kw):
    return wait_until_terminal(
        fetch,
        instance_id="inst",
        task_id="t1",
        policy=policy,
        clock=ft.clock,
        sleep=ft.sleep,
        rng=random.Random(7),
        **kw,
    )


@pytest.mark.parametrize(
    "status,outcome",
    [
        ("SUCCESS", Outcome.SUCCEEDED),
        ("FAILED", Outcome.FAILED),
        ("CANCELLED", Outcome.FAILED),
        ("DELETED", Outcome.FAILED),
        ("CREATED", Outcome.PENDING),
        ("EXECUTING", Outcome.PENDING),
        ("PAUSED", Outcome.UNKNOWN),
        ("", Outcome.UNKNOWN),
    ],
)
def test_classify(status: str, outcome: Outcome) -> None:
    """Documented statuses map to success, failure or pending; anything else is unknown."""
    assert classify(status) is outcome


def test_returns_final_task_on_success() -> None:
    """A task that turns SUCCESS is returned, after the polls the timeline needs."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (12, "SUCCESS")])
    result = run(ft, fetch, WaitPolicy(timeout=60, poll_interval=2, max_poll_interval=8))
    assert result.status == "SUCCESS"
    assert fetch.calls[-1] >= 12
    # Detected no later than one interval (<= max 8 s) after the change.
    assert fetch.calls[-1] - 12 <= 8


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED", "DELETED"])
def test_failure_statuses_raise_at_once(status: str) -> None:
    """FAILED, CANCELLED and DELETED end the wait immediately with TaskFailedError."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (3, status)])
    with pytest.raises(TaskFailedError) as info:
        run(ft, fetch, WaitPolicy(timeout=600, poll_interval=1, max_poll_interval=1))
    assert info.value.status == status
    assert "t1" in str(info.value) and "inst" in str(info.value) and status in str(info.value)
    assert ft.now - 1000.0 < 10


def test_timeout_never_sleeps_past_deadline_and_polls_at_it() -> None:
    """The last sleep is clamped to the deadline, one more poll happens there, then TaskTimeoutError."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING")])
    with pytest.raises(TaskTimeoutError) as info:
        run(ft, fetch, WaitPolicy(timeout=10, poll_interval=3, max_poll_interval=3))
    assert ft.now - 1000.0 == pytest.approx(10)
    assert fetch.calls[-1] == pytest.approx(10)
    err = info.value
    assert err.last_status == "EXECUTING"
    assert "last status EXECUTING" in str(err) and "timed out" in str(err)
    assert err.polls == len(fetch.calls)


def test_backoff_grows_with_jitter_within_bounds() -> None:
    """Delays stay within [poll_interval, max_poll_interval] and grow towards the cap."""
    policy = WaitPolicy(timeout=1000, poll_interval=2, max_poll_interval=20, multiplier=2)
    rng = random.Random(1)
    delays = [policy.next_delay(n, rng) for n in range(12)]
    assert all(2 <= d <= 20 for d in delays)
    assert delays[0] == 2
    assert max(delays[6:]) > 10


def test_fixed_interval_when_bounds_equal() -> None:
    """min == max gives a fixed interval, no jitter."""
    policy = WaitPolicy(timeout=100, poll_interval=5, max_poll_interval=5)
    assert {policy.next_delay(n, random.Random(n)) for n in range(10)} == {5}


def test_remaining_time_estimate_spaces_polls() -> None:
    """Once the progress API says 36 s are left, the next poll waits the cap rather than backing off."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (40, "SUCCESS")])
    asked: list[float] = []

    def progress(_end: float) -> TaskProgress:
        asked.append(ft.now - 1000.0)
        remaining = max(0, math.ceil(40 - (ft.now - 1000.0)))
        return TaskProgress(progress_percentage=100 - remaining, remain_time=remaining, step_list=[])

    run(ft, fetch, WaitPolicy(timeout=300, poll_interval=1, max_poll_interval=30), progress=progress)
    assert len(asked) >= 1 and asked[0] > 0  # never on the first poll: no call to spare yet
    first_after = fetch.calls.index(asked[0]) + 1
    assert fetch.calls[first_after] - asked[0] == 30  # aimed at the estimate, clamped to the cap
    assert fetch.calls[-1] == pytest.approx(40, abs=1)  # and then at the end (estimates are whole seconds)
    assert len(fetch.calls) + len(asked) <= 41  # a plain 1 s loop would make 41


def test_transient_errors_keep_waiting_within_deadline() -> None:
    """5xx, 429-like and transport errors count as failed polls; the wait goes on."""
    ft = FakeTime()
    err5 = ServerError("show_task", 503, "DMS.00500000", "busy", "rid")
    errt = TransportError("show_task", "connection reset")
    fetch = scripted(ft, [(0, err5), (2, errt), (4, "EXECUTING"), (6, "SUCCESS")])
    assert run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1)).status == "SUCCESS"


def test_timeout_after_only_errors_reports_last_error() -> None:
    """A wait that never saw the task says so and carries the last error."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, ServerError("show_task", 502, None, "bad gateway", "rid-9"))])
    with pytest.raises(TaskTimeoutError) as info:
        run(ft, fetch, WaitPolicy(timeout=5, poll_interval=1, max_poll_interval=1))
    assert "status never seen" in str(info.value)
    assert "rid-9" in str(info.value)
    assert isinstance(info.value.last_error, ServerError)


def test_auth_error_aborts_at_once() -> None:
    """401/403 are not retried by the waiter."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, AuthenticationError("show_task", 401, "APIGW.0301", "bad sig", "r"))])
    with pytest.raises(AuthenticationError):
        run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1))
    assert len(fetch.calls) == 1


def test_not_found_tolerated_then_raised() -> None:
    """A few 404s right after creation are tolerated; more than the tolerance raise."""
    ft = FakeTime()
    nf = NotFoundError("show_task", 404, "DMS.00404023", "no task", "r")
    fetch = scripted(ft, [(0, nf), (2.5, "SUCCESS")])
    assert run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1)).succeeded
    ft2 = FakeTime()
    fetch2 = scripted(ft2, [(0, nf)])
    with pytest.raises(NotFoundError):
        run(ft2, fetch2, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1, not_found_tolerance=3))
    assert len(fetch2.calls) == 4


def test_invalid_bodies_tolerated_up_to_limit() -> None:
    """Repeated unparseable bodies end the wait with InvalidResponseError."""
    ft = FakeTime()
    bad = InvalidResponseError("show_task", "body is not JSON", status=200)
    fetch = scripted(ft, [(0, bad)])
    with pytest.raises(InvalidResponseError):
        run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1))
    assert len(fetch.calls) == 3


def test_unknown_status_keeps_polling_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    """An undocumented status is not terminal and is logged once."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "PAUSED"), (5, "SUCCESS")])
    with caplog.at_level("WARNING", logger="pulumi_dms_tasks._waiting"):
        run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1))
    assert sum("PAUSED" in r.getMessage() for r in caplog.records) == 1


def test_progress_callback_sees_status_changes_and_percentage() -> None:
    """on_progress gets each poll, with status changes flagged and, once asked, progress details."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "CREATED"), (2, "EXECUTING"), (30, "SUCCESS")])
    events: list[WaitProgress] = []
    run(
        ft,
        fetch,
        WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=4),
        progress=lambda _e: TaskProgress(progress_percentage=50, remain_time=None, step_list=[]),
        on_progress=events.append,
    )
    statuses = [e.status for e in events if e.status_changed]
    assert statuses == ["CREATED", "EXECUTING", "SUCCESS"]
    assert events[0].percentage is None
    with_progress = [e for e in events if e.percentage == 50]
    assert with_progress and "50%" in with_progress[0].describe()


def test_progress_errors_do_not_break_the_wait() -> None:
    """A failing progress call is ignored; after a 4xx it is not called again."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (30, "SUCCESS")])
    calls = []

    def progress(_e: float) -> TaskProgress:
        calls.append(1)
        raise NotFoundError("task_progress", 404, "DMS.00404023", "no progress", "r")

    assert run(
        ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=8), progress=progress
    ).succeeded
    assert len(calls) == 1


def test_stop_event_cancels_the_wait() -> None:
    """Setting the stop event ends the wait with a cancelled TaskTimeoutError."""
    stop = threading.Event()
    stop.set()
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING")])
    with pytest.raises(TaskTimeoutError) as info:
        run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1), stop_event=stop)
    assert info.value.cancelled and "cancelled" in str(info.value)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"timeout": 0}, "timeout"),
        ({"poll_interval": -1}, "poll_interval"),
        ({"poll_interval": 10, "max_poll_interval": 5}, "max_poll_interval"),
        ({"multiplier": 0.5}, "multiplier"),
    ],
)
def test_policy_rejects_bad_settings(kwargs: dict, field: str) -> None:
    """A nonsensical policy is refused with the field named."""
    with pytest.raises(InvalidInputError) as info:
        WaitPolicy(**kwargs)
    assert info.value.field == field


def test_progress_is_asked_again_only_when_the_estimate_runs_out() -> None:
    """An accurate estimate costs one progress call; the next poll lands on the end, not every 5 s."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (60, "SUCCESS")])
    asked: list[float] = []

    def progress(_end: float) -> TaskProgress:
        asked.append(ft.now - 1000.0)
        return TaskProgress(
            progress_percentage=0, remain_time=max(0, math.ceil(60 - (ft.now - 1000.0))), step_list=[]
        )

    run(ft, fetch, WaitPolicy(timeout=300, poll_interval=5, max_poll_interval=30), progress=progress)
    assert len(asked) == 1
    assert fetch.calls[fetch.calls.index(asked[0]) + 1] == asked[0] + 30  # the cap, aimed at the estimate
    assert 0 <= fetch.calls[-1] - 60 <= 5  # no later than one interval
    assert len(fetch.calls) + len(asked) < 13  # a plain 5 s loop makes 13


def test_an_estimate_that_runs_out_is_refreshed() -> None:
    """When the task outlives its estimate, the progress API is asked again for a new one."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (70, "SUCCESS")])
    asked: list[float] = []

    def progress(_end: float) -> TaskProgress:
        asked.append(ft.now - 1000.0)
        return TaskProgress(progress_percentage=50, remain_time=20, step_list=[])  # always "20 s left"

    run(ft, fetch, WaitPolicy(timeout=300, poll_interval=5, max_poll_interval=30), progress=progress)
    assert len(asked) >= 2 and asked[1] - asked[0] == pytest.approx(20)
    assert 70 <= fetch.calls[-1] <= 90


# -- the engine's guarantees and its rules as data ---------------------------------------------------


def fixed_loop_calls(duration: float, interval: float) -> int:
    """Calls of a plain loop polling every ``interval`` from 0 until it sees the end at ``duration``."""
    return math.ceil(duration / interval - 1e-9) + 1


@pytest.mark.parametrize("estimate", ["true", "stale-20s", "zero", "none"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_never_more_calls_than_a_fixed_loop_nor_later_than_one_interval(estimate: str, seed: int) -> None:
    """For every duration from 0.5 s to 150 s, shows plus progress calls <= a plain 5 s loop's, and
    the end is seen within one interval, whatever the progress API estimates."""
    for tenths in range(5, 1501, 7):
        duration = tenths / 10
        ft = FakeTime()
        fetch = scripted(ft, [(0, "EXECUTING"), (duration, "SUCCESS")])
        asked: list[float] = []

        def progress(
            _end: float, duration: float = duration, ft: FakeTime = ft, asked: list[float] = asked
        ) -> TaskProgress | None:
            asked.append(ft.now)
            left = {
                "true": math.ceil(max(0.0, duration - (ft.now - 1000.0))),
                "stale-20s": 20,
                "zero": 0,
                "none": None,
            }[estimate]
            return TaskProgress(progress_percentage=10, remain_time=left, step_list=[])

        events: list[WaitProgress] = []
        wait_until_terminal(
            fetch,
            instance_id="inst",
            task_id="t1",
            progress=progress,
            on_progress=events.append,
            policy=WaitPolicy(timeout=600, poll_interval=5, max_poll_interval=30),
            clock=ft.clock,
            sleep=ft.sleep,
            rng=random.Random(seed * 1000 + tenths),
        )
        calls = len(fetch.calls) + len(asked)
        assert calls <= fixed_loop_calls(duration, 5), (duration, fetch.calls, asked)
        late = fetch.calls[-1] - duration
        assert 0 <= late <= events[-2].next_poll_in, (duration, fetch.calls)
        if duration <= 10:
            assert asked == []  # short tasks never pay for a progress call


def test_rules_are_data_a_custom_acceptor_changes_the_outcome() -> None:
    """A wait follows the acceptors it is given: here a 404 fails at once and 'PAUSED' succeeds."""
    ft = FakeTime()
    rules = Rules(
        "demo",
        (
            Acceptor(Action.SUCCESS, states=frozenset({"PAUSED"})),
            Acceptor(Action.RETRY, states=frozenset({"EXECUTING"})),
            Acceptor(Action.FAILURE, errors=(NotFoundError,)),
        ),
    )
    fetch = scripted(ft, [(0, "EXECUTING"), (3, "PAUSED")])
    done, state = wait(
        fetch,
        rules=rules,
        state_of=lambda t: str(t.status),
        policy=WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1),
        instance_id="inst",
        on_timeout=lambda s, c: TimeoutError(),
        clock=ft.clock,
        sleep=ft.sleep,
    )
    assert done.status == "PAUSED" and state.polls == len(fetch.calls) == 4
    ft2 = FakeTime()
    missing = NotFoundError("show_task", 404, "DMS.00404023", "no task", "r")
    with pytest.raises(NotFoundError):
        wait(
            scripted(ft2, [(0, missing)]),
            rules=rules,
            state_of=lambda t: str(t.status),
            policy=WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1),
            instance_id="inst",
            on_timeout=lambda s, c: TimeoutError(),
            clock=ft2.clock,
            sleep=ft2.sleep,
        )
    assert ft2.sleeps == []


def test_error_limits_count_errors_in_a_row_and_reset_on_an_answer() -> None:
    """An acceptor's limit counts consecutive errors; a good answer in between starts the count again."""
    ft = FakeTime()
    nf = NotFoundError("show_task", 404, "DMS.00404023", "no task", "r")
    # 3 x 404, an answer, 3 x 404 again, then success: tolerated (limit 3 in a row).
    fetch = scripted(ft, [(0, nf), (2.5, "EXECUTING"), (3.5, nf), (6.5, "SUCCESS")])
    assert run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1)).succeeded
    assert len(fetch.calls) == 8


def test_acceptors_refuse_to_match_both_states_and_errors() -> None:
    """An acceptor is either about states or about errors, and limits belong to error acceptors."""
    with pytest.raises(ValueError):
        Acceptor(Action.RETRY)
    with pytest.raises(ValueError):
        Acceptor(Action.RETRY, states=frozenset({"X"}), errors=(ServerError,))
    with pytest.raises(ValueError):
        Acceptor(Action.RETRY, states=frozenset({"X"}), limit=2)


def test_a_first_observation_costs_no_call() -> None:
    """An observation handed in (a search's result) is the first poll: no call is made for it."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (4, "SUCCESS")])
    result = wait_until_terminal(
        fetch,
        instance_id="inst",
        task_id="t1",
        first=task("EXECUTING"),
        policy=WaitPolicy(timeout=60, poll_interval=2, max_poll_interval=2),
        clock=ft.clock,
        sleep=ft.sleep,
    )
    assert result.succeeded and fetch.calls == [2, 4]


def test_stop_event_ends_a_pause_with_an_injected_sleep() -> None:
    """With a fake sleep and a stop event, a stop set during a pause ends the wait after that pause."""
    ft = FakeTime()
    stop = threading.Event()
    fetch = scripted(ft, [(0, "EXECUTING")])

    def sleep(seconds: float) -> None:
        ft.sleep(seconds)
        if len(ft.sleeps) == 2:
            stop.set()

    with pytest.raises(TaskCancelledError) as info:
        wait_until_terminal(
            fetch,
            instance_id="inst",
            task_id="t1",
            stop_event=stop,
            clock=ft.clock,
            sleep=sleep,
            policy=WaitPolicy(timeout=600, poll_interval=5, max_poll_interval=5),
        )
    assert len(fetch.calls) == 2 and info.value.polls == 2 and info.value.elapsed == pytest.approx(10)
