"""``DmsClient``: typed calls to the DMS background-task API.

    client = DmsClient(region="cn-north-4", project_id="...")   # AK/SK from HW_ACCESS_KEY/HW_SECRET_KEY
    task = client.wait_for_task(instance_id, task_id, timeout="20m")

Arguments are validated before any request. Transport retries live in the session's urllib3
``Retry`` (GET only); responses are mapped to the errors in :mod:`pulumi_dms_tasks._errors`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, Unpack
from urllib.parse import quote, urljoin, urlsplit

import requests
from pydantic import ValidationError
from urllib3.exceptions import ReadTimeoutError

from ._auth import AkSkAuth
from ._constants import (
    API_TIME_FORMAT,
    DEFAULT_IDLE_WINDOW,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    LIST_PAGE_LIMIT,
    LIST_PAGE_SLACK,
    MAX_ERROR_BODY_BYTES,
    MAX_LIST_PAGES,
    MAX_RESPONSE_BYTES,
)
from ._errors import (
    ApiError,
    IdleTimeoutError,
    InvalidInputError,
    InvalidResponseError,
    NoMatchingTaskError,
    NotFoundError,
    RedirectError,
    TaskCancelledError,
    TaskTimeoutError,
    TransportError,
    api_error_for_status,
    clip_text,
)
from ._matching import params_contain
from ._models import PENDING_STATUSES, IdleResult, Task, TaskList, TaskProgress
from ._settings import ClientSettings, SettingsArgs, resolve_settings
from ._transport import build_session, deadline, read_body
from ._validation import parse_duration, parse_time, validate_id, validate_params_match, validate_task_name
from ._version import __version__
from ._waiting import (
    ABSENT,
    BUSY,
    FOUND,
    IDLE,
    IDLE_RULES,
    SEARCH_RULES,
    WaitPolicy,
    WaitProgress,
    WaitState,
    wait,
    wait_until_terminal,
)

__all__ = ["GATEWAY_UNKNOWN_API", "USER_AGENT", "DmsClient", "describe_search"]

USER_AGENT = f"pulumi-dms-tasks/{__version__}"
# The API gateway's answer to a path it does not know; what RabbitMQ instances answer for progress.
GATEWAY_UNKNOWN_API = "APIGW.0101"
_NO_PROGRESS_MEMORY = 10_000
log = logging.getLogger("pulumi_dms_tasks.client")


# The deadline of the operation a call is part of (a wait's poll, a search's pages): calls made
# inside _within() keep it instead of starting a call_timeout of their own.
_CALL_END: ContextVar[float | None] = ContextVar("pulumi_dms_tasks_call_end", default=None)


@contextlib.contextmanager
def _within(end: float) -> Iterator[None]:
    token = _CALL_END.set(end)
    try:
        yield
    finally:
        _CALL_END.reset(token)


_R = TypeVar("_R")


def _bounded(end: float, call: Callable[..., _R], *args: Any, **kwargs: Any) -> _R:
    with _within(end):
        return call(*args, **kwargs)


def _api_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime(API_TIME_FORMAT)


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
            raise TypeError(
                f"pass settings= or keyword settings, not both (got settings= and {sorted(kwargs)[0]}=)"
            )
        self._settings = settings or resolve_settings(**kwargs)
        s = self._settings
        self._session = build_session(
            endpoint=s.endpoint,
            max_retries=s.max_retries,
            verify=s.verify,
            user_agent=USER_AGENT,
            project_id=s.project_id,
        )
        self._session.auth = AkSkAuth(s.ak, s.sk, s.security_token, clock=clock)
        self._base = f"{s.endpoint}/v2/{quote(s.project_id, safe='')}"
        self._utc_now: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        # Instances whose engine has no progress API (RabbitMQ): learnt from the first answer, never asked again.
        self._no_progress: set[str] = set()

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
        return (
            f"DmsClient(endpoint={self.endpoint!r}, project_id={self.project_id!r}, ak={self._settings.ak!r})"
        )

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("DmsClient holds credentials and cannot be pickled")

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> DmsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _end(self, timeout: float | str | None) -> float:
        """The monotonic deadline of a call: the enclosing operation's (a wait, a search: see
        :func:`_within`), else ``timeout`` (or ``call_timeout``) from now."""
        outer = _CALL_END.get()
        if outer is not None:
            return outer
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
        with deadline(
            end, min(self._settings.connect_timeout, remaining) + min(self._settings.read_timeout, remaining)
        ) as guard:
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
                    raise InvalidResponseError(
                        operation, f"body cannot be decoded ({_short(exc)})", context=context
                    ) from exc
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
            "%s %s -> %s in %.3fs (request_id=%s)",
            method,
            path,
            reply.status,
            time.monotonic() - started,
            reply.request_id,
        )
        if reply.status >= 400:
            raise _api_error(operation, reply, context)
        if truncated:
            raise InvalidResponseError(
                operation,
                f"body larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB (the limit); stopped reading",
                status=reply.status,
                request_id=reply.request_id,
                context=context,
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
        return parse_body(
            model,
            body,
            operation=operation,
            status=reply.status,
            request_id=reply.request_id,
            context=context,
        )

    # -- API --------------------------------------------------------------------------------

    def show_task(self, instance_id: str, task_id: str, *, timeout: float | str | None = None) -> Task:
        """One task by id. Raises :class:`NotFoundError` when the instance or task is unknown.

        ``timeout`` bounds the whole call, retries included (default: the client's ``call_timeout``).
        """
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        end = self._end(timeout)
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
                "show_task",
                f"asked for task {task_id}, got {envelope.tasks[0].id}",
                status=response.status,
                request_id=response.request_id,
                context=context,
            )
        # The real service's answer for an unknown id is undocumented: an empty list means "not found".
        raise NotFoundError(
            "show_task",
            response.status,
            None,
            "task not found (empty task list)",
            response.request_id,
            context=context,
        )

    def iter_tasks(
        self,
        instance_id: str,
        *,
        begin_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int = LIST_PAGE_LIMIT,
        timeout: float | str | None = None,
    ) -> Iterator[Task]:
        """Tasks of an instance, newest first, fetched page by page as you iterate.

        ``timeout`` bounds fetching all pages, counted from the first (default: ``call_timeout``).
        At most ``MAX_LIST_PAGES`` pages are walked, fewer when ``task_count`` says so.
        """
        validate_id(instance_id, "instance_id")
        if timeout is not None:
            parse_duration(timeout, "timeout")
        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= LIST_PAGE_LIMIT
        ):
            raise InvalidInputError("page_size", f"a whole number from 1 to {LIST_PAGE_LIMIT}", page_size)
        params: dict[str, Any] = {}
        begin = parse_time(begin_time, "begin_time") if begin_time is not None else None
        finish = parse_time(end_time, "end_time") if end_time is not None else None
        if begin is not None and finish is not None and begin > finish:
            raise InvalidInputError(
                "begin_time", f"a time not after end_time ({finish.isoformat()})", begin.isoformat()
            )
        if begin is not None:
            params["begin_time"] = _api_time(begin)
        if finish is not None:
            params["end_time"] = _api_time(finish)
        return self._pages(instance_id, params, page_size, timeout)

    def _pages(
        self,
        instance_id: str,
        params: dict[str, Any],
        page_size: int,
        timeout: float | str | None,
    ) -> Iterator[Task]:
        context = {"instance_id": instance_id}
        start = 1
        seen: set[str] = set()
        pages, max_pages = 0, MAX_LIST_PAGES
        end = 0.0
        while True:
            if pages == 0:
                end = self._end(timeout)  # one deadline for every page, from the first
            # The vendor names the 1-based index both "offset" (API page's table, Go SDK) and "start"
            # (the page's example, Python/Java SDKs, Terraform). Sending both, equal, pages right on
            # a server that knows either, one request a page; guessing from a repeated page could
            # not tell an ignored name from tasks added between pages.
            query = {**params, "offset": start, "start": start, "limit": page_size}
            response = self._request(
                "list_tasks", "GET", f"/instances/{instance_id}/tasks", params=query, context=context, end=end
            )
            page: TaskList = self._parse("list_tasks", response, TaskList, context)
            pages += 1
            if pages == 1 and page.tasks:
                # The server's own count bounds the walk: pages of the length it serves, plus slack
                # for tasks created meanwhile; a count that lies cannot pass the hard ceiling.
                max_pages = min(
                    MAX_LIST_PAGES, max(1, -(-page.task_count // len(page.tasks))) + LIST_PAGE_SLACK
                )
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
                    + (
                        f"more than the {MAX_LIST_PAGES}-page limit; narrow the time window (begin_time/end_time)"
                        if max_pages == MAX_LIST_PAGES
                        else "the pages keep bringing new tasks past task_count"
                    ),
                    status=response.status,
                    request_id=response.request_id,
                    context=context,
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
        self,
        instance_id: str,
        name: str,
        *,
        since: datetime | str | None = None,
        params_match: Mapping[str, Any] | None = None,
        timeout: float | str | None = None,
    ) -> Task | None:
        """The newest task called ``name``, created at or after ``since``, whose params contain ``params_match``.

        ``None`` when no task matches. Every page of the window is read (the window starts at
        ``since``, which the API filters in whole seconds; the exact instant is checked here).
        "Newest" is the latest ``created_at``; between tasks with the same ``created_at`` the one
        the API lists first wins (it lists newest first, so the service's own order decides).
        ``params_match`` is compared as described in :mod:`pulumi_dms_tasks._matching` (nested
        mappings by containment; ``true`` is not ``1``, ``1`` is ``1.0``). ``timeout`` bounds the
        whole search, every page included (default: ``call_timeout``).
        """
        validate_id(instance_id, "instance_id")
        validate_task_name(name, "name")
        floor = parse_time(since, "since") if since is not None else None
        wanted = validate_params_match(params_match) if params_match is not None else None
        end = self._end(timeout)
        best: Task | None = None
        # The API filters whole seconds; filter exactly here.
        begin = floor.replace(microsecond=0) if floor is not None else None
        with _within(end):
            for task in self.iter_tasks(instance_id, begin_time=begin):
                if task.name != name:
                    continue
                if floor is not None and (task.created_at is None or task.created_at < floor):
                    continue
                if wanted is not None and not params_contain(task.params, wanted):
                    continue
                if best is None or _newer(task, best):
                    best = task
        return best

    def task_progress(
        self, instance_id: str, task_id: str, *, timeout: float | str | None = None
    ) -> TaskProgress | None:
        """A task's progress, or ``None`` when the task has no progress record (a 400/404 answer).

        RabbitMQ instances have no progress API (the gateway answers 404 ``APIGW.0101``): the
        client remembers such an instance and its waits do not ask again.
        """
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        end = self._end(timeout)
        context = {"instance_id": instance_id, "task_id": task_id}
        try:
            response = self._request(
                "task_progress",
                "GET",
                f"/instances/{instance_id}/tasks/{task_id}/progress",
                context=context,
                end=end,
            )
        except ApiError as exc:
            if exc.status == 404 and exc.error_code == GATEWAY_UNKNOWN_API:
                # The gateway knows no such API for this instance: its engine (RabbitMQ) has none.
                if len(self._no_progress) >= _NO_PROGRESS_MEMORY:
                    self._no_progress.clear()
                self._no_progress.add(instance_id)
                return None
            if exc.status in (400, 404):
                return None
            raise
        progress: TaskProgress = self._parse("task_progress", response, TaskProgress, context)
        return progress

    def delete_task(self, instance_id: str, task_id: str, *, timeout: float | str | None = None) -> None:
        """Delete a task's record (not the operation itself). Never retried."""
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        self._request(
            "delete_task",
            "DELETE",
            f"/instances/{instance_id}/tasks/{task_id}",
            context={"instance_id": instance_id, "task_id": task_id},
            end=self._end(timeout),
        )

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
        (default: the larger of 30 s and ``poll_interval``). The progress API is asked for the
        time left only when that can save calls (see :mod:`pulumi_dms_tasks._waiting`), never for
        an instance known to have none.
        """
        validate_id(instance_id, "instance_id")
        validate_id(task_id, "task_id")
        policy = _policy(timeout, poll_interval, max_poll_interval)
        return self._follow(
            instance_id,
            task_id,
            policy,
            on_progress=on_progress,
            use_progress=use_progress,
            stop_event=stop_event,
            sleep=sleep,
            rng=rng,
        )

    def _follow(
        self,
        instance_id: str,
        task_id: str,
        policy: WaitPolicy,
        *,
        first: Task | None = None,
        on_progress: Callable[[WaitProgress], None] | None,
        use_progress: bool,
        stop_event: threading.Event | None,
        sleep: Callable[[float], None],
        rng: random.Random | None,
    ) -> Task:
        def progress(end: float) -> TaskProgress | None:
            if instance_id in self._no_progress:
                return None  # learnt meanwhile, by this wait or another one
            with _within(end):
                return self.task_progress(instance_id, task_id)

        return wait_until_terminal(
            lambda end: _bounded(end, self.show_task, instance_id, task_id),
            instance_id=instance_id,
            task_id=task_id,
            policy=policy,
            first=first,
            progress=progress if use_progress and instance_id not in self._no_progress else None,
            on_progress=on_progress,
            sleep=sleep,
            stop_event=stop_event,
            rng=rng,
        )

    def wait_for_latest_task(
        self,
        instance_id: str,
        name: str,
        *,
        since: datetime | str | None = None,
        params_match: Mapping[str, Any] | None = None,
        until_terminal: bool = True,
        timeout: float | str = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | str = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float | str | None = None,
        on_progress: Callable[[WaitProgress], None] | None = None,
        use_progress: bool = True,
        stop_event: threading.Event | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> Task:
        """Wait for "the task my change started": until :meth:`find_latest_task` finds one, then until it is terminal.

        The search and the task wait share one ``timeout`` and poll through the same engine
        (backing off from ``poll_interval``); the task the search found is the wait's first
        observation (no call is repeated for it). With ``until_terminal=False`` the task is
        returned as soon as it is found. Raises :class:`TaskTimeoutError` naming what was looked
        for when no task appears in time, and what :meth:`wait_for_task` raises afterwards.
        """
        validate_id(instance_id, "instance_id")
        validate_task_name(name, "name")
        floor = parse_time(since, "since") if since is not None else None
        wanted = validate_params_match(params_match) if params_match is not None else None
        policy = _policy(timeout, poll_interval, max_poll_interval)
        subject = describe_search(name, floor, wanted)
        started = time.monotonic()

        def not_found(state: WaitState[Task | None], cancelled: bool) -> Exception:
            cls = TaskCancelledError if cancelled else TaskTimeoutError
            return cls(
                instance_id=instance_id,
                task_id="",
                timeout=policy.timeout,
                elapsed=state.elapsed,
                polls=state.polls,
                last_error=state.last_error,
                subject=f"a {subject} to appear on instance {instance_id}",
            )

        found, _ = wait(
            lambda end: _bounded(
                end, self.find_latest_task, instance_id, name, since=floor, params_match=wanted
            ),
            rules=SEARCH_RULES,
            state_of=lambda task: FOUND if task is not None else ABSENT,
            policy=policy,
            instance_id=instance_id,
            kind="search",
            label=f"search for a {subject}",
            on_timeout=not_found,
            on_progress=on_progress,
            sleep=sleep,
            stop_event=stop_event,
            rng=rng,
        )
        assert found is not None  # SEARCH_RULES succeed on FOUND only
        if not until_terminal:
            return found
        left = policy.timeout - (time.monotonic() - started)
        remaining = WaitPolicy(
            timeout=max(0.001, left),
            poll_interval=policy.poll_interval,
            max_poll_interval=policy.max_poll_interval,
        )
        try:
            return self._follow(
                instance_id,
                found.id,
                remaining,
                first=found,
                on_progress=on_progress,
                use_progress=use_progress,
                stop_event=stop_event,
                sleep=sleep,
                rng=rng,
            )
        except TaskTimeoutError as exc:
            # Report the whole wait (search included) against the timeout the caller gave.
            elapsed = time.monotonic() - started
            cls = TaskCancelledError if exc.cancelled else TaskTimeoutError
            raise cls(
                instance_id=instance_id,
                task_id=found.id,
                timeout=policy.timeout,
                elapsed=elapsed,
                polls=exc.polls,
                task=exc.task,
                last_error=exc.last_error,
            ) from None

    def require_latest_task(
        self,
        instance_id: str,
        name: str,
        *,
        since: datetime | str | None = None,
        params_match: Mapping[str, Any] | None = None,
        timeout: float | str | None = None,
    ) -> Task:
        """:meth:`find_latest_task`, raising :class:`NoMatchingTaskError` (naming what was looked for) instead of ``None``."""
        task = self.find_latest_task(
            instance_id, name, since=since, params_match=params_match, timeout=timeout
        )
        if task is None:
            floor = parse_time(since, "since") if since is not None else None
            wanted = validate_params_match(params_match) if params_match is not None else None
            raise NoMatchingTaskError(instance_id=instance_id, subject=describe_search(name, floor, wanted))
        return task

    def wait_for_idle(
        self,
        instance_id: str,
        *,
        timeout: float | str = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float | str = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float | str | None = None,
        on_progress: Callable[[WaitProgress], None] | None = None,
        stop_event: threading.Event | None = None,
        window: float | str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> IdleResult:
        """Wait until no task of the instance is ``CREATED`` or ``EXECUTING``; the gate before a second change.

        Each poll lists every page of the tasks created in the last ``window`` (default 7 days,
        far longer than any DMS task runs). Returns an :class:`IdleResult` with the tasks waited
        for and their final status; one that ends ``FAILED`` does not fail the gate (the
        instance is idle again). Raises :class:`IdleTimeoutError` naming the tasks still running
        at the deadline, :class:`TaskCancelledError` when ``stop_event`` is set. Errors are
        handled as in :meth:`wait_for_task` (transient ones are a failed poll).
        """
        validate_id(instance_id, "instance_id")
        policy = _policy(timeout, poll_interval, max_poll_interval)
        lookback = parse_duration(window, "window") if window is not None else DEFAULT_IDLE_WINDOW
        waited: dict[str, Task] = {}

        def poll(end: float) -> tuple[Task, ...]:
            begin = self._utc_now() - timedelta(seconds=lookback)
            with _within(end):
                tasks = list(self.iter_tasks(instance_id, begin_time=begin))
            for task in tasks:
                if task.id in waited:
                    waited[task.id] = task  # its latest status, the final one once it ended
            running = tuple(t for t in tasks if t.status in PENDING_STATUSES)
            waited.update((t.id, t) for t in running)
            return running

        def busy(state: WaitState[tuple[Task, ...]], cancelled: bool) -> Exception:
            running = state.last or ()
            if cancelled:
                return TaskCancelledError(
                    instance_id=instance_id,
                    task_id="",
                    timeout=policy.timeout,
                    elapsed=state.elapsed,
                    polls=state.polls,
                    last_error=state.last_error,
                    subject=f"instance {instance_id} to be idle",
                    running=running,
                )
            return IdleTimeoutError(
                instance_id=instance_id,
                running=running,
                timeout=policy.timeout,
                elapsed=state.elapsed,
                polls=state.polls,
                last_error=state.last_error,
            )

        _, state = wait(
            poll,
            rules=IDLE_RULES,
            state_of=lambda running: BUSY if running else IDLE,
            policy=policy,
            instance_id=instance_id,
            kind="idle",
            label="idle gate",
            on_timeout=busy,
            running_of=lambda running: tuple((t.id, t.name, str(t.status)) for t in running),
            on_progress=on_progress,
            sleep=sleep,
            stop_event=stop_event,
            rng=rng,
        )
        return IdleResult(
            instance_id=instance_id,
            idle_at=self._utc_now(),
            waited_for=tuple(waited.values()),
            polls=state.polls,
            elapsed=state.elapsed,
        )


def _policy(
    timeout: float | str, poll_interval: float | str, max_poll_interval: float | str | None
) -> WaitPolicy:
    low = parse_duration(poll_interval, "poll_interval")
    high = (
        parse_duration(max_poll_interval, "max_poll_interval")
        if max_poll_interval is not None
        else max(low, DEFAULT_MAX_POLL_INTERVAL)
    )
    return WaitPolicy(timeout=parse_duration(timeout, "timeout"), poll_interval=low, max_poll_interval=high)


def describe_search(name: str, since: datetime | None, params_match: Mapping[str, Any] | None) -> str:
    """``task named 'x' (created at or after ..., params containing {...})``: what a search looks for."""
    parts = []
    if since is not None:
        parts.append(f"created at or after {since.isoformat()}")
    if params_match is not None:
        text = json.dumps(params_match, separators=(",", ":"), sort_keys=True)
        parts.append(f"params containing {text if len(text) <= 300 else text[:300] + '...'}")
    return f"task named {name!r}" + (f" ({', '.join(parts)})" if parts else "")


def _newer(a: Task, b: Task) -> bool:
    floor = datetime.min.replace(tzinfo=UTC)
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


def _redirect_error(
    operation: str, response: requests.Response, url: str, context: Mapping[str, Any]
) -> RedirectError:
    location = response.headers.get("Location")
    origin = _origin(urljoin(url, location.strip())) if location else None
    return RedirectError(
        operation, response.status_code, origin, response.headers.get("X-Request-Id"), context=context
    )


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
        raise InvalidResponseError(
            operation,
            f"expected a JSON object, got {type(body).__name__}",
            status=status,
            request_id=request_id,
            context=context,
        )
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidResponseError(
            operation, f"{where}: {first.get('msg')}", status=status, request_id=request_id, context=context
        ) from None
    except (ValueError, TypeError, ArithmeticError, OSError, RecursionError) as exc:
        raise InvalidResponseError(
            operation,
            f"unparseable body ({type(exc).__name__})",
            status=status,
            request_id=request_id,
            context=context,
        ) from None


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
