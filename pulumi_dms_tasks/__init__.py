"""pulumi-dms-tasks: wait on and read Huawei Cloud DMS background tasks from Pulumi programs.

Importing the package has no side effects and imports nothing heavy: names are loaded on first
use, so ``from pulumi_dms_tasks import DmsClient`` does not import Pulumi.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .client import DmsClient
    from .errors import (
        ApiError,
        AuthenticationError,
        ConfigurationError,
        DmsError,
        InvalidInputError,
        InvalidResponseError,
        NotFoundError,
        ServerError,
        TaskCancelledError,
        TaskError,
        TaskFailedError,
        TaskTimeoutError,
        ThrottledError,
        TransportError,
    )
    from .functions import (
        GetBackgroundTaskResult,
        ListBackgroundTasksResult,
        get_background_task,
        get_background_task_output,
        list_background_tasks,
        list_background_tasks_output,
    )
    from .models import Task, TaskProgress, TaskStatus
    from .resource import BackgroundTask, BackgroundTaskArgs
    from .waiting import WaitProgress

_EXPORTS = {
    "BackgroundTask": "resource",
    "BackgroundTaskArgs": "resource",
    "get_background_task": "functions",
    "get_background_task_output": "functions",
    "list_background_tasks": "functions",
    "list_background_tasks_output": "functions",
    "GetBackgroundTaskResult": "functions",
    "ListBackgroundTasksResult": "functions",
    "DmsClient": "client",
    "Task": "models",
    "TaskProgress": "models",
    "TaskStatus": "models",
    "WaitProgress": "waiting",
    "DmsError": "errors",
    "ConfigurationError": "errors",
    "InvalidInputError": "errors",
    "TransportError": "errors",
    "InvalidResponseError": "errors",
    "ApiError": "errors",
    "AuthenticationError": "errors",
    "NotFoundError": "errors",
    "ThrottledError": "errors",
    "ServerError": "errors",
    "TaskError": "errors",
    "TaskFailedError": "errors",
    "TaskTimeoutError": "errors",
    "TaskCancelledError": "errors",
}

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
