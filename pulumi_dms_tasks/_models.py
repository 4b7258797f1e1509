"""Pydantic models of the DMS background-task API bodies. Imports nothing from this package.

Every field in the wire format is a string (``task_count`` too, ``params`` is JSON inside a
string). The models parse them into useful types and keep the raw text where users want it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "FAILURE_STATUSES",
    "MAX_FIELD_CHARS",
    "PENDING_STATUSES",
    "SUCCESS_STATUSES",
    "IdleResult",
    "StatusValue",
    "Task",
    "TaskList",
    "TaskProgress",
    "TaskStatus",
    "TaskStep",
    "format_api_timestamp",
    "parse_timestamp_text",
    "to_utc",
]

# The longest id, name, status, user or timestamp text accepted in a body; longer is not the API's
# shape (InvalidResponseError), and would otherwise land in outputs, messages and logs.
MAX_FIELD_CHARS = 1024
_SHORT_FIELDS = ("id", "name", "status", "user_name", "user_id", "created_at", "updated_at")
# Progress numbers past this are nonsense (remain_time is seconds); beyond float range they crash arithmetic.
_MAX_PROGRESS_NUMBER = 10**9


def _check_lengths(data: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            raise ValueError(f"{key} is {len(value)} characters long, more than {MAX_FIELD_CHARS}")


class TaskStatus(StrEnum):
    """Statuses documented by the vendor. Unknown values are kept as plain strings."""

    CREATED = "CREATED"
    EXECUTING = "EXECUTING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    DELETED = "DELETED"
    CANCELLED = "CANCELLED"


# left_to_right: the default "smart" union would return a plain str even for "SUCCESS".
StatusValue = Annotated[TaskStatus | str, Field(union_mode="left_to_right")]

SUCCESS_STATUSES = frozenset({TaskStatus.SUCCESS})
# The vendor's Terraform provider forgets CANCELLED and then polls a cancelled task until timeout.
FAILURE_STATUSES = frozenset({TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.DELETED})
PENDING_STATUSES = frozenset({TaskStatus.CREATED, TaskStatus.EXECUTING})


# One parser of timestamp text for the client's models, its input checks and the emulator.
def parse_timestamp_text(text: str) -> datetime:
    """``YYYYMMDDHHmmss`` (the list API's format) or ISO 8601 (``Z`` allowed); raises ``ValueError``.

    The result keeps its offset; a naive result is left naive for :func:`to_utc` to read as UTC.
    """
    text = text.strip()
    if text.isdigit() and len(text) == 14:
        return datetime.strptime(text, "%Y%m%d%H%M%S")
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def to_utc(value: datetime) -> datetime | None:
    """The same instant in UTC (naive means UTC: the API documents UTC), or ``None`` when an offset
    carries it out of ``datetime``'s range (``9999-12-31T23:59:59-01:00``)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _parse_timestamp(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        # Some DMS APIs give epoch milliseconds; accept them rather than fail a whole body.
        try:
            dt = datetime.fromtimestamp(value / 1000.0, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch milliseconds out of range: {str(value)[:30]}") from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            if text.isdigit() and len(text) != 14:
                dt = datetime.fromtimestamp(int(text) / 1000.0, tz=UTC)
            else:
                dt = parse_timestamp_text(text)
        except (ValueError, OverflowError, OSError):
            # Keep the body usable: the text survives in *_text, like the vendor keeps the string.
            return None
    else:
        raise ValueError(f"expected a timestamp string, got {type(value).__name__}")
    if dt.tzinfo is None:
        # The API documents UTC; a naive value is read as UTC, not local time.
        dt = dt.replace(tzinfo=UTC)
    return dt


def format_api_timestamp(value: datetime) -> str:
    """Format a datetime the way the API does: ``2020-06-15T08:55:53.606Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class Task(BaseModel):
    """One background task.

    ``params`` is the API's JSON string parsed into a dict (``None`` when empty or not a JSON
    object); ``params_json`` keeps the string as received. ``created_at``/``updated_at`` are
    timezone-aware; ``created_at_text``/``updated_at_text`` keep the API's text.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str = ""
    user_name: str | None = None
    user_id: str | None = None
    status: StatusValue = ""
    params: dict[str, Any] | None = None
    params_json: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_at_text: str | None = None
    updated_at_text: str | None = None
    instance_id: str | None = Field(default=None, description="Set by the client, not by the API.")

    @model_validator(mode="before")
    @classmethod
    def _split_raw_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        _check_lengths(data, _SHORT_FIELDS)
        data = dict(data)
        raw = data.get("params")
        if "params_json" not in data:
            if isinstance(raw, str):
                data["params_json"] = raw
            elif isinstance(raw, (dict, list)):
                data["params_json"] = json.dumps(raw, separators=(",", ":"))
            else:
                data["params_json"] = None
        data["params"] = cls._parse_params(raw)
        for key in ("created_at", "updated_at"):
            value = data.get(key)
            if f"{key}_text" not in data:
                data[f"{key}_text"] = value if isinstance(value, str) and value else None
        return data

    @staticmethod
    def _parse_params(raw: Any) -> dict[str, Any] | None:
        if isinstance(raw, dict):
            return raw
        if not isinstance(raw, str) or not raw.strip():
            return None
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        return parsed if isinstance(parsed, dict) else None

    @field_validator("id")
    @classmethod
    def _id_not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("task id is empty")
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _status_text(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("created_at", "updated_at", mode="before")
    @classmethod
    def _timestamps(cls, value: Any) -> datetime | None:
        return _parse_timestamp(value)

    @property
    def is_terminal(self) -> bool:
        """True once the task reached SUCCESS, FAILED, CANCELLED or DELETED."""
        return self.succeeded or self.failed

    @property
    def succeeded(self) -> bool:
        """True when the status is SUCCESS."""
        return self.status in SUCCESS_STATUSES

    @property
    def failed(self) -> bool:
        """True when the status is FAILED, CANCELLED or DELETED."""
        return self.status in FAILURE_STATUSES

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from ``created_at`` to ``updated_at`` (``None`` if either is missing)."""
        if self.created_at is None or self.updated_at is None:
            return None
        return max(0.0, (self.updated_at - self.created_at).total_seconds())


class TaskList(BaseModel):
    """The show/list envelope: ``task_count`` is the total that match, not the page length."""

    model_config = ConfigDict(extra="allow")

    task_count: int = 0
    tasks: list[Task] = Field(default_factory=list)

    @field_validator("task_count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return 0 if value in (None, "") else value

    @field_validator("tasks", mode="before")
    @classmethod
    def _tasks(cls, value: Any) -> Any:
        return [] if value is None else value


class TaskStep(BaseModel):
    """One step of a task's progress. The API spells the status field ``statue``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str | None = None
    status: str | None = Field(default=None, alias="statue")
    # The vendor SDK types these as integers (epoch milliseconds); accept text too.
    start_time: int | str | None = None
    end_time: int | str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_text(cls, data: Any) -> Any:
        if isinstance(data, dict):
            _check_lengths(data, ("name", "statue", "start_time", "end_time"))
        return data


class TaskProgress(BaseModel):
    """A task's progress: percentage, estimated seconds remaining and steps."""

    model_config = ConfigDict(extra="allow")

    progress_percentage: int | None = None
    remain_time: int | None = None
    step_list: list[TaskStep] = Field(default_factory=list)

    @field_validator("step_list", mode="before")
    @classmethod
    def _steps(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("progress_percentage", "remain_time")
    @classmethod
    def _in_range(cls, value: int | None) -> int | None:
        if value is not None and abs(value) > _MAX_PROGRESS_NUMBER:
            raise ValueError(f"out of range (more than {_MAX_PROGRESS_NUMBER} in size)")
        return value

    @property
    def current_step(self) -> TaskStep | None:
        """The first step in progress, else the first waiting one."""
        for wanted in ("IN_PROGRESS", "WAITING"):
            for step in self.step_list:
                if step.status == wanted:
                    return step
        return None


@dataclass(frozen=True)
class IdleResult:
    """What an idle gate reports: when the instance had no running task, and the tasks it waited for.

    ``waited_for`` holds every task seen ``CREATED`` or ``EXECUTING`` during the wait, with its
    status in the last listing that held it (its final status; a task that ended ``FAILED`` is
    listed too, it does not fail the gate). ``idle_at`` is the client's UTC time of the poll
    that found the instance idle.
    """

    instance_id: str
    idle_at: datetime
    waited_for: tuple[Task, ...] = ()
    polls: int = 1
    elapsed: float = 0.0

    @property
    def idle_at_text(self) -> str:
        """``idle_at`` formatted like the API's timestamps, e.g. ``2024-01-02T03:04:05.678Z``."""
        return format_api_timestamp(self.idle_at)

    def to_dict(self) -> dict[str, Any]:
        """``{"instance_id", "idle_at", "waited_for": [{"task_id", "name", "status"}, ...]}``."""
        return {
            "instance_id": self.instance_id,
            "idle_at": self.idle_at_text,
            "waited_for": [
                {"task_id": t.id, "name": t.name, "status": str(t.status)} for t in self.waited_for
            ],
        }
