"""Input rules shared by the client, the provider's ``check`` and the functions.

Each rule raises :class:`InvalidInputError` naming the field and what was expected, before any
request is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ._constants import (
    EARLIEST_TIME_TEXT,
    LATEST_TIME_TEXT,
    MAX_DURATION_SECONDS,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
)
from ._errors import InvalidInputError

# params_match: a user's few keys, not a document.
MAX_PARAMS_MATCH_NODES = 1000
MAX_PARAMS_MATCH_DEPTH = 16

__all__ = [
    "parse_duration",
    "parse_time",
    "validate_bool",
    "validate_endpoint",
    "validate_id",
    "validate_params_match",
    "validate_positive_int",
    "validate_region",
    "validate_task_name",
]

_ID_RE = re.compile(r"[A-Za-z0-9_.:-]+")
_REGION_RE = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
_DURATION_RE = re.compile(r"(?:(\d+(?:\.\d+)?)\s*(ms|h|m|s))", re.IGNORECASE)  # "ms" before "m"
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_EARLIEST = datetime.fromisoformat(EARLIEST_TIME_TEXT.replace("Z", "+00:00"))
_LATEST = datetime.fromisoformat(LATEST_TIME_TEXT.replace("Z", "+00:00")).replace(microsecond=999999)
_DAYS = MAX_DURATION_SECONDS / 86400
_ID_EXPECTED = (
    f"a non-empty string of letters, digits, '-', '_', '.' or ':' (at most {MAX_ID_LENGTH} characters, "
    "no '/', '..', '?', '#', whitespace or control characters)"
)


def validate_id(value: Any, field: str) -> str:
    """An id that is safe as one URL path segment (instance, task or project id)."""
    if not isinstance(value, str):
        raise InvalidInputError(field, _ID_EXPECTED + f", got a {type(value).__name__}", None)
    if (
        not value
        or len(value) > MAX_ID_LENGTH
        or not _ID_RE.fullmatch(value)
        or ".." in value
        or value == "."
    ):
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidInputError(field, _ID_EXPECTED, shown)
    return value


def validate_task_name(value: Any, field: str = "task_name") -> str:
    """A task name such as ``bindInstancePublicIp``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, "a non-empty task name such as 'bindInstancePublicIp'", value)
    if len(value) > MAX_NAME_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInputError(field, f"at most {MAX_NAME_LENGTH} printable characters", value[:80])
    return value


def _redacted(text: str) -> str:
    """``text`` fit for a message: whatever could be user info (up to the last '@') is hidden."""
    head, at, tail = text.rpartition("@")
    if at:
        scheme, slashes, _ = head.partition("://")
        text = f"{scheme}://***@{tail}" if slashes else f"***@{tail}"
    return text if len(text) <= 200 else text[:197] + "..."


def validate_endpoint(value: Any, field: str = "endpoint") -> str:
    """An ``http(s)://host[:port]`` base URL (port 1-65535, no user info); returned without a trailing slash."""
    expected = "an http:// or https:// URL with a host, e.g. https://dms.cn-north-4.myhuaweicloud.com"
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, expected, value)
    text = value.strip()
    shown = _redacted(text)
    if "@" in text:
        # Credentials never go in the endpoint (nor, from there, into a message).
        raise InvalidInputError(field, expected + " (no user info)", shown)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidInputError(field, expected + " (no whitespace or control characters)", shown)
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise InvalidInputError(field, expected + " (a valid host; port 1-65535)", shown) from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInputError(field, expected, shown)
    if parts.query or parts.fragment:
        raise InvalidInputError(field, expected + " (no query or fragment)", shown)
    if port is not None and not 1 <= port <= 65535:
        raise InvalidInputError(field, expected + " (port 1-65535)", shown)
    return text.rstrip("/")


def validate_region(value: Any, field: str = "region") -> str:
    """A Huawei Cloud region id such as ``cn-north-4`` or ``eu-west-101``."""
    if not isinstance(value, str) or not _REGION_RE.fullmatch(value):
        raise InvalidInputError(field, "a region id such as 'cn-north-4' or 'ap-southeast-1'", value)
    return value


