"""Waiting for a task to reach a terminal status.

Pure decisions (:func:`classify`, :meth:`WaitPolicy.next_delay`) are separate from the loop
(:func:`wait_until_terminal`), which gets its I/O, clock and sleep injected, so tests need no real
waiting. Modelled on Terraform's ``StateChangeConf`` and botocore waiters, fixing what users
complain about there: a real deadline instead of attempt counts, fail-fast on failure statuses,
progress reports, the final task returned, and errors with context.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ._constants import (
    BACKOFF_MULTIPLIER,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    NOT_FOUND_TOLERANCE,
)
from ._errors import (
    ApiError,
    DmsError,
    InvalidInputError,
    InvalidResponseError,
    NotFoundError,
    ServerError,
    TaskCancelledError,
    TaskFailedError,
    TaskTimeoutError,
    ThrottledError,
    TransportError,
)
from ._models import FAILURE_STATUSES, PENDING_STATUSES, SUCCESS_STATUSES, Task, TaskProgress

__all__ = ["Outcome", "classify", "WaitPolicy", "WaitProgress", "wait_until_terminal"]

log = logging.getLogger("pulumi_dms_tasks.waiting")

# Consecutive unparseable bodies tolerated mid-wait (a proxy glitch should not fail a deploy).
INVALID_RESPONSE_TOLERANCE = 3


class Outcome(enum.Enum):
    """Where a status leaves a wait."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    UNKNOWN = "unknown"  # not documented: keep polling, but say so


def classify(status: str) -> Outcome:
    """SUCCESS succeeds; FAILED, CANCELLED, DELETED fail; CREATED, EXECUTING pend; others unknown."""
    if status in SUCCESS_STATUSES:
        return Outcome.SUCCEEDED
    if status in FAILURE_STATUSES:
        return Outcome.FAILED
    if status in PENDING_STATUSES:
        return Outcome.PENDING
    return Outcome.UNKNOWN


