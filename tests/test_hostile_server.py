"""The client against hostile servers on loopback: redirects, trickles, endless and inflating bodies,
lying task counts, huge fields. Each test is what a user would see from such a server."""

from __future__ import annotations

import json
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_dms_tasks import _errors as errors
from pulumi_dms_tasks._client import DmsClient
from pulumi_dms_tasks._constants import MAX_LIST_PAGES, MAX_PARAMS_CHARS, MAX_RESPONSE_BYTES
from pulumi_dms_tasks._errors import (
    MAX_ERROR_TEXT_CHARS,
    ApiError,
    DmsError,
    InvalidResponseError,
    ServerError,
    TaskFailedError,
    TaskTimeoutError,
    TransportError,
)
from pulumi_dms_tasks._functions import get_background_task
from pulumi_dms_tasks.emulator import Emulator
from pulumi_dms_tasks.provider import BackgroundTaskProvider
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK
from tests.hostile import HostileServer, Reply, Seen, gzip_bomb, serve, task_body

INSTANCE = "inst-hostile-1"
TASK = "0123456789abcdef0123456789abcdef"
TOKEN = "TOKEN-must-never-travel-0123456789"
PASSWORD = "hunter2-Pa55word"
MIB = 1 << 20


def client_for(server: HostileServer, **kwargs: Any) -> DmsClient:
    kwargs.setdefault("read_timeout", 30)
    kwargs.setdefault("connect_timeout", 5)
    return DmsClient(endpoint=server.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}, **kwargs)


def provider_for(server: HostileServer, clean_env: pytest.MonkeyPatch) -> BackgroundTaskProvider:
    p = BackgroundTaskProvider()
    p.configure(
        ConfigureRequest(
            Config(
                {
                    "huaweicloud:accessKey": TEST_AK,
                    "huaweicloud:secretKey": TEST_SK,
                    "huaweicloud:projectId": TEST_PROJECT,
                    "huaweicloud:endpoints": json.dumps({"dms": server.url}),
                },
                "proj",
            )
        )
    )
    return p


def outcome(call: Callable[[], Any]) -> tuple[Any, float]:
    """What the call returned or raised, and how long it took."""
    started = time.monotonic()
    try:
        result: Any = call()
    except DmsError as exc:
        result = exc
    return result, time.monotonic() - started


def succeeding(seen: Seen, reply: Reply) -> None:
    """The server a redirect would like us to trust: SUCCESS for any task."""
    reply.json(task_body(seen.path.rstrip("/").rsplit("/", 1)[-1], "SUCCESS"))


# -- 1. redirects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_origin_is_refused_and_the_target_receives_nothing(status: int) -> None:
    """A 3xx towards another port is an error naming status and origin; the target never sees the token."""
    with serve(succeeding) as target:
        location = f"http://user:{PASSWORD}@127.0.0.1:{target.port}/v2/{TEST_PROJECT}/instances/{INSTANCE}/tasks/{TASK}?sig=QUERYSECRET"

        def redirect(seen: Seen, reply: Reply) -> None:
            reply.head(status, {"Location": location, "Content-Length": "0", "Connection": "close"})

        with serve(redirect) as origin, client_for(origin, security_token=TOKEN) as client:
            result, _ = outcome(lambda: client.show_task(INSTANCE, TASK))
            assert target.seen == [], "the redirect target received a request"
            assert len(origin.seen) == 1
            assert origin.seen[0].headers["x-security-token"] == TOKEN
    assert isinstance(result, errors.RedirectError) and isinstance(result, ApiError), result
    text = str(result)
    assert result.status == status and f"HTTP {status}" in text
    assert f"http://127.0.0.1:{target.port}" in text and result.location == f"http://127.0.0.1:{target.port}"
    for secret in (PASSWORD, "QUERYSECRET", "user:", TOKEN, TEST_SK):
        assert secret not in text


def test_a_same_origin_redirect_is_refused_too() -> None:
    """Redirects are never followed, not even to the same origin (the API never redirects)."""

    def redirect(seen: Seen, reply: Reply) -> None:
        reply.head(302, {"Location": "/elsewhere?x=1", "Content-Length": "0", "Connection": "close"})

    with serve(redirect) as origin, client_for(origin) as client:
        result, _ = outcome(lambda: client.show_task(INSTANCE, TASK))
        assert len(origin.seen) == 1
        assert isinstance(result, errors.RedirectError)
        assert origin.url in str(result) and "x=1" not in str(result)


