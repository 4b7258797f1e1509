"""``DmsClient``: typed calls to the DMS background-task API.

    client = DmsClient(region="cn-north-4", project_id="...")   # AK/SK from HW_ACCESS_KEY/HW_SECRET_KEY
    task = client.wait_for_task(instance_id, task_id, timeout="20m")

Arguments are validated before any request. Transport retries live in the session's urllib3
``Retry`` (GET only); responses are mapped to the errors in :mod:`pulumi_dms_tasks.errors`.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import requests
from pydantic import ValidationError
from urllib3.exceptions import ReadTimeoutError

from ._constants import API_TIME_FORMAT, DEFAULT_MAX_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, LIST_PAGE_LIMIT
from ._version import __version__
from .auth import AkSkAuth
from .errors import ApiError, InvalidInputError, InvalidResponseError, NotFoundError, TransportError, api_error_for_status
from .models import Task, TaskList, TaskProgress
from .settings import ClientSettings, ConfigLookup, resolve_settings
from .transport import build_session, deadline
from .validation import parse_duration, parse_time, validate_id, validate_task_name
from .waiting import WaitPolicy, WaitProgress, wait_until_terminal

__all__ = ["DmsClient", "USER_AGENT"]

USER_AGENT = f"pulumi-dms-tasks/{__version__}"
log = logging.getLogger("pulumi_dms_tasks.client")


def _api_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime(API_TIME_FORMAT)


class DmsClient:
    """A client for one project's DMS background tasks. Thread-safe; close it or use ``with``.

    Settings come from the arguments, else ``config`` (a lookup of ``huaweicloud:*`` stack config
    keys), else the environment; see :mod:`pulumi_dms_tasks.settings` for the order.
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        region: str | None = None,
        project_id: str | None = None,
        ak: str | None = None,
        sk: str | None = None,
        security_token: str | None = None,
        connect_timeout: float | str | None = None,
        read_timeout: float | str | None = None,
        max_retries: int | None = None,
        verify: bool | str | None = None,
        config: ConfigLookup | None = None,
        env: Mapping[str, str] | None = None,
        settings: ClientSettings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._settings = settings or resolve_settings(
            endpoint=endpoint,
            region=region,
            project_id=project_id,
            ak=ak,
            sk=sk,
            security_token=security_token,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_retries=max_retries,
            verify=verify,
            config=config,
            env=env,
        )
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

    def _timeout(self, end: float | None) -> tuple[float, float]:
        connect, read = self._settings.connect_timeout, self._settings.read_timeout
        if end is None:
            return connect, read
        remaining = max(0.05, end - time.monotonic())
        return min(connect, remaining), min(read, remaining)

    def _request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        context: Mapping[str, Any],
        end: float | None = None,
    ) -> requests.Response:
        url = self._base + path
        timeout = self._timeout(end)
        started = time.monotonic()
        try:
            with deadline(end, timeout[0] + timeout[1]) if end is not None else contextlib.nullcontext():
                response = self._session.request(method, url, params=params, timeout=timeout)
        except requests.Timeout as exc:
            raise TransportError(operation, f"timed out ({_short(exc)})", context=context) from exc
        except requests.ConnectionError as exc:
            # With a Retry, requests reports an exhausted read timeout as a ConnectionError.
            kind = "timed out" if _is_read_timeout(exc) else "connection failed"
            raise TransportError(operation, f"{kind} ({_short(exc)})", context=context) from exc
        except requests.RequestException as exc:
            raise TransportError(operation, _short(exc), context=context) from exc
        request_id = response.headers.get("X-Request-Id")
        log.debug(
            "%s %s -> %s in %.3fs (request_id=%s)", method, path, response.status_code, time.monotonic() - started, request_id
        )
        if response.status_code >= 400:
            raise _api_error(operation, response, context)
        return response

    def _json(self, operation: str, response: requests.Response, context: Mapping[str, Any]) -> Any:
        try:
            return response.json()
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise InvalidResponseError(
                operation,
                f"body is not JSON: {response.text[:120]!r}",
                status=response.status_code,
                request_id=response.headers.get("X-Request-Id"),
                context=context,
            ) from None

    def _parse(self, operation: str, response: requests.Response, model: type[Any], context: Mapping[str, Any]) -> Any:
        body = self._json(operation, response, context)
        return parse_body(model, body, operation=operation, status=response.status_code,
                          request_id=response.headers.get("X-Request-Id"), context=context)

    # -- API --------------------------------------------------------------------------------

    def show_task(self, instance_id: str, task_id: str, *, _end: float | None = None) -> Task:
        """One task by id. Raises :class:`NotFoundError` when the instance or task is unknown."""
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        context = {"instance_id": instance_id, "task_id": task_id}
        response = self._request(
            "show_task", "GET", f"/instances/{instance_id}/tasks/{task_id}", context=context, end=_end
        )
        envelope: TaskList = self._parse("show_task", response, TaskList, context)
        for task in envelope.tasks:
            if task.id == task_id:
                return task.model_copy(update={"instance_id": instance_id})
        if envelope.tasks:
            raise InvalidResponseError(
                "show_task", f"asked for task {task_id}, got {envelope.tasks[0].id}",
                status=response.status_code, request_id=response.headers.get("X-Request-Id"), context=context,
            )
        # The real service's answer for an unknown id is undocumented: an empty list means "not found".
        raise NotFoundError("show_task", response.status_code, None, "task not found (empty task list)",
                            response.headers.get("X-Request-Id"), context=context)

    def iter_tasks(
        self,
        instance_id: str,
        *,
        begin_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int = LIST_PAGE_LIMIT,
    ) -> Iterator[Task]:
        """Tasks of an instance, newest first, fetched page by page as you iterate."""
        validate_id(instance_id, "instance_id")
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
        return self._pages(instance_id, params, page_size)

    def _pages(self, instance_id: str, params: dict[str, Any], page_size: int) -> Iterator[Task]:
        context = {"instance_id": instance_id}
        start = 1
        seen: set[str] = set()
        while True:
            # The vendor names the 1-based index both "offset" (API page's table, Go SDK) and "start"
            # (the page's example, Python/Java SDKs, Terraform). Sending both, equal, pages right on
            # a server that knows either, one request a page; guessing from a repeated page could
            # not tell an ignored name from tasks added between pages.
            query = {**params, "offset": start, "start": start, "limit": page_size}
            response = self._request("list_tasks", "GET", f"/instances/{instance_id}/tasks", params=query, context=context)
            page: TaskList = self._parse("list_tasks", response, TaskList, context)
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

    def list_tasks(
        self,
        instance_id: str,
        *,
        begin_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
    ) -> list[Task]:
        """Every task of an instance (all pages), newest first, optionally within a time window."""
        return list(self.iter_tasks(instance_id, begin_time=begin_time, end_time=end_time))

    def find_latest_task(self, instance_id: str, name: str, *, since: datetime | str | None = None) -> Task | None:
        """The newest task called ``name`` (created at or after ``since``), or ``None``."""
        validate_id(instance_id, "instance_id")
        validate_task_name(name, "name")
        floor = parse_time(since, "since") if since is not None else None
        best: Task | None = None
        # The API filters whole seconds; filter exactly here.
        begin = floor.replace(microsecond=0) if floor is not None else None
        for task in self.iter_tasks(instance_id, begin_time=begin):
            if task.name != name:
                continue
            if floor is not None and (task.created_at is None or task.created_at < floor):
                continue
            if best is None or _newer(task, best):
                best = task
        return best

    def task_progress(self, instance_id: str, task_id: str, *, _end: float | None = None) -> TaskProgress | None:
        """A task's progress, or ``None`` when the task has no progress record (a 400/404 answer)."""
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        context = {"instance_id": instance_id, "task_id": task_id}
        try:
            response = self._request(
                "task_progress", "GET", f"/instances/{instance_id}/tasks/{task_id}/progress", context=context, end=_end
            )
        except ApiError as exc:
            if exc.status in (400, 404):
                return None
            raise
        progress: TaskProgress = self._parse("task_progress", response, TaskProgress, context)
        return progress

    def delete_task(self, instance_id: str, task_id: str) -> None:
        """Delete a task's record (not the operation itself). Never retried."""
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        self._request("delete_task", "DELETE", f"/instances/{instance_id}/tasks/{task_id}",
                      context={"instance_id": instance_id, "task_id": task_id})

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


def _short(exc: BaseException) -> str:
    text = str(exc)
    # Keep both ends: urllib3 puts the root cause ("Connection refused", "Read timed out") last.
    return text if len(text) <= 300 else text[:120] + " ... " + text[-175:]


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
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise InvalidResponseError(operation, f"unparseable body ({type(exc).__name__})", status=status,
                                   request_id=request_id, context=context) from None


def _api_error(operation: str, response: requests.Response, context: Mapping[str, Any]) -> ApiError:
    code = message = body_request_id = None
    try:
        body = response.json()
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        inner: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else body
        code = inner.get("error_code") or inner.get("errorCode") or inner.get("code")
        message = inner.get("error_msg") or inner.get("errorMsg") or inner.get("message")
        body_request_id = inner.get("request_id")
    elif response.text:
        message = response.text.strip()[:200]
    retry_after = None
    header = response.headers.get("Retry-After")
    if header and header.strip().isdigit():
        retry_after = float(header.strip())
    cls = api_error_for_status(response.status_code)
    return cls(
        operation,
        response.status_code,
        None if code is None else str(code),
        None if message is None else str(message),
        response.headers.get("X-Request-Id") or (None if body_request_id is None else str(body_request_id)),
        context=context,
        retry_after=retry_after,
    )
