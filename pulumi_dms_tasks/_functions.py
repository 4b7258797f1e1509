"""Tasks as data, in the style of generated Pulumi SDKs' ``get_x`` / ``get_x_output`` functions.

They run in the program process (dynamic providers cannot serve invokes), read settings from the
stack config (``huaweicloud:*``) and the environment, read once, and wait only when asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
from pulumi.runtime.config import get_config

from ._client import DmsClient
from ._constants import DEFAULT_IDLE_WINDOW, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT
from ._errors import InvalidInputError
from ._matching import params_contain
from ._models import PENDING_STATUSES, Task, format_api_timestamp
from ._outputs import task_outputs
from ._validation import parse_duration, parse_time, validate_id, validate_params_match, validate_task_name

__all__ = [
    "GetBackgroundTaskResult",
    "GetInstanceIdleResult",
    "ListBackgroundTasksResult",
    "get_background_task",
    "get_background_task_output",
    "get_instance_idle",
    "get_instance_idle_output",
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
    def from_task(cls, task: Task, instance_id: str) -> GetBackgroundTaskResult:
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
    params_match: Mapping[str, Any] | None = None,
    wait: bool = False,
    timeout: float | str = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float | str = DEFAULT_POLL_INTERVAL,
    region: str | None = None,
    project_id: str | None = None,
    endpoint: str | None = None,
) -> GetBackgroundTaskResult:
    """Look a task up by id, or the newest task named ``task_name`` (since, params); wait for it if ``wait``.

    By name, ``wait`` also waits for a matching task to appear. One ``timeout`` covers the lookup
    and the wait. Raises :class:`~pulumi_dms_tasks.NotFoundError` (no such task id),
    :class:`~pulumi_dms_tasks.NoMatchingTaskError` (no task of that name, without ``wait``)
    and, with ``wait``, :class:`~pulumi_dms_tasks.TaskFailedError` / ``TaskTimeoutError``.
    """
    validate_id(instance_id, "instance_id")
    if (task_id is None) == (task_name is None):
        raise InvalidInputError("task_id", "exactly one of task_id and task_name", show_value=False)
    if task_id is not None:
        validate_id(task_id, "task_id")
    else:
        validate_task_name(task_name, "task_name")
    for key, value in (("since", since), ("params_match", params_match)):
        if value is not None and task_name is None:
            raise InvalidInputError(key, "only together with task_name", show_value=False)
    if since is not None:
        parse_time(since, "since")
    if params_match is not None:
        validate_params_match(params_match)
    parse_duration(timeout, "timeout")
    parse_duration(poll_interval, "poll_interval")
    with _client(region, project_id, endpoint) as client:
        if task_id is not None:
            if wait:
                task = client.wait_for_task(
                    instance_id, task_id, timeout=timeout, poll_interval=poll_interval
                )
            else:
                task = client.show_task(instance_id, task_id)
        elif wait:
            task = client.wait_for_latest_task(
                instance_id,
                task_name or "",
                since=since,
                params_match=params_match,
                timeout=timeout,
                poll_interval=poll_interval,
            )
        else:
            task = client.require_latest_task(
                instance_id, task_name or "", since=since, params_match=params_match
            )
        return GetBackgroundTaskResult.from_task(task, instance_id)


def get_background_task_output(
    instance_id: pulumi.Input[str],
    task_id: pulumi.Input[str] | None = None,
    *,
    task_name: pulumi.Input[str] | None = None,
    since: pulumi.Input[str] | None = None,
    params_match: pulumi.Input[Mapping[str, Any]] | None = None,
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
        instance_id,
        task_id,
        task_name,
        since,
        params_match,
        wait,
        timeout,
        poll_interval,
        region,
        project_id,
        endpoint,
    ).apply(
        lambda a: get_background_task(
            a[0],
            a[1],
            task_name=a[2],
            since=a[3],
            params_match=a[4],
            wait=a[5],
            timeout=a[6],
            poll_interval=a[7],
            region=a[8],
            project_id=a[9],
            endpoint=a[10],
        )
    )


def list_background_tasks(
    instance_id: str,
    *,
    name: str | None = None,
    params_match: Mapping[str, Any] | None = None,
    begin_time: str | datetime | None = None,
    end_time: str | datetime | None = None,
    region: str | None = None,
    project_id: str | None = None,
    endpoint: str | None = None,
) -> ListBackgroundTasksResult:
    """Every task of an instance (newest first, all pages), optionally only those called ``name``, whose
    params contain ``params_match``, within a window."""
    validate_id(instance_id, "instance_id")
    if name is not None:
        validate_task_name(name, "name")
    wanted = validate_params_match(params_match) if params_match is not None else None
    begin = parse_time(begin_time, "begin_time") if begin_time is not None else None
    end = parse_time(end_time, "end_time") if end_time is not None else None
    with _client(region, project_id, endpoint) as client:
        tasks = client.list_tasks(instance_id, begin_time=begin, end_time=end)
    return ListBackgroundTasksResult(
        instance_id=instance_id,
        tasks=[
            GetBackgroundTaskResult.from_task(t, instance_id)
            for t in tasks
            if (name is None or t.name == name) and (wanted is None or params_contain(t.params, wanted))
        ],
    )


def list_background_tasks_output(
    instance_id: pulumi.Input[str],
    *,
    name: pulumi.Input[str] | None = None,
    params_match: pulumi.Input[Mapping[str, Any]] | None = None,
    begin_time: pulumi.Input[str] | None = None,
    end_time: pulumi.Input[str] | None = None,
    region: pulumi.Input[str] | None = None,
    project_id: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
) -> pulumi.Output[ListBackgroundTasksResult]:
    """Like :func:`list_background_tasks`, taking Inputs."""
    return pulumi.Output.all(
        instance_id, name, params_match, begin_time, end_time, region, project_id, endpoint
    ).apply(
        lambda a: list_background_tasks(
            a[0],
            name=a[1],
            params_match=a[2],
            begin_time=a[3],
            end_time=a[4],
            region=a[5],
            project_id=a[6],
            endpoint=a[7],
        )
    )


@dataclass(frozen=True)
class GetInstanceIdleResult:
    """Whether an instance runs no task, and which tasks ran.

    ``idle`` is always true after a wait (a wait that ends otherwise raises). ``idle_at`` is when
    the instance was found idle (``""`` when it was not); ``waited_for`` the tasks that ran while
    the function waited, with their final status; ``running`` the tasks running at the last look
    (empty when idle). Tasks are ``{"task_id", "name", "status"}``.
    """

    instance_id: str
    idle: bool
    idle_at: str = ""
    waited_for: list[dict[str, str]] = field(default_factory=list)
    running: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (what ``pulumi.export`` can serialise)."""
        return asdict(self)


