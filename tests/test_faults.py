"""Transport faults served by the real emulator: what is retried, what is not, and deadlines kept."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pulumi_dms_tasks._client import DmsClient
from pulumi_dms_tasks._errors import (
    AuthenticationError,
    InvalidResponseError,
    ServerError,
    TaskTimeoutError,
    TransportError,
)
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

INSTANCE = "inst-faults-1"


def client_for(emulator: Emulator, **kwargs: Any) -> DmsClient:
    """A client for the emulator with short timeouts; retries as the test says."""
    kwargs.setdefault("read_timeout", 5)
    kwargs.setdefault("connect_timeout", 2)
    return DmsClient(endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}, **kwargs)


def counts(emulator: Emulator) -> dict[str, Any]:
    return emulator.request_counts()


def wait_for_counter(emulator: Emulator, key: str, value: int, timeout: float = 5.0) -> dict[str, Any]:
    """Counters once ``key`` reaches ``value`` (a delayed reply is counted when its delay ends)."""
    end = time.monotonic() + timeout
    while True:
        current = counts(emulator)
        if current[key] >= value or time.monotonic() > end:
            return current
        time.sleep(0.05)


# -- retried -------------------------------------------------------------------------------------


@pytest.mark.fault_cases(1)
def test_429_with_retry_after_is_retried_after_the_pause(emulator: Emulator) -> None:
    """A 429 with Retry-After: 1 is retried about a second later and the call succeeds."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=429, retry_after=1)
    with client_for(emulator, max_retries=2) as client:
        started = time.monotonic()
        task = client.show_task(INSTANCE, task_id)
        elapsed = time.monotonic() - started
    assert task.id == task_id and task.succeeded
    assert 0.95 <= elapsed < 3
    assert (counts(emulator)["total"], counts(emulator)["faults_served"]) == (2, 1)
    assert [e["status"] for e in counts(emulator)["log"]] == [429, 200]


@pytest.mark.fault_cases(2)
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_burst_of_5xx_within_max_retries_then_success(emulator: Emulator, status: int) -> None:
    """Two consecutive 5xx replies are absorbed by max_retries=2: the caller just gets the task."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=status, count=2)
    with client_for(emulator, max_retries=2) as client:
        assert client.show_task(INSTANCE, task_id).id == task_id
    assert [e["status"] for e in counts(emulator)["log"]] == [status, status, 200]


@pytest.mark.fault_cases(3)
def test_exhausted_retries_raise_server_error_with_the_final_status(emulator: Emulator) -> None:
    """500, 502 then 503 with max_retries=2 raises ServerError for the last reply, 503."""
    emulator.add_instance(INSTANCE)
    for status in (500, 502, 503):
        emulator.add_fault("status", status=status)
    with client_for(emulator, max_retries=2) as client, pytest.raises(ServerError) as info:
        client.list_tasks(INSTANCE)
    exc = info.value
    assert exc.status == 503 and exc.error_code == "DMS.00500000" and exc.operation == "list_tasks"
    assert str(exc).startswith("list_tasks failed: HTTP 503 DMS.00500000: Internal error")
    assert counts(emulator)["total"] == 3


@pytest.mark.fault_cases(2)
def test_dropped_connections_are_retried(emulator: Emulator) -> None:
    """Two connections closed without a reply are retried; the third attempt answers."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("drop", count=2)
    with client_for(emulator, max_retries=2) as client:
        assert client.show_task(INSTANCE, task_id).id == task_id
    assert [e["fault"] for e in counts(emulator)["log"]] == ["drop", "drop", None]


@pytest.mark.fault_cases(1)
def test_a_reply_slower_than_the_read_timeout_is_retried(emulator: Emulator) -> None:
    """A reply delayed 3 s past a 0.5 s read timeout is abandoned and the retry succeeds at once."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("delay", delay=3)
    with client_for(emulator, max_retries=1, read_timeout=0.5) as client:
        started = time.monotonic()
        assert client.show_task(INSTANCE, task_id).id == task_id
        elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2.5
    assert counts(emulator)["faults_served"] == 1
    # The abandoned attempt is counted when its delay ends.
    assert wait_for_counter(emulator, "total", 2)["total"] == 2


@pytest.mark.fault_cases(2)
def test_read_timeouts_exhausting_retries_raise_transport_error_timed_out(emulator: Emulator) -> None:
    """Two replies slower than the read timeout with max_retries=1 raise TransportError 'timed out'."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("delay", delay=3, count=2)
    with client_for(emulator, max_retries=1, read_timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as info:
            client.show_task(INSTANCE, task_id)
        elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 2.9
    exc = info.value
    assert exc.reason.startswith("timed out") and "Read timed out" in exc.reason
    assert str(exc).startswith("show_task failed: timed out") and task_id in str(exc)
    assert counts(emulator)["faults_served"] == 2


# -- not retried ----------------------------------------------------------------------------------


@pytest.mark.fault_cases(1)
@pytest.mark.parametrize(
    ("kind", "call", "reason"),
    [
        ("truncated", "show", "body is not JSON"),
        ("malformed", "show", "body is not JSON: '{not json'"),
        ("wrong_shape", "show", "tasks: Input should be a valid list"),
        ("wrong_shape", "list", "tasks: Input should be a valid list"),
        ("wrong_shape", "progress", "progress_percentage"),
        ("truncated", "list", "body is not JSON"),
    ],
)
def test_bad_bodies_raise_invalid_response_error(
    emulator: Emulator, kind: str, call: str, reason: str
) -> None:
    """A 200 with a cut, non-JSON or wrong-shaped body raises InvalidResponseError and is not retried."""
    task_id = emulator.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 60}]
    )
    emulator.add_fault(kind)
    operation = {"show": "show_task", "list": "list_tasks", "progress": "task_progress"}[call]
    with client_for(emulator, max_retries=3) as client, pytest.raises(InvalidResponseError) as info:
        if call == "show":
            client.show_task(INSTANCE, task_id)
        elif call == "list":
            client.list_tasks(INSTANCE)
        else:
            client.task_progress(INSTANCE, task_id)
    exc = info.value
    assert exc.operation == operation and exc.status == 200 and reason in exc.reason
    assert str(exc).startswith(f"{operation}: invalid response: HTTP 200 ")
    assert exc.request_id and f"request_id={exc.request_id}" in str(exc)
    assert counts(emulator)["total"] == 1


