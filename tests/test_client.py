"""DmsClient against the real emulator over loopback sockets: reads, waits and every error class."""

from __future__ import annotations

import json
import logging
import pickle
import re
import socket
import threading
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pulumi_dms_tasks import __version__
from pulumi_dms_tasks._client import USER_AGENT, DmsClient
from pulumi_dms_tasks._errors import (
    ApiError,
    AuthenticationError,
    DmsError,
    InvalidResponseError,
    NotFoundError,
    ServerError,
    TaskFailedError,
    TaskTimeoutError,
    ThrottledError,
    TransportError,
)
from pulumi_dms_tasks._models import TaskStatus
from pulumi_dms_tasks._waiting import WaitProgress
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

INSTANCE = "inst-client-1"
UNKNOWN_TASK = "0" * 32
WRONG_SK = "sk-WRONG-secret-value-do-not-leak-42"
HEX32 = re.compile(r"[0-9a-f]{32}")


def client_for(emulator: Emulator, **kwargs: Any) -> DmsClient:
    """A client for the emulator; no retries and short timeouts unless a test says otherwise."""
    kwargs.setdefault("read_timeout", 5)
    kwargs.setdefault("connect_timeout", 2)
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("sk", TEST_SK)
    return DmsClient(endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, env={}, **kwargs)


@pytest.fixture()
def client(emulator: Emulator) -> Iterator[DmsClient]:
    with client_for(emulator) as c:
        yield c


def assert_api_error(
    exc: ApiError,
    *,
    operation: str,
    status: int,
    code: str,
    msg: str,
    ids: tuple[str, ...],
) -> None:
    """The error carries and shows what support asks for: operation, ids, status, code, message, request id."""
    text = str(exc)
    assert exc.operation == operation and text.startswith(f"{operation} failed:")
    assert exc.status == status and not hasattr(exc, "status_code") and f"HTTP {status}" in text
    assert exc.error_code == code and code in text
    assert exc.error_msg is not None and msg in exc.error_msg and msg in text
    assert exc.request_id is not None and HEX32.fullmatch(exc.request_id), exc.request_id
    assert f"request_id={exc.request_id}" in text
    for value in ids:
        assert value in text


# -- reads ----------------------------------------------------------------------------------------


def test_show_task_returns_the_seeded_task_with_parsed_fields(emulator: Emulator, client: DmsClient) -> None:
    """show_task returns the task with its name, status, params dict, user and timestamps."""
    created = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
    task_id = emulator.add_task(
        INSTANCE, name="modifyAutoTopic", params={"enable": True}, user_name="alice", created_at=created
    )
    task = client.show_task(INSTANCE, task_id)
    assert (task.id, task.instance_id, task.name, task.user_name) == (
        task_id,
        INSTANCE,
        "modifyAutoTopic",
        "alice",
    )
    assert task.status == TaskStatus.SUCCESS and task.succeeded and task.is_terminal
    assert task.params == {"enable": True} and task.params_json == '{"enable":true}'
    assert task.created_at == created and task.created_at_text == "2024-05-06T07:08:09.123Z"
    assert emulator.request_counts()["by_operation"]["show"] == 1


def test_list_tasks_reads_every_page_newest_first_without_duplicates(
    emulator: Emulator, client: DmsClient
) -> None:
    """230 tasks come back in 3 pages of at most 100, all of them, once each, newest first."""
    base = datetime.now(UTC) - timedelta(days=1)
    seeded = [
        emulator.add_task(INSTANCE, params={"n": i}, created_at=base + timedelta(seconds=i))
        for i in range(230)
    ]
    tasks = client.list_tasks(INSTANCE)
    ids = [t.id for t in tasks]
    assert len(ids) == 230 and len(set(ids)) == 230
    assert ids == list(reversed(seeded))
    created = [t.created_at for t in tasks if t.created_at is not None]
    assert len(created) == len(tasks) and created == sorted(created, reverse=True)
    assert all(t.instance_id == INSTANCE for t in tasks)
    log = [entry for entry in emulator.request_counts()["log"] if entry["operation"] == "list"]
    assert [entry["query"] for entry in log] == [f"offset={s}&start={s}&limit=100" for s in (1, 101, 201)]