def test_a_redirect_during_a_wait_aborts_it_at_once(clean_env: pytest.MonkeyPatch) -> None:
    """A redirect is not transient: the wait (and a provider create) fail at once, not at the timeout."""
    with serve(succeeding) as target:

        def redirect(seen: Seen, reply: Reply) -> None:
            reply.head(
                307, {"Location": target.url + seen.target, "Content-Length": "0", "Connection": "close"}
            )

        with serve(redirect) as origin:
            with client_for(origin) as client:
                result, elapsed = outcome(
                    lambda: client.wait_for_task(INSTANCE, TASK, timeout=30, poll_interval=0.2)
                )
            assert isinstance(result, errors.RedirectError) and elapsed < 5
            provider = provider_for(origin, clean_env)
            result, elapsed = outcome(
                lambda: provider.create({"instance_id": INSTANCE, "task_id": TASK, "timeout": 30})
            )
            assert isinstance(result, errors.RedirectError) and elapsed < 5
        assert target.seen == []


# -- 4. one deadline for everything a call does ------------------------------------------------------


def _pending_body() -> bytes:
    return json.dumps(task_body(TASK, "EXECUTING")).encode()


def trickling_body(seen: Seen, reply: Reply) -> None:
    body = _pending_body()
    reply.head(
        200, {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
    )
    reply.trickle(body, 1.0)


def trickling_head(seen: Seen, reply: Reply) -> None:
    body = _pending_body()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "X-Padding: " + "p" * 60 + "\r\nConnection: close\r\n\r\n"
    ).encode()
    reply.trickle(head + body, 1.0)


@pytest.mark.parametrize("responder", [trickling_body, trickling_head], ids=["body", "headers"])
def test_a_trickling_server_cannot_stretch_a_wait_past_its_timeout(
    responder: Callable[[Seen, Reply], None],
) -> None:
    """One byte a second, headers or body: a 3 s wait ends with TaskTimeoutError within a second of 3 s."""
    with serve(responder) as server, client_for(server) as client:
        result, elapsed = outcome(lambda: client.wait_for_task(INSTANCE, TASK, timeout=3, poll_interval=1))
    assert isinstance(result, TaskTimeoutError), result
    assert elapsed < 3 + 1.0, elapsed
    assert isinstance(result.last_error, TransportError) and "deadline" in str(result.last_error)


def test_a_standalone_call_has_a_total_bound_too() -> None:
    """show_task(timeout=2) and a client's call_timeout bound a trickled answer in total."""
    with serve(trickling_body) as server:
        with client_for(server) as client:
            result, elapsed = outcome(lambda: client.show_task(INSTANCE, TASK, timeout=2))
        assert isinstance(result, TransportError) and "deadline" in str(result) and elapsed < 3, (
            result,
            elapsed,
        )
        with client_for(server, call_timeout="2s") as client:
            result, elapsed = outcome(lambda: client.show_task(INSTANCE, TASK))
        assert isinstance(result, TransportError) and elapsed < 3, (result, elapsed)


