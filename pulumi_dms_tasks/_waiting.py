"""One wait engine for every wait: a task to finish, a task to appear, an instance to be idle.

The rules of a wait are data (:class:`Rules`, a tuple of :class:`Acceptor`, after botocore's
waiter acceptors and Smithy's waiter spec): which states succeed, which fail, which keep polling,
and which errors are tolerated how many times in a row. The loop (:func:`wait`) is the same for
all of them and gets its I/O, clock, sleep and stop event injected, so tests need no real
waiting. What users complain about in other waiters is fixed here: a real deadline instead of
attempt counts, fail-fast on failure states, progress reports, the final observation returned,
and errors with context.

The task wait may ask the progress API for the time left and aim its next poll there. That
costs a call, so it is asked only with a call to spare: when the wait has made fewer calls than
a plain loop polling every ``poll_interval`` would have made by then. Each later poll is at
least ``poll_interval`` after the one before, so a wait never makes more calls than that plain
loop, whatever the task's duration (short tasks, the common case, never see a progress call).
"""

from __future__ import annotations

import enum
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._constants import (
    BACKOFF_MULTIPLIER,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    NOT_FOUND_TOLERANCE,
)
from ._errors import (
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

__all__ = [
    "ABSENT",
    "BUSY",
    "FOUND",
    "IDLE",
    "IDLE_RULES",
    "SEARCH_RULES",
    "TASK_RULES",
    "Acceptor",
    "Action",
    "Outcome",
    "Rules",
    "WaitPolicy",
    "WaitProgress",
    "WaitState",
    "classify",
    "wait",
    "wait_until_terminal",
]

log = logging.getLogger("pulumi_dms_tasks.waiting")

# Consecutive unparseable bodies tolerated mid-wait (a proxy glitch should not fail a deploy).
INVALID_RESPONSE_TOLERANCE = 3

T = TypeVar("T")


# -- rules as data ----------------------------------------------------------------------------


class Action(enum.Enum):
    """What an acceptor makes of a poll."""

    SUCCESS = "success"  # the wait returns the observation
    FAILURE = "failure"  # the wait raises (the failed observation, or the error itself)
    RETRY = "retry"  # poll again after a delay, within the deadline


@dataclass(frozen=True)
class Acceptor:
    """One rule: when a poll's state is in ``states``, or the poll raised one of ``errors``, do ``action``.

    ``limit`` (error acceptors only): how many such errors in a row are tolerated; the next one
    is raised. ``None`` tolerates them until the deadline.
    """

    action: Action
    states: frozenset[str] = frozenset()
    errors: tuple[type[BaseException], ...] = ()
    limit: int | None = None

    def __post_init__(self) -> None:
        if bool(self.states) == bool(self.errors):
            raise ValueError("an acceptor matches either states or errors")
        if self.limit is not None and (not self.errors or self.limit < 0):
            raise ValueError("limit applies to error acceptors only, and is >= 0")


@dataclass(frozen=True)
class Rules:
    """The acceptors of one kind of wait, checked in order: the first that matches decides.

    A state no acceptor names (a status newer than this code) keeps the wait going and is logged
    once; an error no acceptor names ends the wait by being raised.
    """

    what: str
    acceptors: tuple[Acceptor, ...]

    def for_state(self, state: str) -> Action | None:
        """The action for an observed state (``None``: not covered by the rules)."""
        for acceptor in self.acceptors:
            if state in acceptor.states:
                return acceptor.action
        return None

    def for_error(self, error: BaseException) -> Acceptor | None:
        """The acceptor of an error raised by a poll (``None``: raise it)."""
        for acceptor in self.acceptors:
            if acceptor.errors and isinstance(error, acceptor.errors):
                return acceptor
        return None


# States of the by-name search and of the idle gate (tasks carry their own status).
FOUND, ABSENT = "FOUND", "ABSENT"
IDLE, BUSY = "IDLE", "BUSY"

# Every wait reads the API the same way: a task record can lag behind its creation (a few 404s),
# a proxy can garble a body now and then, and 5xx/429/connection trouble is a failed poll. 401/403
# and other 4xx are not in the rules: they are raised at once.
_ERROR_ACCEPTORS = (
    Acceptor(Action.RETRY, errors=(NotFoundError,), limit=NOT_FOUND_TOLERANCE),
    Acceptor(Action.RETRY, errors=(InvalidResponseError,), limit=INVALID_RESPONSE_TOLERANCE - 1),
    Acceptor(Action.RETRY, errors=(ServerError, ThrottledError, TransportError)),
)

TASK_RULES = Rules(
    "task",
    (
        Acceptor(Action.SUCCESS, states=frozenset(SUCCESS_STATUSES)),
        # The vendor's Terraform provider forgets CANCELLED and then polls a cancelled task until its timeout.
        Acceptor(Action.FAILURE, states=frozenset(FAILURE_STATUSES)),
        Acceptor(Action.RETRY, states=frozenset(PENDING_STATUSES)),
        *_ERROR_ACCEPTORS,
    ),
)

SEARCH_RULES = Rules(
    "task search",
    (
        Acceptor(Action.SUCCESS, states=frozenset({FOUND})),
        Acceptor(Action.RETRY, states=frozenset({ABSENT})),
        *_ERROR_ACCEPTORS,
    ),
)

# A task that ends FAILED while the gate waits does not fail it: the instance is idle again.
IDLE_RULES = Rules(
    "idle instance",
    (
        Acceptor(Action.SUCCESS, states=frozenset({IDLE})),
        Acceptor(Action.RETRY, states=frozenset({BUSY})),
        *_ERROR_ACCEPTORS,
    ),
)


class Outcome(enum.Enum):
    """Where a task status leaves a wait (:data:`TASK_RULES` read for one status)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    UNKNOWN = "unknown"  # not documented: keep polling, but say so


def classify(status: str) -> Outcome:
    """SUCCESS succeeds; FAILED, CANCELLED, DELETED fail; CREATED, EXECUTING pend; others unknown."""
    action = TASK_RULES.for_state(status)
    if action is None:
        return Outcome.UNKNOWN
    return {Action.SUCCESS: Outcome.SUCCEEDED, Action.FAILURE: Outcome.FAILED, Action.RETRY: Outcome.PENDING}[
        action
    ]


# -- timing -----------------------------------------------------------------------------------


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
    not_found_tolerance: int = NOT_FOUND_TOLERANCE

    def __post_init__(self) -> None:
        for name in ("timeout", "poll_interval", "max_poll_interval"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise InvalidInputError(name, "a positive number of seconds", value)
        if self.max_poll_interval < self.poll_interval:
            raise InvalidInputError(
                "max_poll_interval",
                f"at least poll_interval ({self.poll_interval:g}s)",
                self.max_poll_interval,
            )
        if self.multiplier < 1:
            raise InvalidInputError("multiplier", "a number >= 1", self.multiplier)

    def next_delay(self, attempt: int, rng: random.Random, remain_time: float | None = None) -> float:
        """Seconds to sleep after poll number ``attempt`` (0-based)."""
        low, high = self.poll_interval, self.max_poll_interval
        if remain_time is not None and remain_time > 0:
            return min(high, max(low, float(remain_time)))
        cap = min(high, low * self.multiplier ** max(0, attempt))
        if cap <= low:
            return cap
        return rng.uniform(low, cap)

    def rules(self, rules: Rules) -> Rules:
        """``rules`` with this policy's 404 tolerance (the only acceptor setting a policy overrides)."""
        if self.not_found_tolerance == NOT_FOUND_TOLERANCE:
            return rules
        swapped = tuple(
            Acceptor(a.action, a.states, a.errors, self.not_found_tolerance)
            if a.errors == (NotFoundError,)
            else a
            for a in rules.acceptors
        )
        return Rules(rules.what, swapped)


# -- what a wait reports --------------------------------------------------------------------


@dataclass(frozen=True)
class WaitProgress:
    """One observation during a wait, passed to the ``on_progress`` callback.

    ``kind`` is ``"task"`` (``status`` is the task's), ``"search"`` (``FOUND``/``ABSENT``: a
    task of a name being looked for) or ``"idle"`` (``IDLE``/``BUSY``, ``running`` the tasks
    still ``CREATED``/``EXECUTING`` as ``(id, name, status)``).
    """

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
    kind: str = "task"
    running: tuple[tuple[str, str, str], ...] = ()

    @property
    def status_changed(self) -> bool:
        """True when this poll saw a different status from the previous one."""
        return self.status != self.previous_status

    def describe(self) -> str:
        """A one-line human summary, e.g. ``EXECUTING 40% ~12s left (step: bind EIP)``."""
        if self.kind == "idle" and self.status == BUSY:
            names = ", ".join(f"{name or task_id} {status}" for task_id, name, status in self.running[:3])
            more = f" and {len(self.running) - 3} more" if len(self.running) > 3 else ""
            parts = [f"BUSY: {len(self.running)} running ({names}{more})"]
        elif self.kind == "search" and self.status == ABSENT:
            parts = ["no matching task yet"]
        else:
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
class WaitState(Generic[T]):
    """Where a wait stands; what the error factories get to describe it."""

    polls: int = 0
    calls: int = 0
    elapsed: float = 0.0
    last: T | None = None  # the last observation (a poll that returned)
    state: str | None = None
    last_error: DmsError | None = None
    streaks: dict[int, int] = field(default_factory=dict)  # id(acceptor) -> errors in a row
    unknown_logged: set[str] = field(default_factory=set)
    # The progress API's estimate: polls aim at it and the API is asked again only once it passed.
    progress_supported: bool = True
    last_info: TaskProgress | None = None
    expected_end: float | None = None
    attempt: int = 0


# -- the loop -----------------------------------------------------------------------------------


def wait(
    poll: Callable[[float], T],
    *,
    rules: Rules,
    state_of: Callable[[T], str],
    policy: WaitPolicy,
    instance_id: str,
    task_id: str = "",
    kind: str = "task",
    label: str | None = None,
    on_failure: Callable[[T, WaitState[T]], Exception] | None = None,
    on_timeout: Callable[[WaitState[T], bool], Exception],
    first: T | None = None,
    progress: Callable[[float], TaskProgress | None] | None = None,
    running_of: Callable[[T], tuple[tuple[str, str, str], ...]] | None = None,
    on_progress: Callable[[WaitProgress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    stop_event: threading.Event | None = None,
    rng: random.Random | None = None,
) -> tuple[T, WaitState[T]]:
    """Call ``poll(deadline)`` until ``rules`` say success (returned) or failure (raised), or time runs out.

    ``poll`` (and ``progress``) receive the monotonic deadline so their HTTP calls can respect
    it. ``first`` is an observation already made (it counts as the first poll, and no call is
    made for it). On a failure state ``on_failure(observation, state)`` is raised; on the
    deadline ``on_timeout(state, False)``; when ``stop_event`` is set ``on_timeout(state, True)``,
    at once when it is set during a pause, else after the poll in flight. ``label`` names the wait
    in log lines (default: ``rules.what`` and ``task_id``). ``clock`` is
    monotonic seconds; ``sleep`` is used for pauses (with a ``stop_event`` and the default
    sleep, the pause waits on the event instead, so a stop is noticed at once).
    """
    rng = rng or random.Random()
    rules = policy.rules(rules)
    start = clock()
    end = start + policy.timeout
    state: WaitState[T] = WaitState()
    previous: str | None = None
    pending = first
    label = label or (f"{rules.what} {task_id}" if task_id else rules.what)

    def pause(seconds: float) -> bool:
        """Sleep; False when asked to stop."""
        if stop_event is None:
            if seconds > 0:
                sleep(seconds)
            return True
        if seconds <= 0:
            return not stop_event.is_set()
        if sleep is time.sleep:
            return not stop_event.wait(seconds)
        sleep(seconds)
        return not stop_event.is_set()

    def stopped() -> Exception:
        state.elapsed = clock() - start
        return on_timeout(state, True)

    while True:
        if stop_event is not None and stop_event.is_set():
            raise stopped()
        state.polls += 1
        percentage: int | None = None
        step: str | None = None
        error_text: str | None = None
        try:
            if pending is not None:
                observation, pending = pending, None
            else:
                state.calls += 1
                observation = poll(end)
        except DmsError as exc:
            acceptor = rules.for_error(exc)
            if acceptor is None or acceptor.action is not Action.RETRY:
                raise
            streak = state.streaks.get(id(acceptor), 0) + 1
            state.streaks[id(acceptor)] = streak
            if acceptor.limit is not None and streak > acceptor.limit:
                raise
            state.last_error = exc
            error_text = _error_text(exc)
        else:
            state.last, state.last_error = observation, None
            state.streaks.clear()
            current = state_of(observation)
            state.state = current
            action = rules.for_state(current)
            if action is Action.SUCCESS or action is Action.FAILURE:
                state.elapsed = clock() - start
                _report(on_progress, state, previous, instance_id, task_id, kind, running_of)
                if action is Action.SUCCESS:
                    log.info("%s on instance %s succeeded after %d polls", label, instance_id, state.polls)
                    return observation, state
                if on_failure is None:
                    raise DmsError(f"{rules.what} on instance {instance_id} ended {current}")
                raise on_failure(observation, state)
            if action is None and current not in state.unknown_logged:
                state.unknown_logged.add(current)
                log.warning(
                    "%s on instance %s reports undocumented status %r; still waiting",
                    label,
                    instance_id,
                    current,
                )
            if (
                progress is not None
                and state.progress_supported
                and clock() < end
                and _estimate_wanted(state, current, previous, clock() - start, policy.poll_interval, clock())
            ):
                _refresh_estimate(state, progress, end, clock, task_id)
            if state.last_info is not None:
                percentage = state.last_info.progress_percentage
                current_step = state.last_info.current_step
                step = current_step.name if current_step else None

        now = clock()
        state.elapsed = now - start
        if now >= end:
            _report(
                on_progress,
                state,
                previous,
                instance_id,
                task_id,
                kind,
                running_of,
                percentage=percentage,
                step=step,
                error=error_text,
            )
            raise on_timeout(state, False)
        remain: int | None
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
        _report(
            on_progress,
            state,
            previous,
            instance_id,
            task_id,
            kind,
            running_of,
            percentage=percentage,
            remain=remain,
            step=step,
            error=error_text,
            next_poll_in=delay,
        )
        if state.state != previous and state.state is not None:
            log.info("%s on instance %s is %s", label, instance_id, state.state)
        previous = state.state if state.state is not None else previous
        if not pause(delay):
            raise stopped()


def _error_text(exc: DmsError) -> str:
    if isinstance(exc, NotFoundError):
        return f"HTTP 404 {exc.error_code}"
    if isinstance(exc, (InvalidResponseError, TransportError)):
        return exc.reason
    status, code = getattr(exc, "status", None), getattr(exc, "error_code", None)
    return f"HTTP {status} {code or ''}".strip()


def _estimate_wanted(
    state: WaitState[Any], status: str, previous: str | None, elapsed: float, interval: float, now: float
) -> bool:
    """Ask the progress API only when it could pay for itself.

    Its answer must be stale (none yet, a new status, or an estimate that ran out while the task
    still had time left), and the wait must have a call to spare against a plain loop polling
    every ``interval``: such a loop has made ``floor(elapsed / interval) + 1`` calls by now, and
    this poll's call plus the progress call must not exceed that. Tasks shorter than about two
    intervals therefore cost no progress call at all.
    """
    if state.last_info is not None and status == previous:
        if state.expected_end is None or now < state.expected_end:
            return False
        if not state.last_info.remain_time:
            return False  # it said "0 s left" and still runs: nothing new to learn, back off instead
    return state.calls + 1 <= math.floor(elapsed / interval + 1e-9) + 1


def _refresh_estimate(
    state: WaitState[Any],
    progress: Callable[[float], TaskProgress | None],
    end: float,
    clock: Callable[[], float],
    task_id: str,
) -> None:
    state.calls += 1
    try:
        info = progress(end)
    except DmsError as exc:
        # Progress is optional: never let it break a wait. A 4xx will not change: stop asking.
        log.debug("progress for task %s unavailable: %s", task_id, exc)
        status = getattr(exc, "status", None)
        if isinstance(status, int) and 400 <= status < 500 and status != 429:
            state.progress_supported = False
        return
    if info is None:
        state.progress_supported = False  # no progress for this task (or for this instance's engine)
        return
    state.last_info = info
    state.expected_end = (
        clock() + info.remain_time if info.remain_time is not None and info.remain_time > 0 else None
    )


def _report(
    callback: Callable[[WaitProgress], None] | None,
    state: WaitState[Any],
    previous: str | None,
    instance_id: str,
    task_id: str,
    kind: str,
    running_of: Callable[[Any], tuple[tuple[str, str, str], ...]] | None,
    *,
    percentage: int | None = None,
    remain: int | None = None,
    step: str | None = None,
    error: str | None = None,
    next_poll_in: float | None = None,
) -> None:
    running = running_of(state.last) if running_of is not None and state.last is not None else ()
    event = WaitProgress(
        instance_id=instance_id,
        task_id=task_id,
        status=state.state,
        previous_status=previous,
        polls=state.polls,
        elapsed=state.elapsed,
        next_poll_in=next_poll_in,
        percentage=percentage,
        remain_time=remain,
        step=step,
        error=error,
        kind=kind,
        running=running,
    )
    log.debug("wait %s/%s: %s", instance_id, task_id or kind, event.describe())
    if callback is not None:
        callback(event)


# -- the task wait --------------------------------------------------------------------------------


def task_status(task: Task) -> str:
    """A task's state for :data:`TASK_RULES`: its status text."""
    return str(task.status)


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
    first: Task | None = None,
) -> Task:
    """Poll ``fetch(deadline)`` until the task succeeds (returned) or fails/times out (raised).

    :data:`TASK_RULES`: SUCCESS returns; FAILED, CANCELLED, DELETED raise
    :class:`TaskFailedError`; transient errors (5xx, 429, connection problems) count as a failed
    poll within the deadline; 401/403/other 4xx abort at once; up to
    ``policy.not_found_tolerance`` consecutive 404s are tolerated (a new task's record can lag).
    The deadline raises :class:`TaskTimeoutError`, ``stop_event`` :class:`TaskCancelledError`.
    """

    def failed(task: Task, state: WaitState[Task]) -> Exception:
        return TaskFailedError(task, instance_id=instance_id, elapsed=state.elapsed, polls=state.polls)

    def timed_out(state: WaitState[Task], cancelled: bool) -> Exception:
        cls = TaskCancelledError if cancelled else TaskTimeoutError
        return cls(
            instance_id=instance_id,
            task_id=task_id,
            timeout=policy.timeout,
            elapsed=state.elapsed,
            polls=state.polls,
            task=state.last,
            last_error=state.last_error,
        )

    task, _ = wait(
        fetch,
        rules=TASK_RULES,
        state_of=task_status,
        policy=policy,
        instance_id=instance_id,
        task_id=task_id,
        on_failure=failed,
        on_timeout=timed_out,
        first=first,
        progress=progress,
        on_progress=on_progress,
        clock=clock,
        sleep=sleep,
        stop_event=stop_event,
        rng=rng,
    )
    return task
