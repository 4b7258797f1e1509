"""The dynamic providers behind :class:`~pulumi_dms_tasks.BackgroundTask` and
:class:`~pulumi_dms_tasks.InstanceIdle`.

This module path and these class names are part of every stack's state (the providers are
pickled by reference): never move or rename them. The pickled objects carry no settings or
credentials; they are read in ``configure`` inside the provider process from the stack config
(``huaweicloud:*``) and the environment.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from . import _cancellation as cancellation
from ._constants import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, PROVIDER_HEARTBEAT_SECONDS
from ._errors import IdleTimeoutError, InvalidInputError, NotFoundError, TaskCancelledError
from ._outputs import IDLE_INPUT_KEYS, IDLE_OUTPUT_KEYS, INPUT_KEYS, OUTPUT_KEYS, idle_outputs, task_outputs
from ._settings import ClientSettings, resolve_settings
from ._validation import (
    parse_duration,
    parse_time,
    validate_bool,
    validate_endpoint,
    validate_id,
    validate_params_match,
    validate_region,
    validate_task_name,
)

if TYPE_CHECKING:
    # requests and pydantic load on the first call that needs the API, not when the engine
    # unpickles this provider (every provider process does, even for a preview).
    from ._client import DmsClient
    from ._models import Task
    from ._waiting import WaitProgress

__all__ = [
    "BackgroundTaskProvider",
    "InstanceIdleProvider",
    "parse_resource_id",
    "validate_idle_inputs",
    "validate_inputs",
]

# PULUMI_DMS_TASKS_LOG=DEBUG (or INFO) makes the provider log each request/poll to stderr, which the
# CLI shows as diagnostics. Log lines never contain credentials.
LOG_ENV = "PULUMI_DMS_TASKS_LOG"
REPLACE_KEYS = (
    "instance_id",
    "task_id",
    "task_name",
    "since",
    "params_match",
    "triggers",
    "region",
    "project_id",
    "endpoint",
)
IDLE_REPLACE_KEYS = ("instance_id", "triggers", "region", "project_id", "endpoint")


# ReadResult took `inputs` in a later SDK (pulumi/pulumi#21315) than the oldest one we support
# (3.139); hosts before it keep the inputs recorded at create, which is what we return anyway
# except for a by-name resource (there, only a refresh on a newer SDK drops the found id).
_READ_RESULT_TAKES_INPUTS = "inputs" in inspect.signature(ReadResult.__init__).parameters


def _read_result(id_: str, outs: dict[str, Any], inputs: dict[str, Any]) -> ReadResult:
    if _READ_RESULT_TAKES_INPUTS:
        return ReadResult(id_, outs, inputs)
    return ReadResult(id_, outs)


def _known(value: Any) -> bool:
    # The engine sends unknowns as pulumi.output.Unknown (check/diff) or as the sentinel string.
    return value is not None and not isinstance(value, Unknown) and value != UNKNOWN


def _fully_known(value: Any) -> bool:
    """Known all the way down (a preview can leave a value inside a mapping unknown)."""
    if not _known(value):
        return False
    if isinstance(value, dict):
        return all(_fully_known(v) for v in value.values() if v is not None)
    if isinstance(value, (list, tuple)):
        return all(_fully_known(v) for v in value if v is not None)
    return True


def _enable_logging(level: str | None) -> None:
    if not level:
        return
    logger = logging.getLogger("pulumi_dms_tasks")
    if any(getattr(h, "_dms_tasks", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._dms_tasks = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level.upper() if level.upper() in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO")


def _apply(props: dict[str, Any], failures: list[tuple[str, str]], key: str, rule: Any) -> None:
    """Run ``rule`` on a known input, collecting its refusal."""
    value = props.get(key)
    if _known(value):
        try:
            rule(value, key)
        except InvalidInputError as exc:
            failures.append((key, str(exc)))


def validate_inputs(props: dict[str, Any]) -> list[tuple[str, str]]:
    """Every problem with a ``BackgroundTask``'s inputs as ``(property, reason)``; unknown values are skipped."""
    failures: list[tuple[str, str]] = []
    run = functools.partial(_apply, props, failures)
    _require_instance(props, failures)
    has_id, has_name = props.get("task_id") is not None, props.get("task_name") is not None
    if has_id and has_name:
        failures.append(("task_name", "invalid task_name: expected either task_id or task_name, not both"))
    elif not has_id and not has_name:
        failures.append(
            ("task_id", "invalid task_id: expected task_id or task_name (one of them is required)")
        )
    run("task_id", validate_id)
    run("task_name", validate_task_name)
    if props.get("since") is not None and not has_name:
        failures.append(("since", "invalid since: expected only together with task_name"))
    run("since", parse_time)
    if props.get("params_match") is not None and not has_name:
        failures.append(("params_match", "invalid params_match: expected only together with task_name"))
    if _fully_known(props.get("params_match")):
        run("params_match", validate_params_match)
    run("wait", validate_bool)
    _check_timing_and_place(props, failures)
    return failures