def get_instance_idle(
    instance_id: str,
    *,
    wait: bool = True,
    timeout: float | str = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float | str = DEFAULT_POLL_INTERVAL,
    max_poll_interval: float | str | None = None,
    region: str | None = None,
    project_id: str | None = None,
    endpoint: str | None = None,
) -> GetInstanceIdleResult:
    """Wait until no task of the instance is ``CREATED`` or ``EXECUTING`` (with ``wait=False``: look once).

    Raises :class:`~pulumi_dms_tasks.errors.IdleTimeoutError` naming the tasks still running at
    the timeout. A task that ends ``FAILED`` meanwhile does not fail it; it is in ``waited_for``.
    """
    validate_id(instance_id, "instance_id")
    parse_duration(timeout, "timeout")
    parse_duration(poll_interval, "poll_interval")
    if max_poll_interval is not None:
        parse_duration(max_poll_interval, "max_poll_interval")
    with _client(region, project_id, endpoint) as client:
        if wait:
            result = client.wait_for_idle(
                instance_id, timeout=timeout, poll_interval=poll_interval, max_poll_interval=max_poll_interval
            )
            doc = result.to_dict()
            return GetInstanceIdleResult(instance_id, True, doc["idle_at"], doc["waited_for"], [])
        begin = datetime.now(UTC) - timedelta(seconds=DEFAULT_IDLE_WINDOW)
        running = [
            t for t in client.list_tasks(instance_id, begin_time=begin) if t.status in PENDING_STATUSES
        ]
    listed = [{"task_id": t.id, "name": t.name, "status": str(t.status)} for t in running]
    if listed:
        return GetInstanceIdleResult(instance_id, False, "", [], listed)
    return GetInstanceIdleResult(instance_id, True, format_api_timestamp(datetime.now(UTC)), [], [])


def get_instance_idle_output(
    instance_id: pulumi.Input[str],
    *,
    wait: pulumi.Input[bool] = True,
    timeout: pulumi.Input[float] | pulumi.Input[str] = DEFAULT_WAIT_TIMEOUT,
    poll_interval: pulumi.Input[float] | pulumi.Input[str] = DEFAULT_POLL_INTERVAL,
    max_poll_interval: pulumi.Input[float] | pulumi.Input[str] | None = None,
    region: pulumi.Input[str] | None = None,
    project_id: pulumi.Input[str] | None = None,
    endpoint: pulumi.Input[str] | None = None,
) -> pulumi.Output[GetInstanceIdleResult]:
    """Like :func:`get_instance_idle`, taking Inputs; runs once they are known (e.g. after a change's outputs)."""
    return pulumi.Output.all(
        instance_id, wait, timeout, poll_interval, max_poll_interval, region, project_id, endpoint
    ).apply(
        lambda a: get_instance_idle(
            a[0],
            wait=a[1],
            timeout=a[2],
            poll_interval=a[3],
            max_poll_interval=a[4],
            region=a[5],
            project_id=a[6],
            endpoint=a[7],
        )
    )