@pytest.mark.fault_cases(1)
def test_short_read_is_a_transport_error_not_retried(emulator: Emulator) -> None:
    """A body shorter than its Content-Length raises TransportError (IncompleteRead), once.

    With urllib3 2.x, requests reads the body after urllib3's Retry has handed over the response,
    so the broken body surfaces as requests' ChunkedEncodingError (a TransportError here) and the
    transport does not retry it; a wait treats it as a transient failed poll.
    """
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("short_read")
    with client_for(emulator, max_retries=3) as client, pytest.raises(TransportError) as info:
        client.show_task(INSTANCE, task_id)
    exc = info.value
    assert (
        exc.operation == "show_task" and "IncompleteRead" in exc.reason and "Connection broken" in exc.reason
    )
    assert task_id in str(exc)
    assert counts(emulator)["total"] == 1


def test_clock_skew_refusal_is_not_retried(emulator: Emulator) -> None:
    """A request signed 20 minutes in the past gets 401 APIGW.0303 once; retrying cannot help."""
    task_id = emulator.add_task(INSTANCE)
    slow = lambda: datetime.now(UTC) - timedelta(minutes=20)  # noqa: E731
    with (
        client_for(emulator, max_retries=4, clock=slow) as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.show_task(INSTANCE, task_id)
    assert (info.value.status, info.value.error_code) == (401, "APIGW.0303")
    assert "signature expired" in str(info.value)
    assert (counts(emulator)["total"], counts(emulator)["rejected"]) == (1, 1)


@pytest.mark.fault_cases(1)
@pytest.mark.parametrize("kind", ["status", "drop"])
def test_delete_is_never_retried(emulator: Emulator, kind: str) -> None:
    """A DELETE answered 503 or dropped is tried once, even with max_retries=4, and the task survives."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault(kind, status=503 if kind == "status" else None, operation="delete")
    expected = ServerError if kind == "status" else TransportError
    with client_for(emulator, max_retries=4) as client, pytest.raises(expected) as info:
        client.delete_task(INSTANCE, task_id)
    assert isinstance(info.value, ServerError | TransportError)
    assert info.value.operation == "delete_task"
    assert counts(emulator)["by_operation"]["delete"] == 1 and counts(emulator)["total"] == 1
    assert emulator.task(INSTANCE, task_id) is not None


# -- deadlines --------------------------------------------------------------------------------------


@pytest.mark.fault_cases(1)
def test_wait_keeps_its_deadline_when_every_reply_is_late(emulator: Emulator) -> None:
    """A 2 s wait against replies delayed 5 s ends by ~2 s with TaskTimeoutError, not after the replies."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("delay", delay=5, count=50)
    with client_for(emulator, max_retries=4, read_timeout=30) as client:
        started = time.monotonic()
        with pytest.raises(TaskTimeoutError) as info:
            client.wait_for_task(INSTANCE, task_id, timeout=2, poll_interval=0.2)
        elapsed = time.monotonic() - started
    assert 2.0 <= elapsed < 4.0  # a correctness bound (deadline kept), not a benchmark
    exc = info.value
    assert exc.last_status is None and "status never seen" in str(exc)
    assert isinstance(exc.last_error, TransportError) and exc.last_error.reason.startswith("timed out")
    assert str(exc).startswith("timed out after 2.0s (timeout 2s")


@pytest.mark.fault_cases(4)
def test_wait_rides_out_transient_503s_within_its_deadline(emulator: Emulator) -> None:
    """A wait that meets four 503s keeps polling and returns the task once it turns SUCCESS."""
    task_id = emulator.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 1.0}]
    )
    emulator.add_fault("status", status=503, count=4, operation="show")
    errors: list[str | None] = []
    with client_for(emulator, max_retries=2) as client:
        started = time.monotonic()
        task = client.wait_for_task(
            INSTANCE, task_id, timeout=5, poll_interval=0.2, on_progress=lambda e: errors.append(e.error)
        )
        elapsed = time.monotonic() - started
    assert task.succeeded and task.id == task_id
    assert elapsed < 5
    assert counts(emulator)["faults_served"] == 4
    assert "HTTP 503 DMS.00500000" in errors and errors[-1] is None


@pytest.mark.fault_cases(1)
def test_wait_honours_retry_after_without_passing_its_deadline(emulator: Emulator) -> None:
    """A 429 asking for 2 s mid-wait delays the next poll by 2 s; the wait still finishes inside 4 s."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=429, retry_after=2, operation="show")
    with client_for(emulator, max_retries=4) as client:
        started = time.monotonic()
        task = client.wait_for_task(INSTANCE, task_id, timeout=4, poll_interval=0.2)
        elapsed = time.monotonic() - started
    assert task.succeeded
    assert 1.9 <= elapsed < 4
    assert [e["status"] for e in counts(emulator)["log"]] == [429, 200]
