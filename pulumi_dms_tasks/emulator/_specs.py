"""Validation of the task descriptions the admin API, the Python handle and ``--tasks`` accept.

Every problem raises :class:`SpecError` naming the offending field (``timeline[1].after``), so a
typo in a test fixture fails loudly instead of silently seeding the wrong task.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from .._models import parse_timestamp_text, to_utc
from ._timeline import DEFAULT_TIMELINE, TimelineEntry

__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_TASK_NAME",
    "DEFAULT_USER_NAME",
    "EARLIEST_CREATED_AT",
    "ENGINES",
    "ENGINES_WITH_PROGRESS",
    "LATEST_CREATED_AT",
    "MAX_AFTER_SECONDS",
    "MAX_INSTANCE_ID_LENGTH",
    "TASK_ID_PATTERN",
    "TIMELINE_STARTS",
    "DuplicateTaskError",
    "SpecError",
    "TaskSpec",
    "default_user_id",
    "parse_busy_tasks",
    "parse_change",
    "parse_created_at",
    "parse_engine",
    "parse_instance_id",
    "parse_instances_file",
    "parse_params",
    "parse_task_id",
    "parse_task_spec",
    "parse_timeline",
    "parse_timeline_start",
]

DEFAULT_TASK_NAME = "bindInstancePublicIp"
DEFAULT_USER_NAME = "emulator-user"
TASK_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
_TASK_KEYS = {
    "name",
    "params",
    "user_name",
    "user_id",
    "timeline",
    "timeline_start",
    "created_at",
    "progress",
    "id",
}
# "created": the timeline runs from the task's creation. "first_read": it runs from the first API
# read of the task, so a test or demo sees the whole timeline however long its own set-up takes.
TIMELINE_STARTS = ("created", "first_read")
_ENTRY_KEYS = {"status", "after", "step"}
# The three DMS engines share the task API (same paths and models in their vendor SDKs); only
# RabbitMQ has no progress API, so its instances answer that path as the gateway answers any
# unknown path.
ENGINES = ("kafka", "rabbitmq", "rocketmq")
ENGINES_WITH_PROGRESS = frozenset({"kafka", "rocketmq"})
DEFAULT_ENGINE = "kafka"
# A change's task, unless told otherwise: running at once, done a few seconds later.
DEFAULT_CHANGE_SECONDS = 3.0
_CHANGE_KEYS = {"name", "params", "user_name", "timeline", "timeline_start", "progress"}
_BUSY_KEYS = {"name", "params", "user_name", "seconds", "final", "progress"}
MAX_BUSY_TASKS = 100
# What the API can render and every client can convert to its local time zone: a timestamp near
# datetime.max overflows on the first astimezone(), and later arithmetic (created_at + after) with it.
EARLIEST_CREATED_AT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_CREATED_AT = datetime(2999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
MAX_AFTER_SECONDS = 100 * 366 * 86400  # a century: "never finishes" without overflowing a date
MAX_INSTANCE_ID_LENGTH = 256


class SpecError(ValueError):
    """An invalid task or fault description; ``field`` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class DuplicateTaskError(SpecError):
    """A task id that the instance already has."""


@dataclass(frozen=True)
class TaskSpec:
    """A validated task description, ready for the store."""

    name: str = DEFAULT_TASK_NAME
    params_json: str = ""
    user_name: str = DEFAULT_USER_NAME
    user_id: str | None = None
    timeline: tuple[TimelineEntry, ...] = DEFAULT_TIMELINE
    created_at: datetime | None = None
    progress: bool = True
    task_id: str | None = None
    timeline_start: str = "created"


def default_user_id(user_name: str) -> str:
    """A stable 32-hex user id derived from the user name (IAM ids look like this)."""
    return hashlib.md5(user_name.encode("utf-8"), usedforsecurity=False).hexdigest()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any, field: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise SpecError(field, "must be a non-empty string" if not allow_empty else "must be a string")
    return value