def validate_idle_inputs(props: dict[str, Any]) -> list[tuple[str, str]]:
    """Every problem with an ``InstanceIdle``'s inputs as ``(property, reason)``; unknown values are skipped."""
    failures: list[tuple[str, str]] = []
    _require_instance(props, failures)
    _check_timing_and_place(props, failures)
    return failures


def _require_instance(props: dict[str, Any], failures: list[tuple[str, str]]) -> None:
    if props.get("instance_id") is None:
        failures.append(("instance_id", "invalid instance_id: expected the DMS instance id, got nothing"))
    _apply(props, failures, "instance_id", validate_id)


def _check_timing_and_place(props: dict[str, Any], failures: list[tuple[str, str]]) -> None:
    """The wait settings and the per-resource overrides, shared by both resources."""
    run = functools.partial(_apply, props, failures)
    for key in ("timeout", "poll_interval", "max_poll_interval"):
        run(key, parse_duration)
    low, high = props.get("poll_interval"), props.get("max_poll_interval")
    already_bad = {prop for prop, _ in failures}
    if (
        (low is None or _known(low))
        and _known(high)
        and not already_bad & {"poll_interval", "max_poll_interval"}
    ):
        # Unset, poll_interval is the default, and the wait refuses a cap below it just the same.
        floor = DEFAULT_POLL_INTERVAL if low is None else parse_duration(low, "poll_interval")
        if parse_duration(high, "max_poll_interval") < floor:
            which = "the default poll_interval" if low is None else "poll_interval"
            failures.append(
                (
                    "max_poll_interval",
                    f"invalid max_poll_interval: expected at least {which} ({floor:g}s), got {high!r}",
                )
            )
    run("region", validate_region)
    run("project_id", validate_id)
    run("endpoint", validate_endpoint)


def parse_resource_id(resource_id: str) -> tuple[str, str]:
    """Split a ``BackgroundTask`` id, ``"<instance_id>/<task_id>"``."""
    instance_id, sep, task_id = (resource_id or "").partition("/")
    if not sep:
        raise InvalidInputError("id", "'<instance_id>/<task_id>'", resource_id)
    return validate_id(instance_id, "id (instance part)"), validate_id(task_id, "id (task part)")


def _outputs(props: dict[str, Any], task: Task, instance_id: str) -> dict[str, Any]:
    """The resource's outputs: its inputs echoed, then the task's fields (which win on task_id)."""
    outs = {**{k: props.get(k) for k in INPUT_KEYS}, **task_outputs(task, instance_id)}
    if props.get("resource_name") is not None:
        outs["resource_name"] = props["resource_name"]
    return outs


def _label(resource_name: Any, instance_id: str, task_id: str, name: str) -> str:
    where = instance_id + (f"/{task_id}" if task_id else "") + (f" {name}" if name else "")
    return f"{resource_name} ({where})" if isinstance(resource_name, str) and resource_name else where


class _Reporter:
    """Shows a long wait to the person running ``pulumi up``.

    The CLI prints a dynamic provider's stderr as diagnostics: one line on every status change,
    on every new progress reading (percent or step), and a heartbeat while nothing changes.
    """

    def __init__(
        self, label: str, heartbeat: float = PROVIDER_HEARTBEAT_SECONDS, kind: str = "BackgroundTask"
    ) -> None:
        self.label = label
        self.heartbeat = heartbeat
        self.kind = kind
        self.last_line = 0.0
        self.last_kind: str | None = None
        self.shown_progress: tuple[int | None, str | None] = (None, None)

    def __call__(self, event: WaitProgress) -> None:
        now = time.monotonic()
        # A by-name wait moves from searching to following the task found: say so at once. A new
        # progress reading (asked only when the wait has a call to spare) is news too.
        changed = event.status_changed or event.kind != self.last_kind
        progress = (event.percentage, event.step)
        new_progress = event.percentage is not None and progress != self.shown_progress
        if changed or new_progress or event.polls == 1 or now - self.last_line >= self.heartbeat:
            self.last_line = now
            self.shown_progress = progress
            what = (
                f"task {event.task_id} "
                if event.kind == "task" and event.task_id and event.task_id not in self.label
                else ""
            )
            _say(f"{self.kind} {self.label}: {what}{event.describe()}")
        self.last_kind = event.kind


