"""The exception tree. Imports nothing from this package.

    DmsError
    ├── ConfigurationError        settings missing or unusable (no endpoint, no credentials)
    ├── InvalidInputError         a caller's argument is wrong; raised before any request (also ValueError)
    ├── TransportError            no usable HTTP response: connection refused/reset, timeout
    ├── InvalidResponseError      a response arrived but is not the documented shape
    ├── ApiError                  the API answered with an error status
    │   ├── RedirectError         3xx: never followed, to any origin
    │   ├── AuthenticationError   401 / 403
    │   ├── NotFoundError         404
    │   ├── ThrottledError        429
    │   └── ServerError           5xx
    └── TaskError                 a wait ended without success
        ├── TaskFailedError       the task reached FAILED, CANCELLED or DELETED
        ├── TaskTimeoutError      the deadline passed first
        │   ├── TaskCancelledError  the wait was stopped first (Ctrl-C, provider shut down, CLI gone)
        │   └── IdleTimeoutError    an instance still ran tasks at the deadline (``running`` lists them)
        └── NoMatchingTaskError   a lookup by name (and params) found no task, without waiting

Messages name the operation, the ids, HTTP status, ``error_code``, ``error_msg`` and the request id.
They never contain credentials: nothing secret is ever passed in. Text that comes from a server is
cut to :data:`MAX_ERROR_TEXT_CHARS` (marked as truncated) and its control characters escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MAX_ERROR_TEXT_CHARS",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "DmsError",
    "IdleTimeoutError",
    "InvalidInputError",
    "InvalidResponseError",
    "NoMatchingTaskError",
    "NotFoundError",
    "RedirectError",
    "ServerError",
    "TaskCancelledError",
    "TaskError",
    "TaskFailedError",
    "TaskTimeoutError",
    "ThrottledError",
    "TransportError",
    "api_error_for_status",
    "clip_text",
]

# error_msg, reasons and other server text kept in an exception (a 10 MiB error_msg is not a message).
MAX_ERROR_TEXT_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clip_text(text: str, limit: int = MAX_ERROR_TEXT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying so and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [truncated, {len(text)} characters in all]"


def _shown(value: Any, limit: int = MAX_ERROR_TEXT_CHARS) -> str:
    # Server text goes to a terminal: no escape sequences or line breaks of its choosing.
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", clip_text(str(value), limit))


def _context(context: Mapping[str, Any] | None) -> str:
    if not context:
        return ""
    parts = [f"{k}={_shown(v, 200)}" for k, v in context.items() if v is not None]
    return f" ({', '.join(parts)})" if parts else ""


class DmsError(Exception):
    """Base class of every error raised by pulumi-dms-tasks."""


class ConfigurationError(DmsError):
    """A required setting (endpoint, region, project id, credentials) is missing or invalid."""


class InvalidInputError(DmsError, ValueError):
    """An argument was refused before any request was sent."""

    def __init__(self, field: str, expected: str, value: Any = None, *, show_value: bool = True) -> None:
        self.field = field
        self.expected = expected
        shown = f", got {value!r}" if show_value and value is not None else ""
        super().__init__(f"invalid {field}: expected {expected}{shown}")


class TransportError(DmsError):
    """The request got no usable HTTP response (after the transport's retries)."""

    def __init__(self, operation: str, reason: str, *, context: Mapping[str, Any] | None = None) -> None:
        self.operation = operation
        self.reason = clip_text(reason)
        self.context = dict(context or {})
        super().__init__(f"{operation} failed: {_shown(reason)}{_context(context)}")


class InvalidResponseError(DmsError):
    """The API answered, but not with the documented shape."""

    def __init__(
        self,
        operation: str,
        reason: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.operation = operation
        self.reason = clip_text(reason)
        self.status = status
        self.request_id = None if request_id is None else clip_text(request_id, 200)
        self.context = dict(context or {})
        ctx = dict(context or {})
        ctx["request_id"] = request_id
        status_text = f"HTTP {status} " if status is not None else ""
        super().__init__(f"{operation}: invalid response: {status_text}{_shown(reason)}{_context(ctx)}")


class ApiError(DmsError):
    """The API answered with an error status; carries what Huawei Cloud support asks for."""

    def __init__(
        self,
        operation: str,
        status: int,
        error_code: str | None,
        error_msg: str | None,
        request_id: str | None,
        *,
        context: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.operation = operation
        self.status = status
        self.error_code = None if error_code is None else clip_text(error_code, 200)
        self.error_msg = None if error_msg is None else clip_text(error_msg)
        self.request_id = None if request_id is None else clip_text(request_id, 200)
        self.context = dict(context or {})
        self.retry_after = retry_after
        ctx = dict(context or {})
        ctx["request_id"] = request_id or "-"
        code = _shown(error_code or "-", 200)
        msg = _shown(error_msg or "")
        super().__init__(f"{operation} failed: HTTP {status} {code}: {msg}{_context(ctx)}")


class RedirectError(ApiError):
    """3xx: the endpoint redirected. Redirects are never followed, to another origin or the same one.

    ``location`` is the target's origin (scheme, host, port) without credentials, path or query.
    """

    def __init__(
        self,
        operation: str,
        status: int,
        location: str | None,
        request_id: str | None,
        *,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.location = location
        target = f"to {location}" if location else "without a usable Location"
        super().__init__(
            operation,
            status,
            None,
            f"redirect {target} refused: redirects are never followed (is the endpoint right?)",
            request_id,
            context=context,
        )


class AuthenticationError(ApiError):
    """401 or 403: wrong AK/SK, expired signature or token, or missing permission."""


class NotFoundError(ApiError):
    """404: the project, instance, task or API path does not exist."""


class ThrottledError(ApiError):
    """429: the API is throttling this account."""


class ServerError(ApiError):
    """5xx: the service failed; usually transient."""


def api_error_for_status(status: int) -> type[ApiError]:
    """The ``ApiError`` subclass for an HTTP status."""
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return ThrottledError
    if status >= 500:
        return ServerError
    return ApiError


class TaskError(DmsError):
    """A wait for a background task ended without success."""

    def __init__(self, message: str, *, task: Any, elapsed: float, polls: int) -> None:
        self.task = task
        self.elapsed = elapsed
        self.polls = polls
        super().__init__(message)


def _describe_task(task: Any, instance_id: str | None) -> str:
    params = getattr(task, "params_json", None)
    return (
        f"task {_shown(getattr(task, 'id', '?'), 200)} ({_shown(getattr(task, 'name', '?'), 200)}) on instance "
        f"{getattr(task, 'instance_id', None) or instance_id or '?'}"
        + (f", params {_shown(params, 500)}" if params else "")
    )


class TaskFailedError(TaskError):
    """The task reached a failure status: FAILED, CANCELLED or DELETED."""

    def __init__(
        self, task: Any, *, instance_id: str | None = None, elapsed: float = 0.0, polls: int = 0
    ) -> None:
        self.status = str(getattr(task, "status", "?"))
        self.instance_id = instance_id
        desc = _describe_task(task, instance_id)
        super().__init__(
            f"{desc} ended with status {_shown(self.status, 200)} after {elapsed:.1f}s ({polls} polls)",
            task=task,
            elapsed=elapsed,
            polls=polls,
        )


def _describe_running(tasks: Any) -> str:
    shown = [
        f"{_shown(getattr(t, 'id', '?'), 200)} ({_shown(getattr(t, 'name', '?') or '-', 200)}, "
        f"{_shown(str(getattr(t, 'status', '?')), 50)})"
        for t in list(tasks)[:10]
    ]
    more = f" and {len(tasks) - 10} more" if len(tasks) > 10 else ""
    return ", ".join(shown) + more


class TaskTimeoutError(TaskError):
    """The deadline passed before the task reached a terminal status.

    ``subject`` replaces the task in the message when the wait was for something else (a task of
    a name to appear, an instance to be idle); ``running`` lists tasks still running then.
    """

    def __init__(
        self,
        *,
        instance_id: str,
        task_id: str,
        timeout: float,
        elapsed: float,
        polls: int,
        task: Any = None,
        last_error: BaseException | None = None,
        cancelled: bool = False,
        subject: str | None = None,
        running: Any = (),
    ) -> None:
        self.instance_id = instance_id
        self.cancelled = cancelled
        self.task_id = task_id
        self.timeout = timeout
        self.last_error = last_error
        self.subject = subject
        self.running = list(running)
        self.last_status = None if task is None else str(getattr(task, "status", None))
        if subject is not None:
            what = subject
        else:
            what = (
                _describe_task(task, instance_id)
                if task is not None
                else f"task {task_id} on instance {instance_id}"
            )
        if self.running:
            last = f"; still running: {_describe_running(self.running)}"
        elif self.last_status:
            last = f"; last status {_shown(self.last_status, 200)}"
        else:
            last = "" if subject is not None else "; status never seen"
        err = f"; last error: {last_error}" if last_error is not None else ""
        head = "wait cancelled" if cancelled else "timed out"
        super().__init__(
            f"{head} after {elapsed:.1f}s (timeout {timeout:g}s, {polls} polls) waiting for {what}{last}{err}",
            task=task,
            elapsed=elapsed,
            polls=polls,
        )


class TaskCancelledError(TaskTimeoutError):
    """The wait was stopped before its deadline: its stop event was set.

    A :class:`TaskTimeoutError` with ``cancelled`` true, so code catching timeouts still catches it.
    ``reason`` says why (the provider: Ctrl-C, the engine shutting it down, its CLI gone) and
    ``resource`` names the resource that was waiting, when known; both end up in the message.
    Any wait can be cancelled: a task's, a search by name, an idle gate (``subject`` says which).
    """

    def __init__(
        self,
        *,
        instance_id: str,
        task_id: str,
        timeout: float,
        elapsed: float,
        polls: int,
        task: Any = None,
        last_error: BaseException | None = None,
        reason: str | None = None,
        resource: str | None = None,
        subject: str | None = None,
        running: Any = (),
    ) -> None:
        super().__init__(
            instance_id=instance_id,
            task_id=task_id,
            timeout=timeout,
            elapsed=elapsed,
            polls=polls,
            task=task,
            last_error=last_error,
            cancelled=True,
            subject=subject,
            running=running,
        )
        self.reason = reason
        self.resource = resource
        if resource or reason:
            text = (f"{resource}: " if resource else "") + str(self) + (f" ({reason})" if reason else "")
            TaskError.__init__(self, text, task=task, elapsed=elapsed, polls=polls)

    def with_context(self, *, reason: str | None, resource: str | None) -> TaskCancelledError:
        """The same error with the stop's reason and the waiting resource named."""
        return TaskCancelledError(
            instance_id=self.instance_id,
            task_id=self.task_id,
            timeout=self.timeout,
            elapsed=self.elapsed,
            polls=self.polls,
            task=self.task,
            last_error=self.last_error,
            reason=reason,
            resource=resource,
            subject=self.subject,
            running=self.running,
        )


class IdleTimeoutError(TaskTimeoutError):
    """The deadline passed while the instance still ran tasks; ``running`` lists them (as last seen)."""

    def __init__(
        self,
        *,
        instance_id: str,
        running: Any,
        timeout: float,
        elapsed: float,
        polls: int,
        last_error: BaseException | None = None,
    ) -> None:
        super().__init__(
            instance_id=instance_id,
            task_id="",
            timeout=timeout,
            elapsed=elapsed,
            polls=polls,
            last_error=last_error,
            subject=f"instance {instance_id} to be idle",
            running=running,
        )

    def with_resource(self, resource: str) -> IdleTimeoutError:
        """The same error with the waiting resource named first."""
        error = IdleTimeoutError(
            instance_id=self.instance_id,
            running=self.running,
            timeout=self.timeout,
            elapsed=self.elapsed,
            polls=self.polls,
            last_error=self.last_error,
        )
        TaskError.__init__(error, f"{resource}: {self}", task=None, elapsed=self.elapsed, polls=self.polls)
        return error


class NoMatchingTaskError(TaskError):
    """A lookup by name (since a time, with params) found no task, and was not asked to wait for one."""

    def __init__(self, *, instance_id: str, subject: str) -> None:
        self.instance_id = instance_id
        self.subject = subject
        super().__init__(f"no {subject} on instance {instance_id}", task=None, elapsed=0.0, polls=1)