def test_iter_tasks_fetches_pages_lazily(emulator: Emulator, client: DmsClient) -> None:
    """iter_tasks asks for the next page only when the caller gets that far."""
    for _ in range(20):
        emulator.add_task(INSTANCE)
    pages = client.iter_tasks(INSTANCE, page_size=7)
    assert emulator.request_counts()["total"] == 0
    first = [next(pages) for _ in range(7)]
    assert len(first) == 7 and emulator.request_counts()["by_operation"]["list"] == 1
    rest = list(pages)
    assert len(first) + len(rest) == 20 and emulator.request_counts()["by_operation"]["list"] == 3


def test_list_tasks_filters_on_a_time_window(emulator: Emulator, client: DmsClient) -> None:
    """begin_time/end_time (datetimes, ISO or YYYYMMDDHHmmss strings) select tasks by creation time."""
    now = datetime.now(UTC).replace(microsecond=0)
    ages = {days: emulator.add_task(INSTANCE, created_at=now - timedelta(days=days)) for days in (3, 2, 1, 0)}
    window = client.list_tasks(
        INSTANCE, begin_time=now - timedelta(days=2, hours=12), end_time=now - timedelta(hours=12)
    )
    assert [t.id for t in window] == [ages[1], ages[2]]
    since = client.list_tasks(INSTANCE, begin_time=(now - timedelta(days=1)).isoformat())
    assert [t.id for t in since] == [ages[0], ages[1]]
    until = client.list_tasks(INSTANCE, end_time=(now - timedelta(days=2)).strftime("%Y%m%d%H%M%S"))
    assert [t.id for t in until] == [ages[2], ages[3]]
    queries = [entry["query"] for entry in emulator.request_counts()["log"]]
    assert any("begin_time=" in q and "end_time=" in q for q in queries)


def test_find_latest_task_picks_the_newest_task_with_that_name(emulator: Emulator, client: DmsClient) -> None:
    """find_latest_task returns the newest task of a name, honours since, and None when nothing matches."""
    now = datetime.now(UTC)
    older = emulator.add_task(INSTANCE, name="bindInstancePublicIp", created_at=now - timedelta(hours=3))
    newer = emulator.add_task(INSTANCE, name="bindInstancePublicIp", created_at=now - timedelta(hours=1))
    emulator.add_task(INSTANCE, name="modifyAutoTopic", created_at=now)
    found = client.find_latest_task(INSTANCE, "bindInstancePublicIp")
    assert found is not None and found.id == newer and found.instance_id == INSTANCE
    found = client.find_latest_task(INSTANCE, "bindInstancePublicIp", since=now - timedelta(hours=4))
    assert found is not None and found.id == newer
    assert (
        client.find_latest_task(INSTANCE, "bindInstancePublicIp", since=now - timedelta(minutes=30)) is None
    )
    assert client.find_latest_task(INSTANCE, "unbindInstancePublicIp") is None
    assert older != newer


def test_find_latest_task_since_is_exact_below_one_second(emulator: Emulator, client: DmsClient) -> None:
    """A task created a fraction of a second before since is not returned, though the API filters whole seconds."""
    stamp = datetime(2024, 1, 2, 3, 4, 5, 200000, tzinfo=UTC)
    task_id = emulator.add_task(INSTANCE, name="changeRetentionPolicy", created_at=stamp)
    found = client.find_latest_task(INSTANCE, "changeRetentionPolicy", since=stamp)
    assert found is not None and found.id == task_id
    assert (
        client.find_latest_task(INSTANCE, "changeRetentionPolicy", since=stamp + timedelta(milliseconds=500))
        is None
    )


