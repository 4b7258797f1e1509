"""What goes on the wire: the reply type and the cloud's error catalogue."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

__all__ = [
    "API_NOT_FOUND",
    "INSTANCE_NOT_FOUND",
    "INVALID_PARAMETER",
    "INVALID_TASK_ID",
    "PROGRESS_NOT_FOUND",
    "PROJECT_FORBIDDEN",
    "TASK_NOT_FOUND",
    "Reply",
    "admin_error",
    "api_error",
    "decode_segment",
    "encode_json",
]

# (HTTP status, error_code, message, is a gateway error). Gateway errors add request_id to the body.
API_NOT_FOUND = (
    404,
    "APIGW.0101",
    "The API does not exist or has not been published in the environment",
    True,
)
INSTANCE_NOT_FOUND = (404, "DMS.00404022", "The instance does not exist", False)
# What the real service answers for a well-formed unknown task id is undocumented (404 or an
# empty list); the emulator picks a DMS-style 404.
TASK_NOT_FOUND = (404, "DMS.00404023", "The task does not exist", False)
PROGRESS_NOT_FOUND = (404, "DMS.00404023", "No progress is recorded for this task", False)
INVALID_TASK_ID = (
    400,
    "DMS.00400070",
    "Invalid task ID: expected 32 lower-case hexadecimal characters",
    False,
)
INVALID_PARAMETER = (400, "DMS.00400062", "Invalid request parameter", False)
PROJECT_FORBIDDEN = (403, "DMS.00403003", "No permission to access the project", False)


@dataclass
class Reply:
    """One HTTP answer: status, a JSON-able body (or raw bytes, or nothing) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes | None:
        """The body's bytes (``None`` for no body)."""
        if self.body is None:
            return None
        if isinstance(self.body, bytes):
            return self.body
        return encode_json(self.body)


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def api_error(kind: tuple[int, str, str, bool], request_id: str, detail: str | None = None) -> Reply:
    """A Huawei-shaped error reply; ``detail`` follows the catalogue message (``msg: detail``)."""
    status, code, message, gateway = kind
    body: dict[str, str] = {"error_code": code, "error_msg": f"{message}: {detail}" if detail else message}
    if gateway:
        body["request_id"] = request_id
    return Reply(status, body)


def admin_error(status: int, message: str, field_name: str | None = None) -> Reply:
    """An admin API error; ``field`` names the part of the request body at fault."""
    body: dict[str, Any] = {"error_code": f"EMULATOR.0{status}", "error_msg": message}
    if field_name is not None:
        body["field"] = field_name
    return Reply(status, body)


_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def decode_segment(raw: str) -> str | None:
    """One percent-decoded path segment, or ``None`` when the gateway could not route it.

    Refused: a malformed escape, bytes that are not UTF-8, and anything that decodes to a path
    separator (``%2F``, ``%5C``), a control character or a dot segment, so an encoded ``/``
    never ends up inside an instance id.
    """
    if _ESCAPE.search(raw):
        return None
    try:
        text = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    if text in ("", ".", "..") or any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in text):
        return None
    return text
