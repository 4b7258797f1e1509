"""How a task becomes Pulumi outputs and function results. Shared by the provider and functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Task

__all__ = ["INPUT_KEYS", "OUTPUT_KEYS", "task_outputs"]

INPUT_KEYS = (
    "instance_id",
    "task_id",
    "task_name",
    "since",
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


def task_outputs(task: "Task", instance_id: str) -> dict[str, Any]:
    """The output values of a task: strings as the API gives them, params parsed."""
    return {
        "task_id": task.id,
        "instance_id": instance_id,
        "name": task.name,
        "status": str(task.status),
        "params": dict(task.params) if task.params is not None else {},
        "params_json": task.params_json or "",
        "user_name": task.user_name or "",
        "user_id": task.user_id or "",
        "created_at": task.created_at_text or "",
        "updated_at": task.updated_at_text or "",
        "succeeded": task.succeeded,
        "duration_seconds": task.duration_seconds,
    }
