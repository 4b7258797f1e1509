"""A task's scripted life: which status it shows, and what its progress looks like, at a time.

Pure functions over a list of :class:`TimelineEntry`; nothing here knows about HTTP or locks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "DEFAULT_TIMELINE",
    "FAILURE_STATUSES",
    "INITIAL_STATUS",
    "TERMINAL_STATUSES",
    "TimelineEntry",
    "epoch_millis",
    "progress_at",
    "reached_index",
    "status_at",
    "updated_at",
]

INITIAL_STATUS = "CREATED"
# Mirrors models.FAILURE_STATUSES without importing pydantic-backed enums into the hot path.
FAILURE_STATUSES = frozenset({"FAILED", "CANCELLED", "DELETED"})
TERMINAL_STATUSES = FAILURE_STATUSES | {"SUCCESS"}


@dataclass(frozen=True)
class TimelineEntry:
    """From ``after`` seconds past the task's creation on, the task shows ``status``.

    ``step`` names the matching progress step (defaults to the status).
    """

    status: str
    after: float
    step: str | None = None

    @property
    def step_name(self) -> str:
        """Name shown in the progress API's ``step_list``."""
        return self.step or self.status

    def to_json(self) -> dict[str, Any]:
        """The admin API's JSON form."""
        out: dict[str, Any] = {"status": self.status, "after": self.after}
        if self.step:
            out["step"] = self.step
        return out


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

DEFAULT_TIMELINE: tuple[TimelineEntry, ...] = (TimelineEntry("SUCCESS", 0.0),)


def _elapsed(created_at: datetime, now: datetime) -> float:
    return (now - created_at).total_seconds()


def reached_index(timeline: tuple[TimelineEntry, ...], created_at: datetime, now: datetime) -> int:
    """Index of the latest entry already reached, or -1 before the first one."""
    elapsed = _elapsed(created_at, now)
    index = -1
    # Entries are sorted by ``after``; equal times resolve to the later entry, as written.
    for i, entry in enumerate(timeline):
        if entry.after <= elapsed:
            index = i
        else:
            break
    return index


def status_at(timeline: tuple[TimelineEntry, ...], created_at: datetime, now: datetime) -> str:
    """The status shown at ``now`` (``CREATED`` before the first entry)."""
    index = reached_index(timeline, created_at, now)
    return INITIAL_STATUS if index < 0 else timeline[index].status


def updated_at(timeline: tuple[TimelineEntry, ...], created_at: datetime, now: datetime) -> datetime:
    """Creation time plus the ``after`` of the latest entry reached."""
    index = reached_index(timeline, created_at, now)
    if index < 0:
        return created_at
    return created_at + timedelta(seconds=timeline[index].after)


def epoch_millis(value: datetime) -> int:
    """Milliseconds since the epoch (the vendor SDK types step times as integers)."""
    # Integer arithmetic: agrees with format_api_timestamp's truncation to the millisecond.
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _end_of_work(timeline: tuple[TimelineEntry, ...]) -> float:
    for entry in timeline:
        if entry.status in TERMINAL_STATUSES:
            return entry.after
    # No terminal entry: the task never finishes; measure against the last scripted change.
    return timeline[-1].after if timeline else 0.0


def progress_at(timeline: tuple[TimelineEntry, ...], created_at: datetime, now: datetime) -> dict[str, Any]:
    """The progress API body: percentage, seconds remaining and one step per timeline entry."""
    index = reached_index(timeline, created_at, now)
    elapsed = max(0.0, _elapsed(created_at, now))
    current = INITIAL_STATUS if index < 0 else timeline[index].status
    end = _end_of_work(timeline)
    if current in TERMINAL_STATUSES:
        percentage, remain = 100, 0
    else:
        # A running task never reports 100 %: clients must not treat the number as a status.
        percentage = 0 if end <= 0 else min(99, int(100 * elapsed / end))
        remain = max(0, math.ceil(end - elapsed))
    steps = []
    for i, entry in enumerate(timeline):
        start = created_at + timedelta(seconds=entry.after)
        if i > index:
            statue, start_ms, end_ms = "WAITING", None, None
        elif i < index:
            statue = "COMPLETED"
            start_ms = epoch_millis(start)
            end_ms = epoch_millis(created_at + timedelta(seconds=timeline[i + 1].after))
        elif entry.status in FAILURE_STATUSES:
            statue, start_ms, end_ms = "FAILED", epoch_millis(start), epoch_millis(start)
        elif entry.status in TERMINAL_STATUSES:
            statue, start_ms, end_ms = "COMPLETED", epoch_millis(start), epoch_millis(start)
        else:
            statue, start_ms, end_ms = "IN_PROGRESS", epoch_millis(start), None
        # Epoch milliseconds as JSON strings: the type the API page's table gives (String) and the Go
        # SDK models; the Python SDK converts them to its int (its example shows numbers).
        steps.append(
            {
                "name": entry.step_name,
                "statue": statue,
                "start_time": None if start_ms is None else str(start_ms),
                "end_time": None if end_ms is None else str(end_ms),
            }
        )
    return {"progress_percentage": percentage, "remain_time": remain, "step_list": steps}
