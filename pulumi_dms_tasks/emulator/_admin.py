"""The unsigned admin API under ``/_emulator/``: seed tasks, script faults, read counters.

Only loopback clients may call it (checked in :mod:`.server`), and only requests a web page cannot
forge (:func:`refuse_foreign`): the ``Host`` must be a loopback name or address (no DNS
rebinding), an ``Origin`` header must be a loopback origin, and bodies are JSON
(``Content-Type: application/json``, which a cross-site form or simple request cannot send).
Bodies are validated strictly; a 400 names the offending field in ``field`` and in ``error_msg``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any, Protocol

from ._faults import make_fault
from ._specs import (
    DuplicateTaskError,
    SpecError,
    parse_busy_tasks,
    parse_change,
    parse_engine,
    parse_instance_id,
    parse_task_spec,
    parse_timeline,
)
from ._state import EngineConflictError, Store
from ._wire import Reply, admin_error, decode_segment

__all__ = ["PREFIX", "handle_admin", "is_loopback_host", "refuse_foreign"]

PREFIX = "/_emulator"
_TASKS = re.compile(r"/instances/([^/]+)/tasks/?")
_CHANGES = re.compile(r"/instances/([^/]+)/changes/?")
_BUSY = re.compile(r"/instances/([^/]+)/busy/?")
_TIMELINE = re.compile(r"/instances/([^/]+)/tasks/([^/]+)/timeline/?")
_HOST = re.compile(r"(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::[0-9]{1,5})?")
_ORIGIN = re.compile(r"https?://([^/?#@]+)")
_BODY_METHODS = ("POST", "PUT", "PATCH")


def is_loopback_host(host: str) -> bool:
    """Whether a ``Host``-style ``name[:port]`` names this machine: ``localhost`` or a loopback IP."""
    match = _HOST.fullmatch(host.strip())
    if match is None:
        return False
    name = (match.group(1) or match.group(2) or "").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True  # RFC 6761: always loopback, never handed to DNS
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


class _Headers(Protocol):
    def get(self, name: str, /) -> str | None: ...


def refuse_foreign(method: str, headers: _Headers, body: bytes) -> Reply | None:
    """The refusal for a request a web page could have sent, or ``None`` when it may proceed."""
    host = headers.get("Host")
    if host is None or not is_loopback_host(host):
        return admin_error(
            403, "the admin API only answers requests whose Host is a loopback name or address", "Host"
        )
    origin = headers.get("Origin")
    if origin is not None:
        match = _ORIGIN.fullmatch(origin.strip())
        if match is None or not is_loopback_host(match.group(1)):
            return admin_error(
                403, "the admin API refuses cross-origin requests (Origin is not a loopback origin)", "Origin"
            )
    if method in _BODY_METHODS or body:
        media_type = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return admin_error(
                415, "the admin API takes JSON only: send Content-Type: application/json", "Content-Type"
            )
    return None


def _json_body(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SpecError("body", f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise SpecError("body", "is nested too deeply") from None


def _object(body: bytes) -> dict[str, Any]:
    data = _json_body(body)
    if not isinstance(data, dict):
        raise SpecError("body", "must be a JSON object")
    return data


def _segment(raw: str, field: str) -> str:
    decoded = decode_segment(raw)
    if decoded is None:
        raise SpecError(
            field,
            "path segment has a malformed escape or an encoded '/', '\\', control character or dot segment",
        )
    return decoded


def handle_admin(store: Store, method: str, path: str, body: bytes) -> Reply:
    """Dispatch one admin call; ``path`` is relative to :data:`PREFIX`."""
    try:
        return _dispatch(store, method, path, body)
    except (DuplicateTaskError, EngineConflictError) as exc:
        return admin_error(409, str(exc), exc.field)
    except SpecError as exc:
        return admin_error(400, str(exc), exc.field)


def _dispatch(store: Store, method: str, path: str, body: bytes) -> Reply:
    path = path.rstrip("/") or "/"
    if path == "/health" and method == "GET":
        return Reply(200, {"status": "ok"})
    if path == "/instances":
        if method == "GET":
            return Reply(200, {"instances": store.instance_ids(), "engines": store.engines()})
        if method == "POST":
            data = _object(body)
            unknown = sorted(set(data) - {"instance_id", "engine"})
            if unknown:
                raise SpecError(unknown[0], "unknown field")
            instance_id = parse_instance_id(data.get("instance_id"))
            engine = None if data.get("engine") is None else parse_engine(data["engine"])
            created = store.add_instance(instance_id, engine)
            return Reply(
                201 if created else 200,
                {"instance_id": instance_id, "engine": store.engine(instance_id), "created": created},
            )
    if (match := _TASKS.fullmatch(path)) and method == "POST":
        instance_id = parse_instance_id(_segment(match.group(1), "instance_id"))
        spec = parse_task_spec(_object(body))
        task_id = store.add_task(instance_id, spec)
        return Reply(201, {"id": task_id})
    if (match := _CHANGES.fullmatch(path)) and method == "POST":
        # A change as the cloud answers it: 204 and no task id; its task is created now.
        instance_id = parse_instance_id(_segment(match.group(1), "instance_id"))
        store.add_task(instance_id, parse_change(_object(body)))
        return Reply(204)
    if (match := _BUSY.fullmatch(path)) and method == "POST":
        instance_id = parse_instance_id(_segment(match.group(1), "instance_id"))
        specs = parse_busy_tasks(_object(body))
        return Reply(201, {"ids": store.add_tasks(instance_id, specs)})
    if (match := _TIMELINE.fullmatch(path)) and method == "PUT":
        instance_id = _segment(match.group(1), "instance_id")
        task_id = _segment(match.group(2), "task_id")
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
