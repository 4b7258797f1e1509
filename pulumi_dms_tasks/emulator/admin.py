"""The unsigned admin API under ``/_emulator/``: seed tasks, script faults, read counters.

Only loopback clients may call it (checked in :mod:`.server`). Bodies are validated strictly;
a 400 names the offending field in ``field`` and in ``error_msg``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from .faults import make_fault
from .specs import DuplicateTaskError, SpecError, parse_instance_id, parse_task_spec, parse_timeline
from .state import Store
from .wire import Reply, admin_error

__all__ = ["PREFIX", "handle_admin"]

PREFIX = "/_emulator"
_TASKS = re.compile(r"/instances/([^/]+)/tasks/?")
_TIMELINE = re.compile(r"/instances/([^/]+)/tasks/([^/]+)/timeline/?")


def _json_body(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecError("body", f"is not valid JSON ({exc})") from None


def _object(body: bytes) -> dict[str, Any]:
    data = _json_body(body)
    if not isinstance(data, dict):
        raise SpecError("body", "must be a JSON object")
    return data


def handle_admin(store: Store, method: str, path: str, body: bytes) -> Reply:
    """Dispatch one admin call; ``path`` is relative to :data:`PREFIX`."""
    try:
        return _dispatch(store, method, path, body)
    except DuplicateTaskError as exc:
        return admin_error(409, str(exc), exc.field)
    except SpecError as exc:
        return admin_error(400, str(exc), exc.field)


def _dispatch(store: Store, method: str, path: str, body: bytes) -> Reply:
    path = path.rstrip("/") or "/"
    if path == "/health" and method == "GET":
        return Reply(200, {"status": "ok"})
    if path == "/instances":
        if method == "GET":
            return Reply(200, {"instances": store.instance_ids()})
        if method == "POST":
            data = _object(body)
            unknown = sorted(set(data) - {"instance_id"})
            if unknown:
                raise SpecError(unknown[0], "unknown field")
            instance_id = parse_instance_id(data.get("instance_id"))
            created = store.add_instance(instance_id)
            return Reply(201 if created else 200, {"instance_id": instance_id, "created": created})
    if (match := _TASKS.fullmatch(path)) and method == "POST":
        instance_id = unquote(match.group(1))
        spec = parse_task_spec(_object(body))
        task_id = store.add_task(instance_id, spec)
        return Reply(201, {"id": task_id})
    if (match := _TIMELINE.fullmatch(path)) and method == "PUT":
        instance_id, task_id = (unquote(g) for g in match.groups())
        data = _object(body)
        unknown = sorted(set(data) - {"timeline"})
        if unknown:
            raise SpecError(unknown[0], "unknown field")
        if "timeline" not in data:
            raise SpecError("timeline", "is required")
        timeline = parse_timeline(data["timeline"])
        try:
            store.set_timeline(instance_id, task_id, [e.to_json() for e in timeline])
        except KeyError:
            return admin_error(404, f"no task {task_id} on instance {instance_id}")
        return Reply(200, {"id": task_id, "timeline": [e.to_json() for e in timeline]})
    if path == "/faults":
        if method == "GET":
            return Reply(200, {"faults": store.pending_faults()})
        if method == "POST":
            data = _object(body)
            known = {"kind", "count", "status", "retry_after", "delay", "operation"}
            unknown = sorted(set(data) - known)
            if unknown:
                raise SpecError(unknown[0], "unknown field")
            if "kind" not in data:
                raise SpecError("kind", "is required")
            fault, count = make_fault(
                data["kind"],
                count=data.get("count", 1),
                status=data.get("status"),
                retry_after=data.get("retry_after"),
                delay=data.get("delay"),
                operation=data.get("operation"),
            )
            store.add_fault(fault, count)
            return Reply(201, {**fault.to_json(), "count": count})
    if path == "/requests" and method == "GET":
        return Reply(200, store.request_counts())
    if path == "/state" and method == "DELETE":
        store.reset()
        return Reply(204)
    return admin_error(404, f"no admin endpoint {method} {PREFIX}{path}")
