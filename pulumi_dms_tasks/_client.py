"""``DmsClient``: typed calls to the DMS background-task API.

    client = DmsClient(region="cn-north-4", project_id="...")   # AK/SK from HW_ACCESS_KEY/HW_SECRET_KEY
    task = client.wait_for_task(instance_id, task_id, timeout="20m")

Arguments are validated before any request. Transport retries live in the session's urllib3
``Retry`` (GET only); responses are mapped to the errors in :mod:`pulumi_dms_tasks._errors`.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Unpack
from urllib.parse import quote, urljoin, urlsplit

import requests
from pydantic import ValidationError
from urllib3.exceptions import ReadTimeoutError

from ._constants import (
    API_TIME_FORMAT,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    LIST_PAGE_LIMIT,
    LIST_PAGE_SLACK,
    MAX_ERROR_BODY_BYTES,
    MAX_LIST_PAGES,
    MAX_RESPONSE_BYTES,
)
from ._version import __version__
from ._auth import AkSkAuth
from ._errors import (
    ApiError,
    InvalidInputError,
    InvalidResponseError,
    NotFoundError,
    RedirectError,
    TransportError,
    api_error_for_status,
    clip_text,
)
from ._models import Task, TaskList, TaskProgress
from ._settings import ClientSettings, SettingsArgs, resolve_settings
from ._transport import build_session, deadline, read_body
from ._validation import parse_duration, parse_time, validate_id, validate_task_name
from ._waiting import WaitPolicy, WaitProgress, wait_until_terminal

__all__ = ["DmsClient", "USER_AGENT"]

USER_AGENT = f"pulumi-dms-tasks/{__version__}"
log = logging.getLogger("pulumi_dms_tasks.client")


def _api_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime(API_TIME_FORMAT)


@dataclass(frozen=True)
class _Reply:
    """A response read in full (up to its cap): what the mapping to models and errors needs."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    truncated: bool  # the body went past its cap and was cut there

    @property
    def request_id(self) -> str | None:
        return self.headers.get("X-Request-Id")

    def text(self, limit: int) -> str:
        shown = self.body[:limit].decode("utf-8", "replace")
        return shown + ("... [truncated]" if self.truncated or len(self.body) > limit else "")