def parse_timeline(value: Any, field: str = "timeline") -> tuple[TimelineEntry, ...]:
    """``[{"status": "EXECUTING", "after": 0}, ...]`` -> entries sorted by ``after``."""
    if not isinstance(value, (list, tuple)):
        raise SpecError(field, "must be a list of {status, after} objects")
    entries = []
    for i, item in enumerate(value):
        where = f"{field}[{i}]"
        if isinstance(item, TimelineEntry):
            entries.append(item)
            continue
        if not isinstance(item, Mapping):
            raise SpecError(where, "must be an object with status and after")
        unknown = sorted(set(item) - _ENTRY_KEYS)
        if unknown:
            raise SpecError(f"{where}.{unknown[0]}", "unknown field")
        status = _text(item.get("status"), f"{where}.status")
        after = item.get("after", 0)
        if not _is_number(after) or not math.isfinite(after) or not 0 <= after <= MAX_AFTER_SECONDS:
            raise SpecError(
                f"{where}.after", f"must be a number of seconds between 0 and {MAX_AFTER_SECONDS} (100 years)"
            )
        step = item.get("step")
        if step is not None:
            step = _text(step, f"{where}.step")
        entries.append(TimelineEntry(status=status, after=float(after), step=step))
    # sorted() is stable: entries scripted at the same second keep their written order.
    return tuple(sorted(entries, key=lambda e: e.after))


def parse_timeline_start(value: Any, field: str = "timeline_start") -> str:
    """``"created"`` (the default) or ``"first_read"``."""
    if value is None:
        return "created"
    if value not in TIMELINE_STARTS:
        raise SpecError(field, "must be 'created' or 'first_read'")
    return str(value)