def _say(line: str) -> None:
    # Once the CLI is gone stderr is a broken pipe: progress is not worth failing the call for.
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def _watch_for_stop() -> None:
    """In the provider host, start watching for the deployment going away (once per process)."""
    if cancellation.in_provider_host():
        cancellation.watch()


class _ReadOnlyProvider(ResourceProvider):
    """What both providers share: nothing pickled, settings from the stack config, one client per settings."""

    def __getstate__(self) -> dict[str, Any]:
        # Whatever this object learnt in configure() must never be pickled into state.
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        pass

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the stack config; clients are built per settings on first use."""
        _enable_logging(os.environ.get(LOG_ENV))
        _watch_for_stop()
        self._config = req.config
        self._clients: dict[ClientSettings, DmsClient] = {}
        self._lock = threading.Lock()

    def _client(self, props: dict[str, Any]) -> DmsClient:
        config = getattr(self, "_config", None)
        if not hasattr(self, "_lock"):
            self._clients, self._lock = {}, threading.Lock()
        settings = resolve_settings(
            endpoint=props.get("endpoint"),
            region=props.get("region"),
            project_id=props.get("project_id"),
            config=(lambda key: config.get(key)) if config is not None else None,
        )
        from ._client import DmsClient

        # ClientSettings is a frozen dataclass: equal settings share one client (and its pool).
        with self._lock:
            client = self._clients.get(settings)
            if client is None:
                client = self._clients[settings] = DmsClient(settings=settings)
            return client

    @staticmethod
    def _raise_first(problems: list[tuple[str, str]]) -> None:
        if problems:
            raise InvalidInputError(
                problems[0][0], "; ".join(reason for _, reason in problems), show_value=False
            )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to do: these resources never create anything in the cloud."""


def _cancelled(exc: TaskCancelledError, resource: str) -> TaskCancelledError:
    error = exc.with_context(reason=cancellation.reason(), resource=resource)
    # The engine may have dropped this call already (host shutting down): say it here too.
    _say(str(error))
    return error