def test_task_progress_of_a_task_not_started_yet(emulator: Emulator, client: DmsClient) -> None:
    """task_progress reports 0 %, the seconds left and every step as WAITING before the task starts."""
    task_id = emulator.add_task(
        INSTANCE,
        timeline=[
            {"status": "EXECUTING", "after": 60, "step": "bind EIP"},
            {"status": "SUCCESS", "after": 120},
        ],
    )
    progress = client.task_progress(INSTANCE, task_id)
    assert progress is not None
    assert progress.progress_percentage == 0
    assert 115 <= (progress.remain_time or 0) <= 120
    assert [(s.name, s.status) for s in progress.step_list] == [
        ("bind EIP", "WAITING"),
        ("SUCCESS", "WAITING"),
    ]
    assert progress.current_step is not None and progress.current_step.name == "bind EIP"


def test_task_progress_of_a_running_task(emulator: Emulator, client: DmsClient) -> None:
    """task_progress of a running task shows its percentage, remaining time and the step in progress."""
    now = datetime.now(UTC)
    task_id = emulator.add_task(
        INSTANCE,
        created_at=now - timedelta(seconds=50),
        timeline=[
            {"status": "CREATED", "after": 0, "step": "prepare"},
            {"status": "EXECUTING", "after": 10, "step": "bind EIP"},
            {"status": "SUCCESS", "after": 100},
        ],
    )
    progress = client.task_progress(INSTANCE, task_id)
    assert progress is not None
    assert 49 <= (progress.progress_percentage or 0) <= 51
    assert 49 <= (progress.remain_time or 0) <= 51
    assert [(s.name, s.status) for s in progress.step_list] == [
        ("prepare", "COMPLETED"),
        ("bind EIP", "IN_PROGRESS"),
        ("SUCCESS", "WAITING"),
    ]
    assert progress.current_step is not None and progress.current_step.name == "bind EIP"


def test_task_progress_of_a_finished_task_is_complete(emulator: Emulator, client: DmsClient) -> None:
    """A finished task reports 100 %, nothing left and every step COMPLETED."""
    task_id = emulator.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 0}]
    )
    progress = client.task_progress(INSTANCE, task_id)
    assert progress is not None and (progress.progress_percentage, progress.remain_time) == (100, 0)
    assert {s.status for s in progress.step_list} == {"COMPLETED"} and progress.current_step is None


def test_task_progress_is_none_for_a_task_without_progress(emulator: Emulator, client: DmsClient) -> None:
    """A task with no progress record (the API's 404) gives None, not an error."""
    task_id = emulator.add_task(INSTANCE, progress=False)
    assert client.task_progress(INSTANCE, task_id) is None
    assert emulator.request_counts()["by_operation"]["progress"] == 1


def test_delete_task_removes_the_record(emulator: Emulator, client: DmsClient) -> None:
    """delete_task removes the task's record: show then says not found and list no longer has it."""
    keep = emulator.add_task(INSTANCE)
    gone = emulator.add_task(INSTANCE)
    # Typed to return None; the test holds the implementation to that.
    assert client.delete_task(INSTANCE, gone) is None  # type: ignore[func-returns-value]
    with pytest.raises(NotFoundError) as info:
        client.show_task(INSTANCE, gone)
    assert info.value.error_code == "DMS.00404023"
    assert [t.id for t in client.list_tasks(INSTANCE)] == [keep]
    assert emulator.request_counts()["by_operation"]["delete"] == 1


# -- waiting ----------------------------------------------------------------------------------------


