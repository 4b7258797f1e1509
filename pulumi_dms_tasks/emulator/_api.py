"""The cloud API proper: routing and the four background-task operations.

Pure functions of the store, the parsed route and the query; no sockets. Signature checks and
faults happen before these run (in :mod:`.server`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from .._constants import API_TIME_FORMAT, LIST_PAGE_LIMIT
from ._specs import TASK_ID_PATTERN
from ._state import Store
from ._wire import (
    INSTANCE_NOT_FOUND,
    INVALID_PARAMETER,
    INVALID_TASK_ID,
    PROGRESS_NOT_FOUND,
    PROJECT_FORBIDDEN,
    TASK_NOT_FOUND,
    Reply,
    api_error,
    decode_segment,
)

__all__ = ["DEFAULT_LIST_LIMIT", "Route", "answer", "route"]

DEFAULT_LIST_LIMIT = 10
_PATH = re.compile(r"/v2/([^/]+)/instances/([^/]+)/tasks(?:/([^/]+)(/progress)?)?/?")
_DIGITS = re.compile(r"[0-9]{1,9}")
_API_TIME = re.compile(r"[0-9]{14}")


@dataclass(frozen=True)
class Route:
    """A recognised cloud API call."""

    operation: str  # show | list | progress | delete
    project_id: str
    instance_id: str
    task_id: str | None = None


def route(method: str, path: str) -> Route | None:
    """Match a request to an operation; ``None`` means the gateway knows no such API."""
    match = _PATH.fullmatch(path)
    if match is None:
        return None
    raw_project, raw_instance, raw_task, progress = match.groups()
    project_id, instance_id = decode_segment(raw_project), decode_segment(raw_instance)
    task_id = None if raw_task is None else decode_segment(raw_task)
    if project_id is None or instance_id is None or (raw_task is not None and task_id is None):
        return None  # an encoded separator or a malformed escape: no API matches it
    if task_id is None:
        operation = "list" if method == "GET" else None
    elif progress:
        operation = "progress" if method == "GET" else None
    else:
        operation = {"GET": "show", "DELETE": "delete"}.get(method)
    if operation is None:
        return None
    return Route(operation, project_id, instance_id, task_id)


def _first(query: list[tuple[str, str]], *names: str) -> tuple[str, str] | None:
    # The first occurrence wins; an empty value counts as absent, like an omitted parameter.
    for name in names:
        for key, value in query:
            if key == name and value != "":
                return key, value
    return None


def _int_param(
    query: list[tuple[str, str]], names: tuple[str, ...], default: int, low: int, high: int | None
) -> int | str:
    """The parameter's value, or the name to report when it is invalid."""
    found = _first(query, *names)
    if found is None:
        return default
    name, text = found
    if not _DIGITS.fullmatch(text):
        return name
    value = int(text)
    if value < low or (high is not None and value > high):
        return name
    return value


def _time_param(query: list[tuple[str, str]], name: str) -> datetime | str | None:
    found = _first(query, name)
    if found is None:
        return None
    text = found[1]
    if not _API_TIME.fullmatch(text):
        return name
    try:
        return datetime.strptime(text, API_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return name


def _bad_parameter(name: str, request_id: str) -> Reply:
    hints = {
        "start": "start must be an integer >= 0",
        "offset": "offset must be an integer >= 0",
        "limit": f"limit must be an integer between 1 and {LIST_PAGE_LIMIT}",
        "begin_time": "begin_time must be a UTC time formatted YYYYMMDDHHmmss",
        "end_time": "end_time must be a UTC time formatted YYYYMMDDHHmmss",
    }
    return api_error(INVALID_PARAMETER, request_id, hints.get(name, name))


def answer(
    store: Store, call: Route, query: list[tuple[str, str]], *, project_id: str, request_id: str
) -> Reply:
    """The reply to an authenticated call."""
    if call.project_id != project_id:
        return api_error(PROJECT_FORBIDDEN, request_id, call.project_id)
    if call.operation == "list":
        return _list(store, call, query, request_id)
    assert call.task_id is not None
    if not TASK_ID_PATTERN.fullmatch(call.task_id):
        return api_error(INVALID_TASK_ID, request_id)
    if not store.has_instance(call.instance_id):
        return api_error(INSTANCE_NOT_FOUND, request_id)
    if call.operation == "delete":
        if not store.delete_task(call.instance_id, call.task_id):
            return api_error(TASK_NOT_FOUND, request_id)
        return Reply(204)
    task = store.get_task(call.instance_id, call.task_id)
    if task is None:
        return api_error(TASK_NOT_FOUND, request_id)
    now = store.now()
    task = store.note_read(task, now)
    if call.operation == "progress":
        if not task.has_progress:
            return api_error(PROGRESS_NOT_FOUND, request_id)
        return Reply(200, task.progress(now))
    return Reply(200, {"task_count": "1", "tasks": [task.to_wire(now)]})


def _first_index(query: list[tuple[str, str]], request_id: str) -> int | Reply:
    """The 1-based index of the first task, from ``offset`` or ``start`` (the same parameter).

    The vendor names it both ways with the same description ("the number of the task the query
    starts at"): the current API page's parameter table and the Go SDK say ``offset``; the page's
    example request, the Python and Java SDKs and the Terraform provider say ``start``. Either
    is accepted; both with the same value too; different values are refused, naming both,
    rather than silently preferring one. 0 (the pages give the range as >= 0) means the first
    task, like 1.
    """
    values: dict[str, int] = {}
    for name in ("start", "offset"):
        value = _int_param(query, (name,), 1, 0, None)
        if isinstance(value, str):
            return _bad_parameter(value, request_id)
        if _first(query, name) is not None:
            values[name] = max(value, 1)
    if len(set(values.values())) > 1:
        return api_error(
            INVALID_PARAMETER,
            request_id,
            f"start ({values['start']}) and offset ({values['offset']}) name the same index and disagree",
        )
    return next(iter(values.values()), 1)


def _list(store: Store, call: Route, query: list[tuple[str, str]], request_id: str) -> Reply:
    start = _first_index(query, request_id)
    if isinstance(start, Reply):
        return start
    limit = _int_param(query, ("limit",), DEFAULT_LIST_LIMIT, 1, LIST_PAGE_LIMIT)
    begin = _time_param(query, "begin_time")
    end = _time_param(query, "end_time")
    for value in (start, limit, begin, end):
        if isinstance(value, str):
            return _bad_parameter(value, request_id)
    assert isinstance(start, int) and isinstance(limit, int)
    assert not isinstance(begin, str) and not isinstance(end, str)
    if not store.has_instance(call.instance_id):
        return api_error(INSTANCE_NOT_FOUND, request_id)
    tasks = store.list_tasks(call.instance_id, begin, end)
    now = store.now()
    page = [store.note_read(t, now) for t in tasks[start - 1 : start - 1 + limit]]
    return Reply(200, {"task_count": str(len(tasks)), "tasks": [t.to_wire(now) for t in page]})