def parse_duration(value: Any, field: str) -> float:
    """Seconds (more than 0, at most 7 days) from a number or a string like ``"90s"``, ``"20m"``, ``"1h30m"``."""
    expected = f"a positive duration up to {_DAYS:g} days: seconds as a number, or a string like '90s', '20m', '1h30m'"
    if isinstance(value, bool) or value is None:
        raise InvalidInputError(field, expected, value)
    seconds: float
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:  # an int past float's range
            raise InvalidInputError(
                field, expected, f"{str(value)[:20]}... ({len(str(value))} digits)"
            ) from None
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            pos, seconds = 0, 0.0
            for match in _DURATION_RE.finditer(text):
                if match.start() != pos and text[pos : match.start()].strip():
                    raise InvalidInputError(field, expected, value) from None
                seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
                pos = match.end()
            if pos == 0 or text[pos:].strip():
                raise InvalidInputError(field, expected, value) from None
    else:
        raise InvalidInputError(field, expected, value)
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_DURATION_SECONDS:
        raise InvalidInputError(
            field, expected, value if not isinstance(value, str) or len(value) <= 80 else value[:77] + "..."
        )
    return seconds


def parse_time(value: Any, field: str) -> datetime:
    """A UTC instant (1970 to 9999) from a datetime (naive = UTC), ``YYYYMMDDHHmmss`` or an ISO 8601 string."""
    expected = f"a datetime, an ISO 8601 timestamp or 'YYYYMMDDHHmmss' (UTC) between {EARLIEST_TIME_TEXT} and {LATEST_TIME_TEXT}"
    # Imported here, not at the top: _models loads pydantic, and `dms-tasks --help` and the
    # provider's unpickling (every provider process) import this module without needing it.
    from ._models import parse_timestamp_text, to_utc

    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, expected, value)
    else:
        try:
            parsed = parse_timestamp_text(value)
        except ValueError:
            raise InvalidInputError(
                field, expected, value if len(value) <= 80 else value[:77] + "..."
            ) from None
    # An offset can carry a valid local time out of datetime's range ("date value out of range").
    utc = to_utc(parsed)
    if utc is None or not _EARLIEST <= utc <= _LATEST:
        raise InvalidInputError(field, expected, value if isinstance(value, str) else value.isoformat())
    return utc


def validate_bool(value: Any, field: str) -> bool:
    """A real boolean (strings like ``"true"`` from stack config are accepted)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidInputError(field, "a boolean (true or false)", value)


def validate_positive_int(
    value: Any, field: str, *, allow_zero: bool = False, maximum: int | None = None
) -> int:
    """A whole number (strings of digits accepted), positive unless ``allow_zero``."""
    low = 0 if allow_zero else 1
    expected = f"a whole number >= {low}" + (f" and <= {maximum}" if maximum is not None else "")
    if isinstance(value, bool):
        raise InvalidInputError(field, expected, value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < low or (maximum is not None and value > maximum):
        raise InvalidInputError(field, expected, value)
    return value


def validate_params_match(value: Any, field: str = "params_match") -> dict[str, Any]:
    """A mapping of JSON values (string keys; objects, arrays, strings, finite numbers, booleans, null).

    Returned as plain dicts and lists. Bounded: at most :data:`MAX_PARAMS_MATCH_NODES` values,
    nested at most :data:`MAX_PARAMS_MATCH_DEPTH` deep.
    """
    expected = "a mapping of JSON values, e.g. {'public_ip_id': '...', 'enable_public_ip': True}"
    if not isinstance(value, Mapping):
        raise InvalidInputError(field, expected + f", got a {type(value).__name__}", None)
    budget = [MAX_PARAMS_MATCH_NODES]

    def convert(item: Any, where: str, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise InvalidInputError(
                field, f"at most {MAX_PARAMS_MATCH_NODES} values in all", show_value=False
            )
        if depth > MAX_PARAMS_MATCH_DEPTH:
            raise InvalidInputError(
                where, f"values nested at most {MAX_PARAMS_MATCH_DEPTH} deep", show_value=False
            )
        if item is None or isinstance(item, (bool, str)):
            return item
        if isinstance(item, (int, float)):
            if not math.isfinite(item):
                raise InvalidInputError(where, "a finite number (JSON has no NaN or infinity)", item)
            return item
        if isinstance(item, Mapping):
            out = {}
            for key, inner in item.items():
                if not isinstance(key, str):
                    raise InvalidInputError(where, f"string keys, got the key {key!r}", None)
                out[key] = convert(inner, f"{where}.{key}", depth + 1)
            return out
        if isinstance(item, (list, tuple)):
            return [convert(inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item)]
        raise InvalidInputError(where, f"a JSON value, got a {type(item).__name__}", None)

    result: dict[str, Any] = convert(value, field, 0)
    return result