def test_a_call_cut_at_its_deadline_leaves_the_client_usable(emulator: Emulator) -> None:
    """After a cut-off, pooled connections still serve the next calls, from this thread and others."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("delay", delay=3, operation="show")
    with DmsClient(
        endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}, max_retries=0
    ) as client:
        result, elapsed = outcome(lambda: client.show_task(INSTANCE, task_id, timeout=1))
        assert isinstance(result, TransportError) and "deadline" in str(result) and elapsed < 2
        results: list[Any] = []
        workers = [
            threading.Thread(
                target=lambda: results.extend(client.show_task(INSTANCE, task_id) for _ in range(20))
            )
            for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert len(results) == 80 and all(t.id == task_id for t in results)


def test_503_with_a_huge_retry_after_does_not_stall_a_standalone_call() -> None:
    """A server answering 503 Retry-After: 100000 gets a ServerError back at once, not after 4 x 60 s."""

    def unavailable(seen: Seen, reply: Reply) -> None:
        reply.json(
            {"error_code": "DMS.503", "error_msg": "busy"}, status=503, headers={"Retry-After": "100000"}
        )

    with serve(unavailable) as server, client_for(server) as client:  # default retries and call bound
        result, elapsed = outcome(lambda: client.show_task(INSTANCE, TASK))
    assert isinstance(result, ServerError) and result.retry_after == 100000
    assert elapsed < 5, elapsed


def test_the_by_name_search_runs_inside_the_resource_timeout(clean_env: pytest.MonkeyPatch) -> None:
    """create(task_name=..., timeout=3) and get_background_task(task_name, wait, timeout=3) end within ~3 s."""
    with serve(trickling_body) as server:
        provider = provider_for(server, clean_env)
        result, elapsed = outcome(
            lambda: provider.create(
                {
                    "instance_id": INSTANCE,
                    "task_name": "bindInstancePublicIp",
                    "timeout": 3,
                    "poll_interval": 1,
                }
            )
        )
        assert isinstance(result, DmsError) and elapsed < 3 + 1.0, (result, elapsed)
        clean_env.setenv("HW_ACCESS_KEY", TEST_AK)
        clean_env.setenv("HW_SECRET_KEY", TEST_SK)
        clean_env.setenv("HW_PROJECT_ID", TEST_PROJECT)
        result, elapsed = outcome(
            lambda: get_background_task(
                INSTANCE, task_name="bindInstancePublicIp", wait=True, timeout=3, endpoint=server.url
            )
        )
        assert isinstance(result, DmsError) and elapsed < 3 + 1.0, (result, elapsed)


# -- 5. bounded responses ----------------------------------------------------------------------------


def _spaces(size: int) -> Iterator[bytes]:
    block = b" " * (64 * 1024)
    while True:
        yield block


def huge_body(seen: Seen, reply: Reply) -> None:
    size = 100 * MIB
    reply.head(200, {"Content-Type": "application/json", "Content-Length": str(size), "Connection": "close"})
    reply.raw(b'{"task_count": "1", "tasks": [')
    reply.stream(_spaces(size), limit_bytes=size)


def endless_chunked(seen: Seen, reply: Reply) -> None:
    reply.head(
        200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked", "Connection": "close"}
    )
    chunk = b" " * (64 * 1024)
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    reply.stream(iter(lambda: frame, None), limit_bytes=4096 * MIB, limit_seconds=30)


def gzip_bombing(seen: Seen, reply: Reply) -> None:
    body = gzip_bomb(1024)
    reply.head(
        200,
        {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Content-Length": str(len(body)),
            "Connection": "close",
        },
    )
    reply.raw(body)


@pytest.mark.parametrize(
    "responder", [huge_body, endless_chunked, gzip_bombing], ids=["100MB", "endless-chunked", "gzip-bomb"]
)
def test_a_body_past_the_cap_is_refused_without_being_held(responder: Callable[[Seen, Reply], None]) -> None:
    """100 MB, an endless chunked body or 1 GiB inflated from 1 MiB of gzip: InvalidResponseError, memory bounded."""
    gzip_bomb(1024)  # build it before measuring
    with serve(responder) as server, client_for(server, max_retries=0) as client:
        tracemalloc.start()
        try:
            result, elapsed = outcome(lambda: client.show_task(INSTANCE, TASK))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert isinstance(result, InvalidResponseError), result
    assert f"{MAX_RESPONSE_BYTES // MIB} MiB" in str(result)
    assert peak < 4 * MAX_RESPONSE_BYTES, f"peak {peak / MIB:.0f} MiB"
    assert elapsed < 10


def _params_server(size: int, status: str = "SUCCESS") -> Callable[[Seen, Reply], None]:
    params = json.dumps({"blob": "x" * size})

    def respond(seen: Seen, reply: Reply) -> None:
        reply.json(task_body(TASK, status, params=params))

    return respond


def test_large_params_are_truncated_in_outputs_and_marked(clean_env: pytest.MonkeyPatch) -> None:
    """1 MiB of params becomes at most MAX_PARAMS_CHARS of params_json, marked as truncated; params is {}."""
    with serve(_params_server(MIB)) as server:
        provider = provider_for(server, clean_env)
        outs = provider.create({"instance_id": INSTANCE, "task_id": TASK, "timeout": 10}).outs
    assert outs is not None
    assert len(json.dumps(outs)) < 2 * MAX_PARAMS_CHARS
    assert outs["params"] == {}
    assert outs["params_json"].startswith('{"blob": "xxx')
    assert (
        f"[truncated by pulumi-dms-tasks: {len(json.dumps({'blob': 'x' * MIB}))} characters"
        in outs["params_json"]
    )
    assert outs["status"] == "SUCCESS"


def test_params_past_the_body_cap_are_a_clear_error(clean_env: pytest.MonkeyPatch) -> None:
    """10 MB of params never reaches the state: create fails naming the response cap."""
    with serve(_params_server(10 * MIB)) as server:
        provider = provider_for(server, clean_env)
        result, _ = outcome(
            lambda: provider.create({"instance_id": INSTANCE, "task_id": TASK, "timeout": 3, "wait": False})
        )
    assert isinstance(result, InvalidResponseError) and "larger than" in str(result)


def test_huge_error_text_is_truncated_and_marked() -> None:
    """A 10 MiB error_msg (and a 5000-character one) is cut to MAX_ERROR_TEXT_CHARS, saying so."""

    def error(size: int) -> Callable[[Seen, Reply], None]:
        return lambda seen, reply: reply.json(
            {"error_code": "DMS.00400062", "error_msg": "E" * size}, status=400
        )

    for size in (5000, 10 * MIB):
        with serve(error(size)) as server, client_for(server) as client:
            result, _ = outcome(lambda: client.show_task(INSTANCE, TASK))
        assert isinstance(result, ApiError) and result.status == 400
        text = str(result)
        assert len(text) < MAX_ERROR_TEXT_CHARS + 500 and "truncated" in text
        assert result.error_msg is not None and len(result.error_msg) < MAX_ERROR_TEXT_CHARS + 100


def test_a_failed_task_with_huge_params_gives_a_bounded_message() -> None:
    """TaskFailedError shows the params, cut short and marked."""
    with serve(_params_server(MIB, "FAILED")) as server, client_for(server) as client:
        result, _ = outcome(lambda: client.wait_for_task(INSTANCE, TASK, timeout=5))
    assert isinstance(result, TaskFailedError)
    assert len(str(result)) < MAX_ERROR_TEXT_CHARS + 500 and "truncated" in str(result)


# -- 6. paging -----------------------------------------------------------------------------------------


def lying_pages(seen: Seen, reply: Reply) -> None:
    """task_count claims a million, and every page brings fresh ids."""
    start = int(seen.query.get("start", "1"))
    limit = int(seen.query.get("limit", "10"))
    tasks = [{"id": f"t{start + i:08d}", "name": "other", "status": "SUCCESS"} for i in range(limit)]
    reply.json({"task_count": "1000000", "tasks": tasks})


def test_a_lying_task_count_stops_listing_at_the_page_ceiling() -> None:
    """A server that keeps bringing fresh ids is paged at most MAX_LIST_PAGES times, then a clear error."""
    with serve(lying_pages) as server, client_for(server) as client:
        result, elapsed = outcome(lambda: client.list_tasks(INSTANCE))
        assert isinstance(result, InvalidResponseError), result
        assert len(server.seen) <= MAX_LIST_PAGES
        assert "pages" in str(result) and "task_count" in str(result)
        result, _ = outcome(lambda: client.find_latest_task(INSTANCE, "bindInstancePublicIp"))
        assert isinstance(result, InvalidResponseError)
    assert elapsed < 15


def test_short_pages_are_walked_as_far_as_task_count_says() -> None:
    """A server that pages 7 at a time (less than asked) with an honest count is read to the end."""
    total = 250

    def short_pages(seen: Seen, reply: Reply) -> None:
        start = int(seen.query.get("start", "1"))
        ids = range(start, min(total, start + 6) + 1)
        reply.json(
            {"task_count": str(total), "tasks": [{"id": f"t{i:04d}", "status": "SUCCESS"} for i in ids]}
        )

    with serve(short_pages) as server, client_for(server) as client:
        assert len(client.list_tasks(INSTANCE)) == total


# -- 7. response fields out of range --------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [{"created_at": 1e20}, {"updated_at": -1e300}, {"status": "S" * 5000}, {"name": "n" * 100_000}],
    ids=["created_at-1e20", "updated_at-neg", "status-5000", "name-100k"],
)
def test_out_of_range_response_fields_are_invalid_responses(fields: dict[str, Any]) -> None:
    """A field no real task has is InvalidResponseError (in a wait too), never an untyped exception."""

    def respond(seen: Seen, reply: Reply) -> None:
        reply.json(task_body(TASK, **{"status": "EXECUTING", **fields}))

    with serve(respond) as server, client_for(server) as client:
        result, _ = outcome(lambda: client.show_task(INSTANCE, TASK))
        assert isinstance(result, InvalidResponseError), result
        assert len(str(result)) < 1000
        result, _ = outcome(lambda: client.wait_for_task(INSTANCE, TASK, timeout=10, poll_interval=0.1))
        assert isinstance(result, InvalidResponseError), result


def test_an_absurd_progress_estimate_does_not_break_a_wait() -> None:
    """remain_time of 10**400 from the progress API is ignored; the wait goes on and succeeds."""
    polls = []

    def respond(seen: Seen, reply: Reply) -> None:
        if seen.path.endswith("/progress"):
            reply.json(b'{"progress_percentage": 5, "remain_time": 1' + b"0" * 400 + b', "step_list": []}')
            return
        polls.append(seen)
        reply.json(task_body(TASK, "EXECUTING" if len(polls) < 3 else "SUCCESS"))

    with serve(respond) as server, client_for(server) as client:
        task = client.wait_for_task(INSTANCE, TASK, timeout=20, poll_interval=0.1, max_poll_interval=0.2)
    assert task.succeeded
