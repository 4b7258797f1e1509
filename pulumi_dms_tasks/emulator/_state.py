"""The emulator's memory: instances, tasks, queued faults and request counters, behind one lock.

Task statuses are not stored: they are computed from each task's timeline and the injected clock
at read time, so a test that moves its clock sees tasks progress without sleeping.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from .._models import format_api_timestamp
from ._faults import OPERATIONS, Fault
from ._specs import (
    DEFAULT_ENGINE,
    ENGINES_WITH_PROGRESS,
    DuplicateTaskError,
    SpecError,
    TaskSpec,
    default_user_id,
    parse_timeline,
)
from ._timeline import TimelineEntry, progress_at, status_at, updated_at

__all__ = ["LOG_SIZE", "Clock", "EngineConflictError", "Store", "StoredTask", "utc_now"]

Clock = Callable[[], datetime]
LOG_SIZE = 1000


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class EngineConflictError(SpecError):
    """An instance registered again with another engine."""


@dataclass(frozen=True)
class StoredTask:
    """One task record as the emulator keeps it."""

    id: str
    instance_id: str
    name: str
    params_json: str
    user_name: str
    user_id: str
    created_at: datetime
    timeline: tuple[TimelineEntry, ...]
    has_progress: bool
    seq: int
    timeline_start: str = "created"
    started_at: datetime | None = None

    def _origin(self, now: datetime) -> datetime:
        """Where the timeline's ``after`` seconds count from (a first-read task not read yet: now)."""
        if self.timeline_start == "first_read":
            return self.started_at or now
        return self.created_at

    def status(self, now: datetime) -> str:
        """The status shown at ``now``."""
        return status_at(self.timeline, self._origin(now), now)

    def to_wire(self, now: datetime) -> dict[str, str]:
        """The task as the API renders it: every field a string."""
        if self.timeline_start == "first_read" and self.started_at is None:
            changed = self.created_at  # nothing has happened to it yet
        else:
            changed = updated_at(self.timeline, self._origin(now), now)
        return {
            "id": self.id,
            "name": self.name,
            "user_name": self.user_name,
            "user_id": self.user_id,
            "params": self.params_json,
            "status": self.status(now),
            "created_at": format_api_timestamp(self.created_at),
            "updated_at": format_api_timestamp(changed),
        }

    def progress(self, now: datetime) -> dict[str, Any]:
        """The progress API body at ``now``."""
        return progress_at(self.timeline, self._origin(now), now)