def parse_params(value: Any, field: str = "params") -> str:
    """The wire's ``params``: a dict/list is serialised compactly, a string kept, ``None`` -> ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise SpecError(field, f"is not JSON-serialisable: {exc}") from None
    raise SpecError(field, "must be an object, a JSON string or null")


def parse_created_at(value: Any, field: str = "created_at") -> datetime | None:
    """An aware datetime or ISO-8601 text (``Z`` allowed; naive means UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parse_timestamp_text(value)
        except ValueError:
            raise SpecError(field, "must be an ISO-8601 timestamp such as 2024-01-02T03:04:05Z") from None
    else:
        raise SpecError(field, "must be an ISO-8601 timestamp string")
    utc = to_utc(parsed)  # None: 9999-12-31T23:59:59-01:00 has no UTC datetime
    if utc is None or not EARLIEST_CREATED_AT <= utc <= LATEST_CREATED_AT:
        raise SpecError(field, "must be between 1970-01-01T00:00:00Z and 2999-12-31T23:59:59Z")
    return utc


def parse_task_id(value: Any, field: str = "id") -> str | None:
    """``None`` or a 32 lower-case hex task id."""
    if value is None:
        return None
    if not isinstance(value, str) or not TASK_ID_PATTERN.fullmatch(value):
        raise SpecError(field, "must be 32 lower-case hexadecimal characters")
    return value


def parse_task_spec(body: Any, field: str = "") -> TaskSpec:
    """Validate an admin ``POST .../tasks`` body (or one entry of a ``--tasks`` file)."""
    prefix = f"{field}." if field else ""
    if not isinstance(body, Mapping):
        raise SpecError(field or "body", "must be a JSON object")
    unknown = sorted(set(body) - _TASK_KEYS)
    if unknown:
        raise SpecError(prefix + unknown[0], "unknown field")
    name = _text(body.get("name", DEFAULT_TASK_NAME), prefix + "name")
    user_name = _text(body.get("user_name", DEFAULT_USER_NAME), prefix + "user_name", allow_empty=True)
    user_id = body.get("user_id")
    if user_id is not None:
        user_id = _text(user_id, prefix + "user_id", allow_empty=True)
    timeline = body.get("timeline")
    progress = body.get("progress", True)
    if not isinstance(progress, bool):
        raise SpecError(prefix + "progress", "must be true or false")
    return TaskSpec(
        name=name,
        params_json=parse_params(body.get("params"), prefix + "params"),
        user_name=user_name,
        user_id=user_id,
        timeline=DEFAULT_TIMELINE if timeline is None else parse_timeline(timeline, prefix + "timeline"),
        created_at=parse_created_at(body.get("created_at"), prefix + "created_at"),
        progress=progress,
        task_id=parse_task_id(body.get("id"), prefix + "id"),
        timeline_start=parse_timeline_start(body.get("timeline_start"), prefix + "timeline_start"),
    )


def parse_engine(value: Any, field: str = "engine") -> str:
    """``"kafka"`` (the default when ``None``), ``"rabbitmq"`` or ``"rocketmq"``."""
    if value is None:
        return DEFAULT_ENGINE
    if value not in ENGINES:
        raise SpecError(field, "must be one of " + ", ".join(repr(e) for e in ENGINES))
    return str(value)


def parse_change(body: Any) -> TaskSpec:
    """The admin ``POST .../changes`` body: the task a change starts, created at the call.

    Like a change the real API answers with 204 and no task id: ``created_at`` and ``id`` cannot be
    chosen. The default timeline runs for :data:`DEFAULT_CHANGE_SECONDS`, then succeeds.
    """
    if not isinstance(body, Mapping):
        raise SpecError("body", "must be a JSON object")
    unknown = sorted(set(body) - _CHANGE_KEYS)
    if unknown:
        raise SpecError(unknown[0], "unknown field")
    spec = parse_task_spec(body)
    if body.get("timeline") is None:
        spec = replace(spec, timeline=_running_for(DEFAULT_CHANGE_SECONDS, "SUCCESS"))
    return spec


def _running_for(seconds: float, final: str) -> tuple[TimelineEntry, ...]:
    return (TimelineEntry("EXECUTING", 0.0), TimelineEntry(final, seconds))


def parse_busy_tasks(body: Any) -> list[TaskSpec]:
    """The admin ``POST .../busy`` body: ``{"tasks": [{"name", "seconds", "final", ...}, ...]}``.

    Each task is created at the call, ``EXECUTING`` at once and ``final`` (default ``SUCCESS``)
    after ``seconds``: an instance kept busy, for gates that wait until it is idle.
    """
    if not isinstance(body, Mapping):
        raise SpecError("body", "must be a JSON object")
    unknown = sorted(set(body) - {"tasks"})
    if unknown:
        raise SpecError(unknown[0], "unknown field")
    tasks = body.get("tasks")
    if not isinstance(tasks, list) or not 1 <= len(tasks) <= MAX_BUSY_TASKS:
        raise SpecError("tasks", f"must be a list of 1 to {MAX_BUSY_TASKS} task objects")
    specs = []
    for i, item in enumerate(tasks):
        where = f"tasks[{i}]"
        if not isinstance(item, Mapping):
            raise SpecError(where, "must be an object")
        extra = sorted(set(item) - _BUSY_KEYS)
        if extra:
            raise SpecError(f"{where}.{extra[0]}", "unknown field")
        seconds = item.get("seconds", DEFAULT_CHANGE_SECONDS)
        if not _is_number(seconds) or not math.isfinite(seconds) or not 0 < seconds <= MAX_AFTER_SECONDS:
            raise SpecError(
                f"{where}.seconds", f"must be a number of seconds above 0 and at most {MAX_AFTER_SECONDS}"
            )
        final = item.get("final", "SUCCESS")
        if final not in ("SUCCESS", "FAILED", "CANCELLED"):
            raise SpecError(f"{where}.final", "must be 'SUCCESS', 'FAILED' or 'CANCELLED'")
        fields = {k: v for k, v in item.items() if k in ("name", "params", "user_name", "progress")}
        spec = parse_task_spec(fields, where)
        specs.append(replace(spec, timeline=_running_for(float(seconds), str(final))))
    return specs


def parse_instance_id(value: Any, field: str = "instance_id") -> str:
    """A non-empty instance id that can sit in one URL path segment."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > MAX_INSTANCE_ID_LENGTH
        or value in (".", "..")
        or any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise SpecError(
            field,
            f"must be a non-empty string of at most {MAX_INSTANCE_ID_LENGTH} characters, "
            "without '/', '\\' or control characters, and not '.' or '..'",
        )
    return value


def parse_instances_file(document: Any) -> dict[str, list[TaskSpec]]:
    """``{"instances": {"<instance_id>": [<task spec>, ...]}}`` -> specs per instance."""
    if not isinstance(document, Mapping) or set(document) - {"instances"}:
        raise SpecError("body", 'must be an object with a single "instances" key')
    instances = document.get("instances", {})
    if not isinstance(instances, Mapping):
        raise SpecError("instances", "must map instance ids to lists of tasks")
    out: dict[str, list[TaskSpec]] = {}
    for instance_id, tasks in instances.items():
        where = f"instances.{instance_id}"
        parse_instance_id(instance_id, where)
        if not isinstance(tasks, list):
            raise SpecError(where, "must be a list of tasks")
        out[instance_id] = [parse_task_spec(t, f"{where}[{i}]") for i, t in enumerate(tasks)]
    return out