class BackgroundTaskProvider(_ReadOnlyProvider):
    """Read-only provider: looks a task up, optionally waits, never changes the cloud."""

    # -- engine calls ---------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate inputs without any request, so ``pulumi preview`` reports them."""
        failures = [CheckFailure(prop, reason) for prop, reason in validate_inputs(news)]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Identity inputs (and ``triggers``) replace; wait settings update in place (with no API call).

        With ``triggers`` set, ``since`` alone changes nothing: a program passes the time it
        started (new on every run), and only a change of ``triggers`` looks the task up again.
        """
        # olds are the previous outputs: with task_name, "task_id" there is the task that was found,
        # not an input, so it is compared only when the new inputs name a task id.
        by_name = news.get("task_id") is None and news.get("task_name") is not None
        ignored = {"task_id"} if by_name else set()
        if news.get("triggers") is not None:
            ignored.add("since")
        changed = [k for k in INPUT_KEYS if olds.get(k) != news.get(k) and k not in ignored]
        replaces = [k for k in changed if k in REPLACE_KEYS]
        return DiffResult(changes=bool(changed), replaces=replaces, stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Find the task (by id, or the newest by name, since and params), wait for it if asked, return its outputs."""
        self._raise_first(validate_inputs(props))
        _watch_for_stop()
        client = self._client(props)
        instance_id = props["instance_id"]
        wait = True if props.get("wait") is None else validate_bool(props["wait"], "wait")
        name = props.get("task_name") or ""
        task_id = props.get("task_id") or ""
        label = _label(props.get("resource_name"), instance_id, task_id, name)
        settings: dict[str, Any] = {
            "timeout": props.get("timeout") or DEFAULT_WAIT_TIMEOUT,
            "poll_interval": props.get("poll_interval") or DEFAULT_POLL_INTERVAL,
            "max_poll_interval": props.get("max_poll_interval") or None,  # the client's default
            "on_progress": _Reporter(label),
            "stop_event": cancellation.stop_event(),
        }
        try:
            if task_id and wait:
                # The wait itself tolerates the first 404s of a just-created task.
                task = client.wait_for_task(instance_id, task_id, **settings)
            elif task_id:
                task = client.show_task(instance_id, task_id)
            elif wait:
                task = client.wait_for_latest_task(
                    instance_id,
                    name,
                    since=props.get("since"),
                    params_match=props.get("params_match"),
                    **settings,
                )
            else:
                task = client.require_latest_task(
                    instance_id, name, since=props.get("since"), params_match=props.get("params_match")
                )
        except TaskCancelledError as exc:
            raise _cancelled(exc, f"BackgroundTask {label}") from None
        return CreateResult(id_=f"{instance_id}/{task.id}", outs=_outputs(props, task, instance_id))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Re-query the task (``pulumi refresh`` and the ``BackgroundTask.get`` data source)."""
        instance_id, task_id = parse_resource_id(id_)
        client = self._client(props)
        try:
            task = client.show_task(instance_id, task_id)
        except NotFoundError:
            return ReadResult(None, {})  # gone: the engine drops it (refresh) or reports it (get)
        inputs = {k: props.get(k) for k in INPUT_KEYS if props.get(k) is not None}
        inputs.setdefault("instance_id", instance_id)
        if "task_name" in inputs:
            inputs.pop("task_id", None)  # the found task is an output, not an input
        else:
            inputs.setdefault("task_id", task_id)
        return _read_result(id_, _outputs(props, task, instance_id), inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only wait settings changed: keep the task's outputs, record the new inputs."""
        recorded = {k: news.get(k) for k in INPUT_KEYS if not (k in OUTPUT_KEYS and news.get(k) is None)}
        return UpdateResult({**olds, **recorded})


class InstanceIdleProvider(_ReadOnlyProvider):
    """Read-only provider of the idle gate: waits until an instance runs no task, never changes the cloud."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate inputs without any request, so ``pulumi preview`` reports them."""
        failures = [CheckFailure(prop, reason) for prop, reason in validate_idle_inputs(news)]
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """The instance, the place and ``triggers`` replace (the gate waits again); wait settings update in place."""
        changed = [k for k in IDLE_INPUT_KEYS if olds.get(k) != news.get(k)]
        replaces = [k for k in changed if k in IDLE_REPLACE_KEYS]
        return DiffResult(changes=bool(changed), replaces=replaces, stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Wait until no task of the instance is CREATED or EXECUTING; fail naming the running ones at the timeout."""
        self._raise_first(validate_idle_inputs(props))
        _watch_for_stop()
        client = self._client(props)
        instance_id = props["instance_id"]
        label = _label(props.get("resource_name"), instance_id, "", "")
        try:
            result = client.wait_for_idle(
                instance_id,
                timeout=props.get("timeout") or DEFAULT_WAIT_TIMEOUT,
                poll_interval=props.get("poll_interval") or DEFAULT_POLL_INTERVAL,
                max_poll_interval=props.get("max_poll_interval") or None,
                on_progress=_Reporter(label, kind="InstanceIdle"),
                stop_event=cancellation.stop_event(),
            )
        except TaskCancelledError as exc:
            raise _cancelled(exc, f"InstanceIdle {label}") from None
        except IdleTimeoutError as exc:
            raise exc.with_resource(f"InstanceIdle {label}") from None
        outs = {**{k: props.get(k) for k in IDLE_INPUT_KEYS}, **idle_outputs(result)}
        if props.get("resource_name") is not None:
            outs["resource_name"] = props["resource_name"]
        return CreateResult(id_=f"{instance_id}@{outs['idle_at']}", outs=outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """``pulumi refresh``: the gate is a past moment; keep what it recorded (no API call, inputs unchanged)."""
        return ReadResult(id_, dict(props))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Only wait settings changed: keep the recorded outputs, record the new inputs."""
        recorded = {
            k: news.get(k) for k in IDLE_INPUT_KEYS if not (k in IDLE_OUTPUT_KEYS and news.get(k) is None)
        }
        return UpdateResult({**olds, **recorded})