def test_wait_for_task_returns_the_task_on_success_and_reports_progress(
    emulator: Emulator, client: DmsClient, caplog: pytest.LogCaptureFixture
) -> None:
    """wait_for_task returns the SUCCESS task, calls on_progress per poll and logs status changes at INFO."""
    task_id = emulator.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 2.0}]
    )
    events: list[WaitProgress] = []
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="pulumi_dms_tasks"):
        task = client.wait_for_task(
            INSTANCE, task_id, timeout=6, poll_interval=0.2, max_poll_interval=1, on_progress=events.append
        )
    elapsed = time.monotonic() - started
    assert task.id == task_id and task.status == TaskStatus.SUCCESS and task.instance_id == INSTANCE
    assert 1.9 <= elapsed < 6
    assert [e.polls for e in events] == list(range(1, len(events) + 1))
    assert events[0].status == "EXECUTING" and events[0].previous_status is None and events[0].status_changed
    assert (
        events[-1].status == "SUCCESS"
        and events[-1].previous_status == "EXECUTING"
        and events[-1].next_poll_in is None
    )
    assert all(e.next_poll_in is not None and 0 < e.next_poll_in <= 1 for e in events[:-1])
    assert all(e.instance_id == INSTANCE and e.task_id == task_id for e in events)
    running = [e for e in events if e.status == "EXECUTING"]
    # Progress is asked once the wait has a call to spare (never on the first poll), then reported.
    assert running[0].percentage is None
    informed = [e for e in running if e.percentage is not None]
    assert informed and all(0 <= e.percentage < 100 and e.step == "EXECUTING" for e in informed)  # type: ignore[operator]
    assert emulator.request_counts()["by_operation"]["progress"] >= 1
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert f"task {task_id} on instance {INSTANCE} is EXECUTING" in info
    assert any(m.startswith(f"task {task_id} on instance {INSTANCE} succeeded after") for m in info)
    # One INFO line per status change, not one per poll.
    assert sum("is EXECUTING" in m for m in info) == 1


@pytest.mark.parametrize("final", ["FAILED", "CANCELLED"])
def test_wait_for_task_raises_task_failed_error(emulator: Emulator, client: DmsClient, final: str) -> None:
    """A task ending FAILED or CANCELLED raises TaskFailedError naming the task, instance, params and status."""
    task_id = emulator.add_task(
        INSTANCE,
        name="kafkaConfigModify",
        params={"key": "retention"},
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": final, "after": 0.3}],
    )
    with pytest.raises(TaskFailedError) as info:
        client.wait_for_task(INSTANCE, task_id, timeout=3, poll_interval=0.2)
    exc = info.value
    assert exc.status == final and exc.task.id == task_id and exc.polls >= 2
    text = str(exc)
    assert f"task {task_id} (kafkaConfigModify) on instance {INSTANCE}" in text
    assert f"ended with status {final}" in text and '{"key":"retention"}' in text


def test_wait_for_task_times_out_with_the_last_status(emulator: Emulator, client: DmsClient) -> None:
    """A task that never finishes raises TaskTimeoutError on time, with the last status seen."""
    task_id = emulator.add_task(INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}])
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError) as info:
        client.wait_for_task(INSTANCE, task_id, timeout=1.5, poll_interval=0.2)
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 3
    exc = info.value
    assert exc.last_status == "EXECUTING" and exc.task_id == task_id and exc.instance_id == INSTANCE
    assert exc.timeout == 1.5 and not exc.cancelled and exc.polls >= 2
    text = str(exc)
    assert text.startswith("timed out after") and "timeout 1.5s" in text
    assert f"task {task_id}" in text and f"on instance {INSTANCE}" in text and "last status EXECUTING" in text


# -- what goes on the wire -------------------------------------------------------------------------