class Store:
    """Thread-safe state shared by the HTTP handler threads and the Python handle."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or utc_now
        self._lock = threading.RLock()
        self._instances: dict[str, dict[str, StoredTask]] = {}
        self._engines: dict[str, str] = {}
        self._faults: deque[list[Any]] = deque()  # [fault, remaining]
        self._seq = 0
        self._generation = 0
        self._reset_counters()

    # -- time ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The injected clock's time, always timezone-aware UTC."""
        value = self._clock()
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    # -- instances and tasks -------------------------------------------------------------------

    def add_instance(self, instance_id: str, engine: str | None = None) -> bool:
        """Register an instance of ``engine`` (default Kafka); ``True`` when it is new.

        Naming another engine for an existing instance raises :class:`SpecError` (``engine``).
        """
        with self._lock:
            if instance_id in self._instances:
                current = self._engines.get(instance_id, DEFAULT_ENGINE)
                if engine is not None and engine != current:
                    raise EngineConflictError(
                        "engine", f"instance {instance_id} exists as a {current} instance"
                    )
                return False
            self._instances[instance_id] = {}
            self._engines[instance_id] = engine or DEFAULT_ENGINE
            return True

    def engine(self, instance_id: str) -> str | None:
        """The instance's engine, or ``None`` when there is no such instance."""
        with self._lock:
            return self._engines.get(instance_id) if instance_id in self._instances else None

    def engines(self) -> dict[str, str]:
        """Every instance's engine."""
        with self._lock:
            return {i: self._engines.get(i, DEFAULT_ENGINE) for i in self._instances}

    def has_progress_api(self, instance_id: str) -> bool:
        """Whether the instance's engine serves the progress API (RabbitMQ has none)."""
        return (self.engine(instance_id) or DEFAULT_ENGINE) in ENGINES_WITH_PROGRESS

    def has_instance(self, instance_id: str) -> bool:
        """Whether the instance exists."""
        with self._lock:
            return instance_id in self._instances

    def instance_ids(self) -> list[str]:
        """All instance ids, in creation order."""
        with self._lock:
            return list(self._instances)

    def add_task(self, instance_id: str, spec: TaskSpec) -> str:
        """Store a task (creating the instance if needed); return its id."""
        with self._lock:
            if instance_id not in self._instances:
                self.add_instance(instance_id)
            tasks = self._instances[instance_id]
            task_id = spec.task_id or uuid.uuid4().hex
            if task_id in tasks:
                raise DuplicateTaskError("id", f"task {task_id} already exists on instance {instance_id}")
            self._seq += 1
            tasks[task_id] = StoredTask(
                id=task_id,
                instance_id=instance_id,
                name=spec.name,
                params_json=spec.params_json,
                user_name=spec.user_name,
                user_id=spec.user_id if spec.user_id is not None else default_user_id(spec.user_name),
                created_at=spec.created_at or self.now(),
                timeline=spec.timeline,
                has_progress=spec.progress,
                seq=self._seq,
                timeline_start=spec.timeline_start,
            )
            return task_id

    def add_tasks(self, instance_id: str, specs: list[TaskSpec]) -> list[str]:
        """Store several tasks at once (one creation time for all); return their ids in order."""
        with self._lock:
            now = self.now()
            return [
                self.add_task(instance_id, replace(spec, created_at=spec.created_at or now)) for spec in specs
            ]

    def note_read(self, task: StoredTask, now: datetime) -> StoredTask:
        """Start a ``first_read`` task's timeline at its first API read; return the task as stored."""
        if task.timeline_start != "first_read" or task.started_at is not None:
            return task
        with self._lock:
            current = self._instances.get(task.instance_id, {}).get(task.id)
            if current is None:
                return task
            if current.started_at is None:
                current = replace(current, started_at=now)
                self._instances[task.instance_id][task.id] = current
            return current

    def set_timeline(self, instance_id: str, task_id: str, timeline: Any) -> None:
        """Replace a task's timeline (still relative to its start); ``KeyError`` if unknown."""
        entries = parse_timeline(timeline)
        with self._lock:
            task = self._instances.get(instance_id, {}).get(task_id)
            if task is None:
                raise KeyError(f"no task {task_id} on instance {instance_id}")
            self._instances[instance_id][task_id] = replace(task, timeline=entries)

    def get_task(self, instance_id: str, task_id: str) -> StoredTask | None:
        """One task, or ``None``."""
        with self._lock:
            return self._instances.get(instance_id, {}).get(task_id)

    def list_tasks(
        self, instance_id: str, begin: datetime | None = None, end: datetime | None = None
    ) -> list[StoredTask]:
        """Tasks newest first, filtered on ``created_at`` (whole seconds, bounds inclusive)."""
        with self._lock:
            tasks = list(self._instances.get(instance_id, {}).values())
        picked = []
        for task in tasks:
            # The API's filter times have one-second resolution; compare at that resolution.
            created = task.created_at.replace(microsecond=0)
            if (begin is None or created >= begin) and (end is None or created <= end):
                picked.append(task)
        # Ties on created_at: the later-added task counts as newer, so paging is deterministic.
        picked.sort(key=lambda t: (t.created_at, t.seq), reverse=True)
        return picked

    def delete_task(self, instance_id: str, task_id: str) -> bool:
        """Remove a task record; ``True`` if it existed."""
        with self._lock:
            return self._instances.get(instance_id, {}).pop(task_id, None) is not None

    # -- faults --------------------------------------------------------------------------------

    def add_fault(self, fault: Fault, count: int = 1) -> None:
        """Queue ``fault`` for the next ``count`` matching calls."""
        with self._lock:
            self._faults.append([fault, count])

    def take_fault(self, operation: str) -> Fault | None:
        """Pop the oldest queued fault that matches ``operation`` (FIFO), if any."""
        with self._lock:
            for item in self._faults:
                fault: Fault = item[0]
                if fault.matches(operation):
                    item[1] -= 1
                    if item[1] <= 0:
                        self._faults.remove(item)
                    self._faults_served += 1
                    return fault
            return None

    def pending_faults(self) -> list[dict[str, Any]]:
        """Queued faults with their remaining counts."""
        with self._lock:
            return [{**fault.to_json(), "count": remaining} for fault, remaining in self._faults]

    # -- counters ------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Bumped by :meth:`reset`; calls that began before a reset are not counted after it."""
        return self._generation

    def _reset_counters(self) -> None:
        self._total = 0
        self._by_operation = {op: 0 for op in OPERATIONS}
        self._rejected = 0
        self._faults_served = 0
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)

    def record(
        self,
        method: str,
        path: str,
        query: str,
        operation: str | None,
        status: int | None,
        *,
        rejected: bool = False,
        fault: str | None = None,
        generation: int | None = None,
    ) -> None:
        """Count one cloud API request (admin calls are not counted)."""
        with self._lock:
            if generation is not None and generation != self._generation:
                return  # began before a reset: it belongs to the previous test
            self._total += 1
            if operation in self._by_operation:
                self._by_operation[operation] += 1
            if rejected:
                self._rejected += 1
            self._log.append(
                {
                    "method": method,
                    "path": path,
                    "query": query,
                    "operation": operation,
                    "status": status,
                    "fault": fault,
                }
            )

    def request_counts(self) -> dict[str, Any]:
        """Counters and the last :data:`LOG_SIZE` requests (the admin ``GET /requests`` body)."""
        with self._lock:
            return {
                "total": self._total,
                "by_operation": dict(self._by_operation),
                "rejected": self._rejected,
                "faults_served": self._faults_served,
                "log": [dict(entry) for entry in self._log],
            }

    def reset(self) -> None:
        """Forget every instance, task, queued fault and counter."""
        with self._lock:
            self._instances.clear()
            self._engines.clear()
            self._faults.clear()
            self._generation += 1
            self._reset_counters()
