"""The wait loop and its pure decisions, with an injected clock: no real waiting."""

from __future__ import annotations

import random
import threading

import pytest

from pulumi_dms_tasks._errors import (
    AuthenticationError,
    InvalidInputError,
    InvalidResponseError,
    NotFoundError,
    ServerError,
    TaskFailedError,
    TaskTimeoutError,
    TransportError,
)
from pulumi_dms_tasks._models import Task, TaskProgress
from pulumi_dms_tasks._waiting import Outcome, WaitPolicy, WaitProgress, classify, wait_until_terminal


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
    return Task.model_validate({"id": task_id, "name": "bindInstancePublicIp", "status": status, "params": "{}"})


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
        fetch, instance_id="inst", task_id="t1", policy=policy, clock=ft.clock, sleep=ft.sleep,
        rng=random.Random(7), **kw,
    )


@pytest.mark.parametrize(
    "status,outcome",
    [("SUCCESS", Outcome.SUCCEEDED), ("FAILED", Outcome.FAILED), ("CANCELLED", Outcome.FAILED),
     ("DELETED", Outcome.FAILED), ("CREATED", Outcome.PENDING), ("EXECUTING", Outcome.PENDING),
     ("PAUSED", Outcome.UNKNOWN), ("", Outcome.UNKNOWN)],
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
    """With a progress estimate of 60 s left, the next poll waits the cap rather than the minimum."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (40, "SUCCESS")])

    def progress(_end: float) -> TaskProgress:
        remaining = max(0, 40 - int(ft.now - 1000.0))
        return TaskProgress(progress_percentage=100 - remaining, remain_time=remaining, step_list=[])

    run(ft, fetch, WaitPolicy(timeout=300, poll_interval=1, max_poll_interval=30), progress=progress)
    assert ft.sleeps[0] == 30
    assert len(fetch.calls) <= 4


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
    """on_progress gets each poll, with status changes flagged and progress details."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "CREATED"), (2, "EXECUTING"), (4, "SUCCESS")])
    events: list[WaitProgress] = []
    run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1),
        progress=lambda _e: TaskProgress(progress_percentage=50, remain_time=None, step_list=[]),
        on_progress=events.append)
    statuses = [e.status for e in events if e.status_changed]
    assert statuses == ["CREATED", "EXECUTING", "SUCCESS"]
    assert any(e.percentage == 50 for e in events)
    assert "50%" in events[1].describe()


def test_progress_errors_do_not_break_the_wait() -> None:
    """A failing progress call is ignored; after a 4xx it is not called again."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (3, "SUCCESS")])
    calls = []

    def progress(_e: float) -> TaskProgress:
        calls.append(1)
        raise NotFoundError("task_progress", 404, "DMS.00404023", "no progress", "r")

    assert run(ft, fetch, WaitPolicy(timeout=60, poll_interval=1, max_poll_interval=1), progress=progress).succeeded
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
    [({"timeout": 0}, "timeout"), ({"poll_interval": -1}, "poll_interval"),
     ({"poll_interval": 10, "max_poll_interval": 5}, "max_poll_interval"), ({"multiplier": 0.5}, "multiplier")],
)
def test_policy_rejects_bad_settings(kwargs: dict, field: str) -> None:
    """A nonsensical policy is refused with the field named."""
    with pytest.raises(InvalidInputError) as info:
        WaitPolicy(**kwargs)
    assert info.value.field == field


def test_progress_is_asked_again_only_when_the_estimate_runs_out() -> None:
    """An accurate 60 s estimate costs one progress call; polls land on the estimate, not every 5 s."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (60, "SUCCESS")])
    asked: list[float] = []

    def progress(_end: float) -> TaskProgress:
        asked.append(ft.now - 1000.0)
        return TaskProgress(progress_percentage=0, remain_time=max(0, 60 - int(ft.now - 1000.0)), step_list=[])

    run(ft, fetch, WaitPolicy(timeout=300, poll_interval=5, max_poll_interval=30), progress=progress)
    assert asked == [0]
    assert fetch.calls == [0, 30, 60]


def test_an_estimate_that_runs_out_is_refreshed() -> None:
    """When the task outlives its estimate, the progress API is asked again for a new one."""
    ft = FakeTime()
    fetch = scripted(ft, [(0, "EXECUTING"), (50, "SUCCESS")])
    asked: list[float] = []

    def progress(_end: float) -> TaskProgress:
        asked.append(ft.now - 1000.0)
        return TaskProgress(progress_percentage=50, remain_time=20, step_list=[])  # always "20 s left"

    run(ft, fetch, WaitPolicy(timeout=300, poll_interval=5, max_poll_interval=30), progress=progress)
    assert asked[:3] == [0, 20, 40]
    assert fetch.calls[-1] == 60
