"""``BackgroundTask`` and ``InstanceIdle``: read-only Pulumi resources that gate on DMS background tasks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, overload

import pulumi
import pulumi.dynamic

from ._outputs import IDLE_OUTPUT_KEYS, INPUT_KEYS, OUTPUT_KEYS
from .provider import BackgroundTaskProvider, InstanceIdleProvider

__all__ = ["BackgroundTask", "BackgroundTaskArgs", "InstanceIdle", "InstanceIdleArgs"]


class BackgroundTaskArgs:
    """The inputs of a :class:`BackgroundTask`.

    :param instance_id: the DMS (Kafka, RabbitMQ, RocketMQ) instance id.
    :param task_id: the task id; or give ``task_name`` instead.
    :param task_name: the newest task of this name (e.g. ``bindInstancePublicIp``) is used.
    :param since: with ``task_name``: only tasks created at or after this time (ISO 8601,
        ``YYYYMMDDHHmmss`` UTC, or a datetime). Pass the time the program started, so a task
        older than this run's change is never taken.
    :param params_match: with ``task_name``: a mapping the task's parsed params must contain
        (nested mappings recursively; values compared as JSON values: ``True`` is not ``1``).
    :param triggers: any values; when they change the resource is replaced, so the task is
        looked up and waited for again (like ``triggers`` of ``pulumi-command``). With
        ``triggers`` set, a changed ``since`` alone does not replace the resource.
    :param wait: wait for a terminal status (default ``True``); a failure fails the deployment.
    :param timeout: how long to wait: seconds or ``"20m"``-style (default 20 minutes).
    :param poll_interval: the first delay between polls (default 5 s); backs off with jitter up
        to ``max_poll_interval`` (default 30 s).
    :param region: overrides ``huaweicloud:region`` for this resource.
    :param project_id: overrides ``huaweicloud:projectId`` for this resource.
    :param endpoint: overrides the DMS endpoint (e.g. the emulator's URL) for this resource.
    """

    def __init__(
        self,
        *,
        instance_id: pulumi.Input[str],
        task_id: pulumi.Input[str] | None = None,
        task_name: pulumi.Input[str] | None = None,
        since: pulumi.Input[str] | datetime | None = None,
        params_match: pulumi.Input[Mapping[str, Any]] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        wait: pulumi.Input[bool] | None = None,
        timeout: pulumi.Input[str] | pulumi.Input[float] | None = None,
        poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        max_poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
    ) -> None:
        self.instance_id = instance_id
        self.task_id = task_id
        self.task_name = task_name
        self.since = since.isoformat() if isinstance(since, datetime) else since
        self.params_match = params_match
        self.triggers = triggers
        self.wait = wait
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.region = region
        self.project_id = project_id
        self.endpoint = endpoint

    def _props(self) -> dict[str, Any]:
        return dict(vars(self))


class BackgroundTask(pulumi.dynamic.Resource, module="dms", name="BackgroundTask"):
    """A DMS background task as a read-only resource (type ``pulumi-python:dynamic/dms:BackgroundTask``).

    Creating it finds the task and, with ``wait=True`` (the default), waits until it reaches a
    terminal status: SUCCESS creates the resource; FAILED, CANCELLED, DELETED or the timeout fail
    the deployment, so resources that depend on it (``depends_on=[task]`` or through its outputs)
    are not created. It never changes or deletes anything in the cloud. Its id is
    ``"<instance_id>/<task_id>"``.
    """

    task_id: pulumi.Output[str]
    """The task id."""
    instance_id: pulumi.Output[str]
    """The instance the task belongs to."""
    name: pulumi.Output[str]
    """The task name, e.g. ``bindInstancePublicIp``."""
    status: pulumi.Output[str]
    """CREATED, EXECUTING, SUCCESS, FAILED, DELETED, CANCELLED (or a newer value)."""
    params: pulumi.Output[dict[str, Any]]
    """The task parameters, parsed from the API's JSON string (``{}`` when none)."""
    params_json: pulumi.Output[str]
    """The task parameters as the raw JSON string the API returned."""
    user_name: pulumi.Output[str]
    """Who started the task."""
    user_id: pulumi.Output[str]
    """The id of who started the task."""
    created_at: pulumi.Output[str]
    """Start time as the API gives it, e.g. ``2020-06-15T08:55:53.606Z``."""
    updated_at: pulumi.Output[str]
    """End (last update) time as the API gives it."""
    succeeded: pulumi.Output[bool]
    """True when the status is SUCCESS."""
    duration_seconds: pulumi.Output[float | None]
    """Seconds from ``created_at`` to ``updated_at``."""

    @overload
    def __init__(
        self, resource_name: str, args: BackgroundTaskArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        instance_id: pulumi.Input[str],
        task_id: pulumi.Input[str] | None = None,
        task_name: pulumi.Input[str] | None = None,
        since: pulumi.Input[str] | datetime | None = None,
        params_match: pulumi.Input[Mapping[str, Any]] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        wait: pulumi.Input[bool] | None = None,
        timeout: pulumi.Input[str] | pulumi.Input[float] | None = None,
        poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        max_poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        args_obj, opts = _split_args(BackgroundTaskArgs, "BackgroundTask", args, kwargs)
        props = args_obj._props() if args_obj is not None else {}
        if args_obj is None:
            raise TypeError("BackgroundTask needs instance_id and task_id (or task_name)")
        for key in OUTPUT_KEYS:
            props.setdefault(key, None)
        # Lets the provider name the resource in its progress lines (they carry no URN).
        props["resource_name"] = resource_name
        super().__init__(BackgroundTaskProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str,
        id: pulumi.Input[str],  # noqa: A002 - the name every Pulumi SDK gives get()'s id
        opts: pulumi.ResourceOptions | None = None,
        *,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
    ) -> BackgroundTask:
        """Read an existing task as a data source; ``id`` is ``"<instance_id>/<task_id>"``.

        It is read again on every ``pulumi preview`` and ``pulumi up`` (outputs are known during
        preview), never waits, and ``pulumi destroy`` only forgets it.
        """
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        props: dict[str, Any] = {k: None for k in (*INPUT_KEYS, *OUTPUT_KEYS)}
        props.update({"region": region, "project_id": project_id, "endpoint": endpoint})
        resource = BackgroundTask.__new__(BackgroundTask)
        pulumi.dynamic.Resource.__init__(resource, BackgroundTaskProvider(), resource_name, props, opts)
        return resource


class InstanceIdleArgs:
    """The inputs of an :class:`InstanceIdle`.

    :param instance_id: the DMS (Kafka, RabbitMQ, RocketMQ) instance id.
    :param timeout: how long to wait for the instance to be idle (default 20 minutes).
    :param poll_interval: the first delay between polls (default 5 s), backing off with jitter to
        ``max_poll_interval`` (default 30 s).
    :param triggers: any values; when they change the gate is replaced and waits again.
    :param region: overrides ``huaweicloud:region`` for this resource.
    :param project_id: overrides ``huaweicloud:projectId`` for this resource.
    :param endpoint: overrides the DMS endpoint (e.g. the emulator's URL) for this resource.
    """

    def __init__(
        self,
        *,
        instance_id: pulumi.Input[str],
        timeout: pulumi.Input[str] | pulumi.Input[float] | None = None,
        poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        max_poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
    ) -> None:
        self.instance_id = instance_id
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.triggers = triggers
        self.region = region
        self.project_id = project_id
        self.endpoint = endpoint

    def _props(self) -> dict[str, Any]:
        return dict(vars(self))


class InstanceIdle(pulumi.dynamic.Resource, module="dms", name="InstanceIdle"):
    """A gate that waits until a DMS instance runs no task (type ``pulumi-python:dynamic/dms:InstanceIdle``).

    Creating it polls the instance's task list until no task is ``CREATED`` or ``EXECUTING``; a
    second change that the service would refuse while a task runs (``DMS.00400026``) can then
    ``depends_on`` it. At the timeout it fails the deployment naming the tasks still running. A
    task that ends ``FAILED`` meanwhile does not fail the gate (the instance is idle again) but is
    listed in ``waited_for``. It never changes anything in the cloud; ``triggers`` make it wait again.
    """

    instance_id: pulumi.Output[str]
    """The instance that was idle."""
    idle_at: pulumi.Output[str]
    """When the gate found the instance idle (UTC, like ``2024-01-02T03:04:05.678Z``)."""
    waited_for: pulumi.Output[list[dict[str, str]]]
    """The tasks that were running, as ``{"task_id", "name", "status"}`` with their final status."""

    @overload
    def __init__(
        self, resource_name: str, args: InstanceIdleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None: ...

    @overload
    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        instance_id: pulumi.Input[str],
        timeout: pulumi.Input[str] | pulumi.Input[float] | None = None,
        poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        max_poll_interval: pulumi.Input[str] | pulumi.Input[float] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
    ) -> None: ...

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        args_obj, opts = _split_args(InstanceIdleArgs, "InstanceIdle", args, kwargs)
        if args_obj is None:
            raise TypeError("InstanceIdle needs instance_id")
        props = args_obj._props()
        for key in IDLE_OUTPUT_KEYS:
            props.setdefault(key, None)
        props["resource_name"] = resource_name
        super().__init__(InstanceIdleProvider(), resource_name, props, opts)


def _split_args(
    args_class: type[Any], resource: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, pulumi.ResourceOptions | None]:
    opts = kwargs.pop("opts", None)
    args_obj = kwargs.pop("args", None)
    rest = list(args)
    if rest and isinstance(rest[0], args_class):
        args_obj = rest.pop(0)
    if rest:
        if (
            opts is not None
            or len(rest) > 1
            or not (rest[0] is None or isinstance(rest[0], pulumi.ResourceOptions))
        ):
            raise TypeError(
                f"{resource}(resource_name, args=None, opts=None, **inputs): unexpected positional argument"
            )
        opts = rest[0]
    if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
        raise TypeError("opts: expected a pulumi.ResourceOptions instance")
    if kwargs:
        if args_obj is not None:
            raise TypeError(f"give inputs either as {args_class.__name__} or as keyword arguments, not both")
        unknown = set(kwargs) - set(args_class.__init__.__code__.co_varnames)
        if unknown:
            raise TypeError(f"{resource} got unexpected input(s): {', '.join(sorted(unknown))}")
        args_obj = args_class(**kwargs)
    return args_obj, opts
