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
    )
    from ._errors import (
        AuthenticationError as AuthenticationError,
    )
    from ._errors import (
        ConfigurationError as ConfigurationError,
    )
    from ._errors import (
        DmsError as DmsError,
    )
    from ._errors import (
        IdleTimeoutError as IdleTimeoutError,
    )
    from ._errors import (
        InvalidInputError as InvalidInputError,
    )
    from ._errors import (
        InvalidResponseError as InvalidResponseError,
    )
    from ._errors import (
        NoMatchingTaskError as NoMatchingTaskError,
    )
    from ._errors import (
        NotFoundError as NotFoundError,
    )
    from ._errors import (
        RedirectError as RedirectError,
    )
    from ._errors import (
        ServerError as ServerError,
    )
    from ._errors import (
        TaskCancelledError as TaskCancelledError,
    )
    from ._errors import (
        TaskError as TaskError,
    )
    from ._errors import (
        TaskFailedError as TaskFailedError,
    )
    from ._errors import (
        TaskTimeoutError as TaskTimeoutError,
    )
    from ._errors import (
        ThrottledError as ThrottledError,
    )
    from ._errors import (
        TransportError as TransportError,
    )
    from ._functions import (
        GetBackgroundTaskResult as GetBackgroundTaskResult,
    )
    from ._functions import (
        GetInstanceIdleResult as GetInstanceIdleResult,
    )
    from ._functions import (
        ListBackgroundTasksResult as ListBackgroundTasksResult,
    )
    from ._functions import (
        get_background_task as get_background_task,
    )
    from ._functions import (
        get_background_task_output as get_background_task_output,
    )
    from ._functions import (
        get_instance_idle as get_instance_idle,
    )
    from ._functions import (
        get_instance_idle_output as get_instance_idle_output,
    )
    from ._functions import (
        list_background_tasks as list_background_tasks,
    )
    from ._functions import (
        list_background_tasks_output as list_background_tasks_output,
    )
    from ._models import (
        IdleResult as IdleResult,
    )
    from ._models import (
        Task as Task,
    )
    from ._models import (
        TaskProgress as TaskProgress,
    )
    from ._models import (
        TaskStatus as TaskStatus,
    )
    from ._models import (
        TaskStep as TaskStep,
    )
    from ._resource import (
        BackgroundTask as BackgroundTask,
    )
    from ._resource import (
        BackgroundTaskArgs as BackgroundTaskArgs,
    )
    from ._resource import (
        InstanceIdle as InstanceIdle,
    )
    from ._resource import (
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

__all__ = ["__version__", *_EXPORTS]  # noqa: PLE0604 - names from the table above; tests/test_public_api.py


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pulumi_dms_tasks' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
