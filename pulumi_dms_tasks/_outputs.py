"""How a task becomes Pulumi outputs and function results. Shared by the provider and functions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ._constants import MAX_PARAMS_CHARS

if TYPE_CHECKING:
    from ._models import IdleResult, Task

__all__ = ["IDLE_INPUT_KEYS", "IDLE_OUTPUT_KEYS", "INPUT_KEYS", "OUTPUT_KEYS", "idle_outputs", "task_outputs"]

log = logging.getLogger("pulumi_dms_tasks.outputs")

INPUT_KEYS = (
    "instance_id",
    "task_id",
    "task_name",
    "since",
    "params_match",
    "triggers",
    "wait",
    "timeout",
    "poll_interval",
    "max_poll_interval",
    "region",
    "project_id",
    "endpoint",
)

OUTPUT_KEYS = (
    "task_id",
    "instance_id",
    "name",
    "status",
    "params",
    "params_json",
    "user_name",
    "user_id",
    "created_at",
    "updated_at",
    "succeeded",
    "duration_seconds",
)

IDLE_INPUT_KEYS = (
    "instance_id",
    "timeout",
    "poll_interval",
    "max_poll_interval",
    "triggers",
    "region",
    "project_id",
    "endpoint",
)

IDLE_OUTPUT_KEYS = ("instance_id", "idle_at", "waited_for")


def task_outputs(task: Task, instance_id: str) -> dict[str, Any]:
    """The output values of a task: strings as the API gives them, params parsed.

    ``params_json`` longer than ``MAX_PARAMS_CHARS`` is cut there and marked as truncated, and
    ``params`` is then ``{}``: outputs live in the state, which must not grow by megabytes.
    """
    params = dict(task.params) if task.params is not None else {}
    params_json = task.params_json or ""
    if len(params_json) > MAX_PARAMS_CHARS:
        log.warning(
            "task %s: params of %d characters truncated to %d in outputs",
            task.id,
            len(params_json),
            MAX_PARAMS_CHARS,
        )
        params_json = (
            f"{params_json[:MAX_PARAMS_CHARS]}... [truncated by pulumi-dms-tasks: {len(params_json)} characters, "
            f"limit {MAX_PARAMS_CHARS}]"
        )
        params = {}
    return {
        "task_id": task.id,
        "instance_id": instance_id,
        "name": task.name,
        "status": str(task.status),
        "params": params,
        "params_json": params_json,
        "user_name": task.user_name or "",
        "user_id": task.user_id or "",
        "created_at": task.created_at_text or "",
        "updated_at": task.updated_at_text or "",
        "succeeded": task.succeeded,
        "duration_seconds": task.duration_seconds,
    }


def idle_outputs(result: IdleResult) -> dict[str, Any]:
    """The output values of an idle gate: when, and the tasks waited for as ``{task_id, name, status}``."""
    return result.to_dict()