class DmsClient:
    """A client for one project's DMS background tasks. Thread-safe; close it or use ``with``.

    Keyword settings (all optional; see :class:`~pulumi_dms_tasks._settings.SettingsArgs`):
    ``endpoint``, ``region``, ``project_id``, ``ak``, ``sk``, ``security_token``,
    ``connect_timeout``, ``read_timeout``, ``max_retries``, ``verify``, ``config`` (a lookup of
    ``huaweicloud:*`` stack config keys), ``env`` and ``call_timeout``; each comes from its
    argument, else the stack config, else the environment. Or pass ``settings=``, already
    resolved, but not both.
    """

    def __init__(
        self,
        *,
        settings: ClientSettings | None = None,
        clock: Callable[[], datetime] | None = None,
        **kwargs: Unpack[SettingsArgs],
    ) -> None:
        if settings is not None and kwargs:
            # Which would win is a guess either way: refuse rather than ignore one of them.
            raise TypeError(f"pass settings= or keyword settings, not both (got settings= and {sorted(kwargs)[0]}=)")
        self._settings = settings or resolve_settings(**kwargs)
        s = self._settings
        self._session = build_session(
            endpoint=s.endpoint,
            max_retries=s.max_retries, verify=s.verify, user_agent=USER_AGENT, project_id=s.project_id
        )
        self._session.auth = AkSkAuth(s.ak, s.sk, s.security_token, clock=clock)
        self._base = f"{s.endpoint}/v2/{quote(s.project_id, safe='')}"

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The base URL in use, e.g. ``https://dms.cn-north-4.myhuaweicloud.com``."""
        return self._settings.endpoint

    @property
    def project_id(self) -> str:
        """The project id every path is scoped to."""
        return self._settings.project_id

    def __repr__(self) -> str:
        return f"DmsClient(endpoint={self.endpoint!r}, project_id={self.project_id!r}, ak={self._settings.ak!r})"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("DmsClient holds credentials and cannot be pickled")

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> "DmsClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _end(self, timeout: float | str | None, end: float | None) -> float:
        """The monotonic deadline of a call: ``end`` if given, else ``timeout`` (or call_timeout) from now."""
        if end is not None:
            return end
        budget = self._settings.call_timeout if timeout is None else parse_duration(timeout, "timeout")
        return time.monotonic() + budget

    def _request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        context: Mapping[str, Any],
        end: float,
    ) -> _Reply:
        """One call, retries included, that ends by ``end``: sent, answered and its body read (capped)."""
        url = self._base + path
        started = time.monotonic()
        remaining = max(end - started, 0.0)
        with deadline(end, min(self._settings.connect_timeout, remaining) + min(self._settings.read_timeout, remaining)) as guard:
            # Socket timeouts bound each read; the guard bounds them all together.
            left = guard.cut - started
            timeout = (min(self._settings.connect_timeout, left), min(self._settings.read_timeout, left))
            try:
                response = self._session.request(
                    method, url, params=params, timeout=timeout, stream=True, allow_redirects=False
                )
                try:
                    if 300 <= response.status_code < 400:
                        raise _redirect_error(operation, response, url, context)
                    limit = MAX_RESPONSE_BYTES if response.status_code < 300 else MAX_ERROR_BODY_BYTES
                    body, truncated = read_body(response, limit)
                finally:
                    response.close()
            except requests.RequestException as exc:
                if guard.expired:
                    raise TransportError(operation, _deadline_text(started, end), context=context) from exc
                if isinstance(exc, requests.exceptions.ContentDecodingError):
                    raise InvalidResponseError(operation, f"body cannot be decoded ({_short(exc)})", context=context) from exc
                if isinstance(exc, requests.Timeout):
                    raise TransportError(operation, f"timed out ({_short(exc)})", context=context) from exc
                if isinstance(exc, requests.ConnectionError):
                    # With a Retry, requests reports an exhausted read timeout as a ConnectionError.
                    kind = "timed out" if _is_read_timeout(exc) else "connection failed"
                    raise TransportError(operation, f"{kind} ({_short(exc)})", context=context) from exc
                raise TransportError(operation, _short(exc), context=context) from exc
            if guard.expired:  # a body without a length ends quietly when its socket is shut down
                raise TransportError(operation, _deadline_text(started, end), context=context)
        reply = _Reply(response.status_code, response.headers, body, truncated)
        log.debug(
            "%s %s -> %s in %.3fs (request_id=%s)", method, path, reply.status, time.monotonic() - started, reply.request_id
        )
        if reply.status >= 400:
            raise _api_error(operation, reply, context)
        if truncated:
            raise InvalidResponseError(
                operation,
                f"body larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB (the limit); stopped reading",
                status=reply.status, request_id=reply.request_id, context=context,
            )
        return reply

    def _json(self, operation: str, reply: _Reply, context: Mapping[str, Any]) -> Any:
        try:
            return json.loads(reply.body)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise InvalidResponseError(
                operation,
                f"body is not JSON: {reply.text(120)!r}",
                status=reply.status,
                request_id=reply.request_id,
                context=context,
            ) from None

    def _parse(self, operation: str, reply: _Reply, model: type[Any], context: Mapping[str, Any]) -> Any:
        body = self._json(operation, reply, context)
        return parse_body(model, body, operation=operation, status=reply.status,
                          request_id=reply.request_id, context=context)

    # -- API --------------------------------------------------------------------------------

    def show_task(
        self, instance_id: str, task_id: str, *, timeout: float | str | None = None, _end: float | None = None
    ) -> Task:
        """One task by id. Raises :class:`NotFoundError` when the instance or task is unknown.

        ``timeout`` bounds the whole call, retries included (default: the client's ``call_timeout``).
        """
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        end = self._end(timeout, _end)
        context = {"instance_id": instance_id, "task_id": task_id}
        response = self._request(
            "show_task", "GET", f"/instances/{instance_id}/tasks/{task_id}", context=context, end=end
        )
        envelope: TaskList = self._parse("show_task", response, TaskList, context)
        for task in envelope.tasks:
            if task.id == task_id:
                return task.model_copy(update={"instance_id": instance_id})
        if envelope.tasks:
            raise InvalidResponseError(
                "show_task", f"asked for task {task_id}, got {envelope.tasks[0].id}",
                status=response.status, request_id=response.request_id, context=context,
            )
        # The real service's answer for an unknown id is undocumented: an empty list means "not found".
        raise NotFoundError("show_task", response.status, None, "task not found (empty task list)",
                            response.request_id, context=context)

    def iter_tasks(
        self,
        instance_id: str,
        *,
        begin_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int = LIST_PAGE_LIMIT,
        timeout: float | str | None = None,
        _end: float | None = None,
    ) -> Iterator[Task]:
        """Tasks of an instance, newest first, fetched page by page as you iterate.

        ``timeout`` bounds fetching all pages, counted from the first (default: ``call_timeout``).
        At most ``MAX_LIST_PAGES`` pages are walked, fewer when ``task_count`` says so.
        """
        validate_id(instance_id, "instance_id")
        if timeout is not None:
            parse_duration(timeout, "timeout")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= LIST_PAGE_LIMIT:
            raise InvalidInputError("page_size", f"a whole number from 1 to {LIST_PAGE_LIMIT}", page_size)
        params: dict[str, Any] = {}
        begin = parse_time(begin_time, "begin_time") if begin_time is not None else None
        finish = parse_time(end_time, "end_time") if end_time is not None else None
        if begin is not None and finish is not None and begin > finish:
            raise InvalidInputError("begin_time", f"a time not after end_time ({finish.isoformat()})", begin.isoformat())
        if begin is not None:
            params["begin_time"] = _api_time(begin)
        if finish is not None:
            params["end_time"] = _api_time(finish)
        return self._pages(instance_id, params, page_size, timeout, _end)

    def _pages(
        self, instance_id: str, params: dict[str, Any], page_size: int, timeout: float | str | None, end: float | None
    ) -> Iterator[Task]:
        context = {"instance_id": instance_id}
        start = 1
        seen: set[str] = set()
        pages, max_pages = 0, MAX_LIST_PAGES
        while True:
            if pages == 0:
                end = self._end(timeout, end)  # one deadline for every page, from the first
            assert end is not None
            # The vendor names the 1-based index both "offset" (API page's table, Go SDK) and "start"
            # (the page's example, Python/Java SDKs, Terraform). Sending both, equal, pages right on
            # a server that knows either, one request a page; guessing from a repeated page could
            # not tell an ignored name from tasks added between pages.
            query = {**params, "offset": start, "start": start, "limit": page_size}
            response = self._request("list_tasks", "GET", f"/instances/{instance_id}/tasks", params=query, context=context, end=end)
            page: TaskList = self._parse("list_tasks", response, TaskList, context)
            pages += 1
            if pages == 1 and page.tasks:
                # The server's own count bounds the walk: pages of the length it serves, plus slack
                # for tasks created meanwhile; a count that lies cannot pass the hard ceiling.
                max_pages = min(MAX_LIST_PAGES, max(1, -(-page.task_count // len(page.tasks))) + LIST_PAGE_SLACK)
            fresh = 0
            for task in page.tasks:
                # A task created between two pages shifts the window; do not yield it twice.
                if task.id not in seen:
                    seen.add(task.id)
                    fresh += 1
                    yield task.model_copy(update={"instance_id": instance_id})
            start += len(page.tasks)
            # A page of nothing new means the server is repeating itself: stop rather than loop.
            if not page.tasks or start - 1 >= page.task_count or not fresh:
                return
            if pages >= max_pages:
                raise InvalidResponseError(
                    "list_tasks",
                    f"stopped after {pages} pages ({start - 1} tasks) with task_count={page.task_count} still ahead: "
                    + (f"more than the {MAX_LIST_PAGES}-page limit; narrow the time window (begin_time/end_time)"
                       if max_pages == MAX_LIST_PAGES else "the pages keep bringing new tasks past task_count"),
                    status=response.status, request_id=response.request_id, context=context,
                )

    def list_tasks(
        self,
        instance_id: str,
        *,
        begin_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        timeout: float | str | None = None,
    ) -> list[Task]:
        """Every task of an instance (all pages), newest first, optionally within a time window."""
        return list(self.iter_tasks(instance_id, begin_time=begin_time, end_time=end_time, timeout=timeout))

    def find_latest_task(
        self, instance_id: str, name: str, *, since: datetime | str | None = None, timeout: float | str | None = None
    ) -> Task | None:
        """The newest task called ``name`` (created at or after ``since``), or ``None``.

        ``timeout`` bounds the whole search, every page included (default: ``call_timeout``).
        """
        validate_id(instance_id, "instance_id")
        validate_task_name(name, "name")
        floor = parse_time(since, "since") if since is not None else None
        end = self._end(timeout, None)
        best: Task | None = None
        # The API filters whole seconds; filter exactly here.
        begin = floor.replace(microsecond=0) if floor is not None else None
        for task in self.iter_tasks(instance_id, begin_time=begin, _end=end):
            if task.name != name:
                continue
            if floor is not None and (task.created_at is None or task.created_at < floor):
                continue
            if best is None or _newer(task, best):
                best = task
        return best

    def task_progress(
        self, instance_id: str, task_id: str, *, timeout: float | str | None = None, _end: float | None = None
    ) -> TaskProgress | None:
        """A task's progress, or ``None`` when the task has no progress record (a 400/404 answer)."""
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        end = self._end(timeout, _end)
        context = {"instance_id": instance_id, "task_id": task_id}
        try:
            response = self._request(
                "task_progress", "GET", f"/instances/{instance_id}/tasks/{task_id}/progress", context=context, end=end
            )
        except ApiError as exc:
            if exc.status in (400, 404):
                return None
            raise
        progress: TaskProgress = self._parse("task_progress", response, TaskProgress, context)
        return progress

    def delete_task(self, instance_id: str, task_id: str, *, timeout: float | str | None = None) -> None:
        """Delete a task's record (not the operation itself). Never retried."""
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        self._request("delete_task", "DELETE", f"/instances/{instance_id}/tasks/{task_id}",
                      context={"instance_id": instance_id, "task_id": task_id}, end=self._end(timeout, None))

    def wait_for_task(
        self,
        instance_id: str,
        task_id: str,
        *,
        timeout: float | str = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | str = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float | str | None = None,
        on_progress: Callable[[WaitProgress], None] | None = None,
        use_progress: bool = True,
        stop_event: threading.Event | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> Task:
        """Poll until the task is terminal. Returns it on SUCCESS.

        Raises :class:`TaskFailedError` on FAILED/CANCELLED/DELETED and :class:`TaskTimeoutError`
        (with the last status seen) when ``timeout`` passes first; never sleeps past it. Delays
        start at ``poll_interval`` and back off with jitter up to ``max_poll_interval``
        (default: the larger of 30 s and ``poll_interval``).
        """
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        low = parse_duration(poll_interval, "poll_interval")
        high = (
            parse_duration(max_poll_interval, "max_poll_interval")
            if max_poll_interval is not None
            else max(low, DEFAULT_MAX_POLL_INTERVAL)
        )
        policy = WaitPolicy(timeout=parse_duration(timeout, "timeout"), poll_interval=low, max_poll_interval=high)
        return wait_until_terminal(
            lambda end: self.show_task(instance_id, task_id, _end=end),
            instance_id=instance_id,
            task_id=task_id,
            policy=policy,
            progress=(lambda end: self.task_progress(instance_id, task_id, _end=end)) if use_progress else None,
            on_progress=on_progress,
            sleep=sleep,
            stop_event=stop_event,
            rng=rng,
        )


def _newer(a: Task, b: Task) -> bool:
    floor = datetime.min.replace(tzinfo=timezone.utc)
    return (a.created_at or floor) > (b.created_at or floor)


def _is_read_timeout(exc: requests.ConnectionError) -> bool:
    inner = exc.args[0] if exc.args else None
    return isinstance(getattr(inner, "reason", inner), ReadTimeoutError)


_USERINFO = re.compile(r"//[^/\s@'\"]*@")


def _short(exc: BaseException) -> str:
    # A proxy URL from the environment can carry credentials; never repeat them.
    text = _USERINFO.sub("//***@", str(exc))
    # Keep both ends: urllib3 puts the root cause ("Connection refused", "Read timed out") last.
    return text if len(text) <= 300 else text[:120] + " ... " + text[-175:]


def _deadline_text(started: float, end: float) -> str:
    return f"timed out: the call's deadline passed after {time.monotonic() - started:.1f}s (budget {max(0.0, end - started):.1f}s)"


def _origin(url: str) -> str | None:
    """scheme://host[:port] of ``url``: no credentials, path or query."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not parts.scheme or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _redirect_error(operation: str, response: requests.Response, url: str, context: Mapping[str, Any]) -> RedirectError:
    location = response.headers.get("Location")
    origin = _origin(urljoin(url, location.strip())) if location else None
    return RedirectError(operation, response.status_code, origin, response.headers.get("X-Request-Id"), context=context)


def parse_body(
    model: type[Any],
    body: Any,
    *,
    operation: str,
    status: int | None = None,
    request_id: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> Any:
    """Validate a decoded JSON body; any problem becomes :class:`InvalidResponseError`."""
    if not isinstance(body, dict):
        raise InvalidResponseError(operation, f"expected a JSON object, got {type(body).__name__}",
                                   status=status, request_id=request_id, context=context)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidResponseError(operation, f"{where}: {first.get('msg')}", status=status,
                                   request_id=request_id, context=context) from None
    except (ValueError, TypeError, ArithmeticError, OSError, RecursionError) as exc:
        raise InvalidResponseError(operation, f"unparseable body ({type(exc).__name__})", status=status,
                                   request_id=request_id, context=context) from None


def _api_error(operation: str, reply: _Reply, context: Mapping[str, Any]) -> ApiError:
    code = message = body_request_id = None
    try:
        body = None if reply.truncated else json.loads(reply.body)
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        inner: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else body
        code = inner.get("error_code") or inner.get("errorCode") or inner.get("code")
        message = inner.get("error_msg") or inner.get("errorMsg") or inner.get("message")
        body_request_id = inner.get("request_id")
    elif reply.body.strip():
        message = reply.text(200).strip()
    retry_after = None
    header = reply.headers.get("Retry-After")
    if header and header.strip().isdigit() and len(header.strip()) < 12:
        retry_after = float(header.strip())
    cls = api_error_for_status(reply.status)
    return cls(
        operation,
        reply.status,
        None if code is None else clip_text(str(code), 200),
        None if message is None else clip_text(str(message)),
        reply.request_id or (None if body_request_id is None else clip_text(str(body_request_id), 200)),
        context=context,
        retry_after=retry_after,
    )