@dataclass(frozen=True)
class WaitPolicy:
    """How long and how often to poll.

    Delays grow from ``poll_interval`` by ``multiplier`` up to ``max_poll_interval`` with full
    jitter between the two; equal bounds give a fixed interval. When the progress API estimates
    the remaining time, the next poll is aimed at it (clamped to the same bounds).
    """

    timeout: float = DEFAULT_WAIT_TIMEOUT
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL
    multiplier: float = BACKOFF_MULTIPLIER
    jitter: bool = True
    initial_delay: float = 0.0
    not_found_tolerance: int = NOT_FOUND_TOLERANCE

    def __post_init__(self) -> None:
        for name in ("timeout", "poll_interval", "max_poll_interval"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise InvalidInputError(name, "a positive number of seconds", value)
        if self.max_poll_interval < self.poll_interval:
            raise InvalidInputError(
                "max_poll_interval", f"at least poll_interval ({self.poll_interval:g}s)", self.max_poll_interval
            )
        if self.multiplier < 1:
            raise InvalidInputError("multiplier", "a number >= 1", self.multiplier)
        if self.initial_delay < 0:
            raise InvalidInputError("initial_delay", "a number of seconds >= 0", self.initial_delay)

    def next_delay(self, attempt: int, rng: random.Random, remain_time: float | None = None) -> float:
        """Seconds to sleep after poll number ``attempt`` (0-based)."""
        low, high = self.poll_interval, self.max_poll_interval
        if remain_time is not None and remain_time > 0:
            return min(high, max(low, float(remain_time)))
        cap = min(high, low * self.multiplier ** max(0, attempt))
        if not self.jitter or cap <= low:
            return cap
        return rng.uniform(low, cap)


@dataclass(frozen=True)
class WaitProgress:
    """One observation during a wait, passed to the ``on_progress`` callback."""

    instance_id: str
    task_id: str
    status: str | None
    previous_status: str | None
    polls: int
    elapsed: float
    next_poll_in: float | None = None
    percentage: int | None = None
    remain_time: int | None = None
    step: str | None = None
    error: str | None = None

    @property
    def status_changed(self) -> bool:
        """True when this poll saw a different status from the previous one."""
        return self.status != self.previous_status

    def describe(self) -> str:
        """A one-line human summary, e.g. ``EXECUTING 40% ~12s left (step: bind EIP)``."""
        parts = [self.status or "status unknown"]
        if self.percentage is not None:
            parts.append(f"{self.percentage}%")
        if self.remain_time is not None:
            parts.append(f"~{self.remain_time}s left")
        if self.step:
            parts.append(f"(step: {self.step})")
        parts.append(f"after {self.elapsed:.0f}s, {self.polls} polls")
        if self.error:
            parts.append(f"[last poll failed: {self.error}]")
        return " ".join(parts)


@dataclass
class _State:
    polls: int = 0
    task: Task | None = None
    last_error: DmsError | None = None
    not_found: int = 0
    invalid: int = 0
    progress_supported: bool = True
    # The progress API's estimate: polls aim at it and the API is asked again only once it passed.
    last_info: TaskProgress | None = None
    expected_end: float | None = None
    attempt: int = 0
    unknown_logged: set[str] = field(default_factory=set)


def _is_transient(error: DmsError) -> bool:
    return isinstance(error, (ServerError, ThrottledError, TransportError))


def wait_until_terminal(
    fetch: Callable[[float], Task],
    *,
    instance_id: str,
    task_id: str,
    policy: WaitPolicy,
    progress: Callable[[float], TaskProgress | None] | None = None,
    on_progress: Callable[[WaitProgress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    stop_event: threading.Event | None = None,
    rng: random.Random | None = None,
) -> Task:
    """Poll ``fetch(deadline)`` until the task succeeds (returned) or fails/times out (raised).

    ``fetch`` and ``progress`` receive the monotonic deadline so their HTTP calls can respect it.
    Transient errors (5xx, 429, connection problems) count as a failed poll and the wait goes on
    within the deadline; 401/403/other 4xx abort at once; up to ``policy.not_found_tolerance``
    consecutive 404s are tolerated (a new task's record can lag). ``stop_event`` ends the wait
    early with :class:`TaskCancelledError` (a :class:`TaskTimeoutError`), at once when it is set
    during a pause, else after the poll in flight.
    """
    rng = rng or random.Random()
    start = clock()
    end = start + policy.timeout
    state = _State()
    previous_status: str | None = None

    def pause(seconds: float) -> bool:
        """Sleep; False when asked to stop."""
        if seconds <= 0:
            return not (stop_event and stop_event.is_set())
        if stop_event is not None:
            return not stop_event.wait(seconds)
        sleep(seconds)
        return True

    if policy.initial_delay and not pause(min(policy.initial_delay, policy.timeout)):
        raise _timeout(instance_id, task_id, policy, clock() - start, state, cancelled=True)

    while True:
        if stop_event is not None and stop_event.is_set():
            raise _timeout(instance_id, task_id, policy, clock() - start, state, cancelled=True)
        state.polls += 1
        percentage = remain = None
        step = None
        error_text = None
        try:
            task = fetch(end)
        except NotFoundError as exc:
            state.not_found += 1
            state.last_error = exc
            error_text = f"HTTP 404 {exc.error_code}"
            if state.not_found > policy.not_found_tolerance:
                raise
        except InvalidResponseError as exc:
            state.invalid += 1
            state.last_error = exc
            error_text = exc.reason
            if state.invalid >= INVALID_RESPONSE_TOLERANCE:
                raise
        except ApiError as exc:
            if not _is_transient(exc):
                raise
            state.last_error = exc
            error_text = f"HTTP {exc.status} {exc.error_code or ''}".strip()
        except TransportError as exc:
            state.last_error = exc
            error_text = exc.reason
        else:
            state.task = task
            state.not_found = state.invalid = 0
            state.last_error = None
            outcome = classify(task.status)
            if outcome is Outcome.SUCCEEDED:
                _report(on_progress, instance_id, task_id, task.status, previous_status, state, clock() - start)
                log.info("task %s on instance %s succeeded after %d polls", task_id, instance_id, state.polls)
                return task
            if outcome is Outcome.FAILED:
                _report(on_progress, instance_id, task_id, task.status, previous_status, state, clock() - start)
                raise TaskFailedError(task, instance_id=instance_id, elapsed=clock() - start, polls=state.polls)
            if outcome is Outcome.UNKNOWN and task.status not in state.unknown_logged:
                state.unknown_logged.add(task.status)
                log.warning("task %s reports undocumented status %r; still waiting", task_id, task.status)
            if progress is not None and state.progress_supported and clock() < end and _estimate_stale(
                state, task.status, previous_status, clock()
            ):
                _refresh_estimate(state, progress, end, clock, task_id)
            if state.last_info is not None:
                percentage = state.last_info.progress_percentage
                current = state.last_info.current_step
                step = current.name if current else None

        now = clock()
        elapsed = now - start
        status = state.task.status if state.task is not None else None
        if now >= end:
            _report(on_progress, instance_id, task_id, status, previous_status, state, elapsed,
                    percentage=percentage, remain=remain, step=step, error=error_text)
            raise _timeout(instance_id, task_id, policy, elapsed, state)
        if state.expected_end is not None and state.expected_end > now:
            remain = int(state.expected_end - now + 0.999)
            state.attempt = 0
        else:
            remain = None
            state.attempt += 1
        delay = policy.next_delay(state.attempt - 1 if remain is None else 0, rng, remain)
        retry_after = getattr(state.last_error, "retry_after", None)
        if retry_after:
            delay = max(delay, float(retry_after))
        # Never sleep past the deadline: poll once more exactly there.
        delay = min(delay, end - now)
        _report(on_progress, instance_id, task_id, status, previous_status, state, elapsed,
                percentage=percentage, remain=remain, step=step, error=error_text, next_poll_in=delay)
        if status != previous_status and status is not None:
            log.info("task %s on instance %s is %s", task_id, instance_id, status)
        previous_status = status if status is not None else previous_status
        if not pause(delay):
            raise _timeout(instance_id, task_id, policy, clock() - start, state, cancelled=True)


def _estimate_stale(state: _State, status: str, previous_status: str | None, now: float) -> bool:
    """Ask the progress API on the first pending poll, on a status change, or when the estimate ran out."""
    if state.last_info is None or status != previous_status:
        return True
    if state.expected_end is not None and now >= state.expected_end:
        # A task past its estimate that said "0 s left" has nothing new to tell: back off instead.
        return bool(state.last_info.remain_time)
    return False


def _refresh_estimate(
    state: _State,
    progress: Callable[[float], TaskProgress | None],
    end: float,
    clock: Callable[[], float],
    task_id: str,
) -> None:
    try:
        info = progress(end)
    except DmsError as exc:
        # Progress is optional: never let it break a wait.
        log.debug("progress for task %s unavailable: %s", task_id, exc)
        if isinstance(exc, ApiError) and 400 <= exc.status < 500 and exc.status != 429:
            state.progress_supported = False
        return
    if info is None:
        state.progress_supported = False  # this task has no progress record
        return
    state.last_info = info
    state.expected_end = clock() + info.remain_time if info.remain_time is not None and info.remain_time > 0 else None


def _report(
    callback: Callable[[WaitProgress], None] | None,
    instance_id: str,
    task_id: str,
    status: str | None,
    previous: str | None,
    state: _State,
    elapsed: float,
    *,
    percentage: int | None = None,
    remain: int | None = None,
    step: str | None = None,
    error: str | None = None,
    next_poll_in: float | None = None,
) -> None:
    event = WaitProgress(
        instance_id=instance_id,
        task_id=task_id,
        status=None if status is None else str(status),
        previous_status=None if previous is None else str(previous),
        polls=state.polls,
        elapsed=elapsed,
        next_poll_in=next_poll_in,
        percentage=percentage,
        remain_time=remain,
        step=step,
        error=error,
    )
    log.debug("wait %s/%s: %s", instance_id, task_id, event.describe())
    if callback is not None:
        callback(event)


def _timeout(
    instance_id: str, task_id: str, policy: WaitPolicy, elapsed: float, state: _State, *, cancelled: bool = False
) -> TaskTimeoutError:
    if cancelled:
        return TaskCancelledError(
            instance_id=instance_id,
            task_id=task_id,
            timeout=policy.timeout,
            elapsed=elapsed,
            polls=state.polls,
            task=state.task,
            last_error=state.last_error,
        )
    return TaskTimeoutError(
        instance_id=instance_id,
        task_id=task_id,
        timeout=policy.timeout,
        elapsed=elapsed,
        polls=state.polls,
        task=state.task,
        last_error=state.last_error,
    )
