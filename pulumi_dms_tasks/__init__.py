"""pulumi-dms-tasks: wait on and read Huawei Cloud DMS background tasks from Pulumi programs.

Importing the package has no side effects and imports nothing heavy: names are loaded on first
use, so ``from pulumi_dms_tasks import DmsClient`` does not import Pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# `X as X`: names seen by type checkers are explicit re-exports (mypy --strict users import them).
if TYPE_CHECKING:
    from ._auth import (
        AkSkAuth as AkSkAuth,
    )
    from ._client import (
        DmsClient as DmsClient,
    )
    from ._errors import (
        ApiError as ApiError,
        AuthenticationError as AuthenticationError,
        ConfigurationError as ConfigurationError,
        DmsError as DmsError,
        IdleTimeoutError as IdleTimeoutError,
        InvalidInputError as InvalidInputError,
        InvalidResponseError as InvalidResponseError,
        NoMatchingTaskError as NoMatchingTaskError,
        NotFoundError as NotFoundError,
        RedirectError as RedirectError,
        ServerError as ServerError,
        TaskCancelledError as TaskCancelledError,
        TaskError as TaskError,
        TaskFailedError as TaskFailedError,
        TaskTimeoutError as TaskTimeoutError,
        ThrottledError as ThrottledError,
        TransportError as TransportError,
    )
    from ._functions import (
        GetBackgroundTaskResult as GetBackgroundTaskResult,
        GetInstanceIdleResult as GetInstanceIdleResult,
        ListBackgroundTasksResult as ListBackgroundTasksResult,
        get_background_task as get_background_task,
        get_background_task_output as get_background_task_output,
        get_instance_idle as get_instance_idle,
        get_instance_idle_output as get_instance_idle_output,
        list_background_tasks as list_background_tasks,
        list_background_tasks_output as list_background_tasks_output,
    )
    from ._models import (
        IdleResult as IdleResult,
        Task as Task,
        TaskProgress as TaskProgress,
        TaskStatus as TaskStatus,
        TaskStep as TaskStep,
    )
    from ._resource import (
        BackgroundTask as BackgroundTask,
        BackgroundTaskArgs as BackgroundTaskArgs,
        InstanceIdle as InstanceIdle,
        InstanceIdleArgs as InstanceIdleArgs,
    )
    from ._waiting import (
        WaitProgress as WaitProgress,
    )

# Public name -> the private module that defines it. Names load on first use (PEP 562), so
# importing the package stays cheap and `DmsClient` does not pull in Pulumi.
_EXPORTS_BY_MODULE = {
    "_resource": ("BackgroundTask", "BackgroundTaskArgs", "InstanceIdle", "InstanceIdleArgs"),
    "_functions": (
        "get_background_task",
        "get_background_task_output",
        "list_background_tasks",
        "list_background_tasks_output",
        "get_instance_idle",
        "get_instance_idle_output",
        "GetBackgroundTaskResult",
        "ListBackgroundTasksResult",
        "GetInstanceIdleResult",
    ),
    "_client": ("DmsClient",),
    "_auth": ("AkSkAuth",),
    "_models": ("Task", "TaskProgress", "TaskStatus", "TaskStep", "IdleResult"),
    "_waiting": ("WaitProgress",),
    "_errors": (
        "DmsError",
        "ConfigurationError",
        "InvalidInputError",
        "TransportError",
        "InvalidResponseError",
        "ApiError",
        "RedirectError",
        "AuthenticationError",
        "NotFoundError",
        "ThrottledError",
        "ServerError",
        "TaskError",
        "TaskFailedError",
        "TaskTimeoutError",
        "TaskCancelledError",
        "IdleTimeoutError",
        "NoMatchingTaskError",
    ),
}
_EXPORTS = {name: module for module, names in _EXPORTS_BY_MODULE.items() for name in names}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_dms_tasks' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
