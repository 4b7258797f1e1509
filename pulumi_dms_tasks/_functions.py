"""Tasks as data, in the style of generated Pulumi SDKs' ``get_x`` / ``get_x_output`` functions.

They run in the program process (dynamic providers cannot serve invokes), read settings from the
stack config (``huaweicloud:*``) and the environment, read once, and wait only when asked.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import pulumi
from pulumi.runtime.config import get_config

from ._constants import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT
from ._client import DmsClient
from ._errors import DmsError, InvalidInputError
from ._models import Task
from ._outputs import task_outputs
from ._validation import parse_duration, parse_time, validate_id, validate_task_name

__all__ = [
    "GetBackgroundTaskResult",
    "ListBackgroundTasksResult",
    "get_background_task",
    "get_background_task_output",
    "list_background_tasks",
    "list_background_tasks_output",
]


@dataclass(frozen=True)
class GetBackgroundTaskResult:
    """A task as plain values (the same fields as :class:`BackgroundTask`'s outputs)."""

    task_id: str
    instance_id: str
    name: str
    status: str
    params: dict[str, Any] = field(default_factory=dict)
    params_json: str = ""
    user_name: str = ""
    user_id: str = ""
    created_at: str = ""
    updated_at: str = ""
    succeeded: bool = False
    duration_seconds: float | None = None

    @property
    def id(self) -> str:
        """``"<instance_id>/<task_id>"``, the same id a ``BackgroundTask`` gets."""
        return f"{self.instance_id}/{self.task_id}"

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (what ``pulumi.export`` can serialise)."""
        return asdict(self)

    @classmethod
    def from_task(cls, task: Task, instance_id: str) -> "GetBackgroundTaskResult":
        return cls(**task_outputs(task, instance_id))


@dataclass(frozen=True)
class ListBackgroundTasksResult:
    """Tasks of an instance, newest first."""

    instance_id: str
    tasks: list[GetBackgroundTaskResult]

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (what ``pulumi.export`` can serialise)."""
        return {"instance_id": self.instance_id, "tasks": [t.to_dict() for t in self.tasks]}


def _client(region: str | None, project_id: str | None, endpoint: str | None) -> DmsClient:
    # pulumi.Config().get() warns on secrets; get_config reads the raw value the engine passed in
    # (None outside a Pulumi program).
    return DmsClient(region=region, project_id=project_id, endpoint=endpoint, config=get_config)


def get_background_task(
    instance_id: str,
    task_id: str | None = None,
    *,
    task_name: str | None = None,
    since: str | datetime | None = None,
    wait: bool = False,
    timeout: float | str = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float | str = DEFAULT_POLL_INTERVAL,
    region: str | None = None,
    project_id: str | None = None,
    endpoint: str | None = None,
) -> GetBackgroundTaskResult:
    """Look a task up by id, or the newest task named ``task_name``; wait for it if ``wait``.

    Raises :class:`~pulumi_dms_tasks._errors.NotFoundError` (no such task) and, with ``wait``,
    :class:`~pulumi_dms_tasks._errors.TaskFailedError` / ``TaskTimeoutError``.
    """
    validate_id(instance_id, "instance_id")
    if (task_id is None) == (task_name is None):
        raise InvalidInputError("task_id", "exactly one of task_id and task_name", show_value=False)
    if task_id is not None:
        validate_id(task_id, "task_id")
    else:
        validate_task_name(task_name, "task_name")
    if since is not None:
        if task_name is None:
            raise InvalidInputError("since", "only together with task_name", show_value=False)
        parse_time(since, "since")
    budget = parse_duration(timeout, "timeout")
    parse_duration(poll_interval, "poll_interval")
    # With wait, one deadline covers the lookup and the wait; without, each call has the client's bound.
    end = time.monotonic() + budget

    def left() -> float:
        return max(0.001, end - time.monotonic())

    with _client(region, project_id, endpoint) as client:
        if task_id is None:
            found = client.find_latest_task(instance_id, task_name or "", since=since, timeout=left() if wait else None)
            if found is None:
                after = f" created since {since}" if since else ""
                raise DmsError(f"no task named {task_name!r}{after} on instance {instance_id}")
            task = found
        else:
            task = client.show_task(instance_id, task_id, timeout=left() if wait else None)
        if wait and not task.succeeded:
            task = client.wait_for_task(instance_id, task.id, timeout=left(), poll_interval=poll_interval)
        return GetBackgroundTaskResult.from_task(task, instance_id)


def get_background_task_output(
    instance_id: pulumi.Input[str],
    task_id: pulumi.Input[str] | None = None,
    *,
    task_name: pulumi.Input[str] | None = None,
    since: pulumi.Input[str] | None = None,
    wait: pulumi.Input[bool] = False,
    timeout: pulumi.Input[float] | pulumi.Input[str] = DEFAULT_WAIT_TIMEOUT,
    poll_interval: pulumi.Input[float] | pulumi.Input[str] = DEFAULT_POLL_INTERVAL,
    region: pulumi.Input[str] | None = None,
    project_id: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
) -> pulumi.Output[GetBackgroundTaskResult]:
    """Like :func:`get_background_task`, taking Inputs; runs once they are known.

    Attribute access lifts: ``get_background_task_output(...).status`` is an ``Output[str]``.
    """
    return pulumi.Output.all(
        instance_id, task_id, task_name, since, wait, timeout, poll_interval, region, project_id, endpoint
    ).apply(
        lambda a: get_background_task(
            a[0], a[1], task_name=a[2], since=a[3], wait=a[4], timeout=a[5], poll_interval=a[6],
            region=a[7], project_id=a[8], endpoint=a[9],
        )
    )


def list_background_tasks(
    instance_id: str,
    *,
    name: str | None = None,
    begin_time: str | datetime | None = None,
    end_time: str | datetime | None = None,
    region: str | None = None,
    project_id: str | None = None,
    endpoint: str | None = None,
) -> ListBackgroundTasksResult:
    """Every task of an instance (newest first), optionally only those called ``name`` and within a window."""
    validate_id(instance_id, "instance_id")
    if name is not None:
        validate_task_name(name, "name")
    begin = parse_time(begin_time, "begin_time") if begin_time is not None else None
    end = parse_time(end_time, "end_time") if end_time is not None else None
    with _client(region, project_id, endpoint) as client:
        tasks = client.list_tasks(instance_id, begin_time=begin, end_time=end)
    return ListBackgroundTasksResult(
        instance_id=instance_id,
        tasks=[GetBackgroundTaskResult.from_task(t, instance_id) for t in tasks if name is None or t.name == name],
    )


def list_background_tasks_output(
    instance_id: pulumi.Input[str],
    *,
    name: pulumi.Input[str] | None = None,
    begin_time: pulumi.Input[str] | None = None,
    end_time: pulumi.Input[str] | None = None,
    region: pulumi.Input[str] | None = None,
    project_id: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
) -> pulumi.Output[ListBackgroundTasksResult]:
    """Like :func:`list_background_tasks`, taking Inputs."""
    return pulumi.Output.all(instance_id, name, begin_time, end_time, region, project_id, endpoint).apply(
        lambda a: list_background_tasks(
            a[0], name=a[1], begin_time=a[2], end_time=a[3], region=a[4], project_id=a[5], endpoint=a[6]
        )
    )