class _CaptureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _CaptureServer

    def do_GET(self) -> None:
        self.server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        task_id = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if task_id == "tasks":  # a list call: the same one-task page, claiming a million tasks
            body = json.dumps(
                {"task_count": "1000000", "tasks": [{"id": "t-1", "status": "SUCCESS"}]}
            ).encode()
        else:
            body = json.dumps({"task_count": "1", "tasks": [{"id": task_id, "status": "SUCCESS"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _CaptureServer(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[tuple[str, dict[str, str]]]


@pytest.fixture()
def capture_server() -> Iterator[_CaptureServer]:
    """A tiny loopback server that records request headers and answers a fixed task body."""
    server = _CaptureServer(("127.0.0.1", 0), _CaptureHandler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_user_agent_and_project_header_reach_the_server_signed(
    emulator: Emulator, client: DmsClient, capture_server: _CaptureServer
) -> None:
    """Requests carry User-Agent pulumi-dms-tasks/<version> and X-Project-Id, both covered by the signature."""
    assert f"pulumi-dms-tasks/{__version__}" == USER_AGENT
    endpoint = f"http://127.0.0.1:{capture_server.server_address[1]}"
    with DmsClient(
        endpoint=endpoint, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}, max_retries=0
    ) as c:
        assert c.show_task("inst-ua", "t-1").status == "SUCCESS"
    server = capture_server
    ((path, headers),) = server.seen
    assert path == f"/v2/{TEST_PROJECT}/instances/inst-ua/tasks/t-1"
    assert headers["user-agent"] == f"pulumi-dms-tasks/{__version__}"
    assert headers["x-project-id"] == TEST_PROJECT
    signed_headers = re.search(r"SignedHeaders=([^,]+)", headers["authorization"])
    assert signed_headers is not None
    signed = signed_headers.group(1).split(";")
    assert {"user-agent", "x-project-id", "host", "x-sdk-date"} <= set(signed)
    # The emulator verifies that signature, so the same headers reached it unchanged.
    task_id = emulator.add_task(INSTANCE)
    assert client.show_task(INSTANCE, task_id).id == task_id
    assert emulator.request_counts()["rejected"] == 0


def test_a_server_repeating_the_same_page_does_not_make_listing_loop(capture_server: _CaptureServer) -> None:
    """list_tasks stops when a page brings nothing new, even if task_count claims a million tasks."""
    endpoint = f"http://127.0.0.1:{capture_server.server_address[1]}"
    with DmsClient(
        endpoint=endpoint, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}, max_retries=0
    ) as c:
        tasks = c.list_tasks("inst-loop")
    assert [t.id for t in tasks] == ["t-1"]
    assert len(capture_server.seen) == 2


# -- every error class from a real response ----------------------------------------------------------


def test_wrong_secret_key_is_an_authentication_error(emulator: Emulator) -> None:
    """A wrong SK gives AuthenticationError 401 APIGW.0301 with the request id, and is not retried."""
    task_id = emulator.add_task(INSTANCE)
    with client_for(emulator, sk=WRONG_SK, max_retries=3) as c, pytest.raises(AuthenticationError) as info:
        c.show_task(INSTANCE, task_id)
    assert_api_error(
        info.value,
        operation="show_task",
        status=401,
        code="APIGW.0301",
        msg="verify aksk signature fail",
        ids=(INSTANCE, task_id),
    )
    assert emulator.request_counts()["rejected"] == 1 and emulator.request_counts()["total"] == 1


def test_skewed_clock_is_an_authentication_error(emulator: Emulator) -> None:
    """A clock 20 minutes slow gives AuthenticationError 401 APIGW.0303 (signature expired)."""
    task_id = emulator.add_task(INSTANCE)
    slow = lambda: datetime.now(UTC) - timedelta(minutes=20)  # noqa: E731
    with client_for(emulator, clock=slow) as c, pytest.raises(AuthenticationError) as info:
        c.show_task(INSTANCE, task_id)
    assert_api_error(
        info.value,
        operation="show_task",
        status=401,
        code="APIGW.0303",
        msg="signature expired",
        ids=(INSTANCE, task_id),
    )


def test_unknown_instance_is_not_found(emulator: Emulator, client: DmsClient) -> None:
    """An unknown instance gives NotFoundError 404 DMS.00404022 for show and list."""
    with pytest.raises(NotFoundError) as info:
        client.show_task("inst-missing", UNKNOWN_TASK)
    assert_api_error(
        info.value,
        operation="show_task",
        status=404,
        code="DMS.00404022",
        msg="The instance does not exist",
        ids=("inst-missing", UNKNOWN_TASK),
    )
    with pytest.raises(NotFoundError) as info:
        client.list_tasks("inst-missing")
    assert_api_error(
        info.value,
        operation="list_tasks",
        status=404,
        code="DMS.00404022",
        msg="The instance does not exist",
        ids=("inst-missing",),
    )


def test_unknown_task_is_not_found(emulator: Emulator, client: DmsClient) -> None:
    """An unknown task on a known instance gives NotFoundError 404 DMS.00404023."""
    emulator.add_instance(INSTANCE)
    with pytest.raises(NotFoundError) as info:
        client.show_task(INSTANCE, UNKNOWN_TASK)
    assert_api_error(
        info.value,
        operation="show_task",
        status=404,
        code="DMS.00404023",
        msg="The task does not exist",
        ids=(INSTANCE, UNKNOWN_TASK),
    )


def test_malformed_task_id_is_a_plain_api_error(emulator: Emulator, client: DmsClient) -> None:
    """A 400 (task id not 32 hex) is an ApiError that is none of the specific subclasses."""
    emulator.add_instance(INSTANCE)
    with pytest.raises(ApiError) as info:
        client.show_task(INSTANCE, "not-hex")
    assert type(info.value) is ApiError
    assert_api_error(
        info.value,
        operation="show_task",
        status=400,
        code="DMS.00400070",
        msg="Invalid task ID",
        ids=(INSTANCE, "not-hex"),
    )


@pytest.mark.fault_cases(1)
def test_throttling_is_a_throttled_error(emulator: Emulator, client: DmsClient) -> None:
    """A 429 with retries off gives ThrottledError APIGW.0308 carrying Retry-After."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=429, retry_after=7)
    with pytest.raises(ThrottledError) as info:
        client.show_task(INSTANCE, task_id)
    assert_api_error(
        info.value,
        operation="show_task",
        status=429,
        code="APIGW.0308",
        msg="throttling threshold",
        ids=(INSTANCE, task_id),
    )
    assert info.value.retry_after == 7.0


@pytest.mark.fault_cases(1)
def test_internal_error_is_a_server_error(emulator: Emulator, client: DmsClient) -> None:
    """A 500 with retries off gives ServerError DMS.00500000."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=500)
    with pytest.raises(ServerError) as info:
        client.task_progress(INSTANCE, task_id)
    assert_api_error(
        info.value,
        operation="task_progress",
        status=500,
        code="DMS.00500000",
        msg="Internal error",
        ids=(INSTANCE, task_id),
    )


@pytest.mark.fault_cases(1)
def test_malformed_body_is_an_invalid_response_error(emulator: Emulator, client: DmsClient) -> None:
    """A 200 whose body is not JSON gives InvalidResponseError with the status, a body excerpt and request id."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("malformed")
    with pytest.raises(InvalidResponseError) as info:
        client.show_task(INSTANCE, task_id)
    exc = info.value
    assert exc.operation == "show_task" and exc.status == 200
    assert exc.request_id is not None and HEX32.fullmatch(exc.request_id)
    text = str(exc)
    assert text.startswith("show_task: invalid response: HTTP 200 body is not JSON: '{not json'")
    assert INSTANCE in text and task_id in text and f"request_id={exc.request_id}" in text


@pytest.mark.fault_cases(1)
def test_dropped_connection_is_a_transport_error(emulator: Emulator, client: DmsClient) -> None:
    """A connection closed without a reply, retries off, gives TransportError 'connection failed'."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("drop")
    with pytest.raises(TransportError) as info:
        client.show_task(INSTANCE, task_id)
    exc = info.value
    assert exc.operation == "show_task" and exc.reason.startswith("connection failed")
    assert str(exc).startswith(
        "show_task failed: connection failed"
    ) and "Remote end closed connection" in str(exc)
    assert INSTANCE in str(exc) and task_id in str(exc)
    assert emulator.request_counts()["total"] == 1


def test_connection_refused_is_a_transport_error() -> None:
    """A closed port gives TransportError 'connection failed ... Connection refused'."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        DmsClient(
            endpoint=f"http://127.0.0.1:{port}",
            project_id=TEST_PROJECT,
            ak=TEST_AK,
            sk=TEST_SK,
            env={},
            max_retries=0,
        ) as c,
        pytest.raises(TransportError) as info,
    ):
        c.list_tasks("inst-x")
    text = str(info.value)
    assert text.startswith("list_tasks failed: connection failed") and "refused" in text.lower()
    assert "instance_id=inst-x" in text


def test_every_error_class_is_a_dms_error() -> None:
    """Catching DmsError catches every error the client raises."""
    for cls in (
        ApiError,
        AuthenticationError,
        NotFoundError,
        ThrottledError,
        ServerError,
        InvalidResponseError,
        TransportError,
        TaskFailedError,
        TaskTimeoutError,
    ):
        assert issubclass(cls, DmsError)


# -- secrets ----------------------------------------------------------------------------------------


@pytest.mark.fault_cases(2)
def test_secret_key_never_appears_in_errors_repr_or_logs(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the right nor a wrong SK shows up in exceptions, tracebacks, repr(client) or DEBUG logs."""
    task_id = emulator.add_task(INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}])
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        good = client_for(emulator)
        wrong = client_for(emulator, sk=WRONG_SK)
        skewed = client_for(emulator, clock=lambda: datetime.now(UTC) - timedelta(hours=1))
        texts += [repr(good), repr(wrong), repr(good._settings)]
        emulator.add_fault("status", status=500)
        emulator.add_fault("malformed")
        calls = [
            lambda: wrong.show_task(INSTANCE, task_id),
            lambda: skewed.list_tasks(INSTANCE),
            lambda: good.show_task(INSTANCE, task_id),
            lambda: good.show_task(INSTANCE, task_id),
            lambda: good.wait_for_task(INSTANCE, task_id, timeout=0.5, poll_interval=0.2),
            lambda: wrong.wait_for_task(INSTANCE, task_id, timeout=0.5, poll_interval=0.2),
        ]
        for call in calls:
            with pytest.raises(DmsError) as info:
                call()
            texts += [str(info.value), repr(info.value), "".join(traceback.format_exception(info.value))]
        for c in (good, wrong, skewed):
            c.close()
    texts.append(caplog.text)
    texts += [r.getMessage() for r in caplog.records]
    assert caplog.records, "expected DEBUG log output to check"
    joined = "\n".join(texts)
    assert TEST_AK in joined  # the access key is not secret and helps support
    assert TEST_SK not in joined and WRONG_SK not in joined


def test_client_repr_and_pickling_keep_the_secret(emulator: Emulator, client: DmsClient) -> None:
    """repr(client) names endpoint, project and AK only; pickling a client is refused."""
    text = repr(client)
    assert emulator.url in text and TEST_PROJECT in text and TEST_AK in text and TEST_SK not in text
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(client)


def test_proxy_environment_is_read_once_and_honoured(
    emulator: Emulator, clean_env: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY/NO_PROXY at construction decide the route; later changes do not affect the client."""
    tid = emulator.add_task("inst-proxy")
    clean_env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens on the discard port
    clean_env.delenv("NO_PROXY", raising=False)
    clean_env.delenv("no_proxy", raising=False)
    with client_for(emulator) as proxied:
        with pytest.raises(TransportError) as info:
            proxied.show_task("inst-proxy", tid)
        assert "connection failed" in str(info.value)
    clean_env.setenv("NO_PROXY", "127.0.0.1")
    with client_for(emulator) as direct:
        clean_env.delenv("NO_PROXY")
        assert direct.show_task("inst-proxy", tid).id == tid
