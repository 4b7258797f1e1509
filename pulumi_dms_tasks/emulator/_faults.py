"""Injected failures: what a client must survive, queued and served in FIFO order.

Kinds (``kind``):

==============  ==============================================================================
``status``      answer ``status`` with a Huawei-shaped error body (+ ``Retry-After`` if given)
``delay``       sleep ``delay`` seconds, then answer normally
``drop``        close the connection without sending a byte
``malformed``   200 with the body ``{not json``
``truncated``   200 with a JSON document cut in half (``Content-Length`` matches what is sent)
``short_read``  ``Content-Length`` promises more bytes than are sent, then the connection closes
``wrong_shape`` 200 with valid JSON of the wrong shape (``{"tasks": "nope"}``)
==============  ==============================================================================

Any kind may also carry ``delay``: the emulator waits that long before misbehaving, which is how
read timeouts are provoked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ._specs import SpecError

__all__ = [
    "FAULT_KINDS",
    "MALFORMED_BODY",
    "OPERATIONS",
    "Fault",
    "error_for_status",
    "make_fault",
    "wrong_shape_body",
]

FAULT_KINDS = ("status", "delay", "drop", "malformed", "truncated", "short_read", "wrong_shape")
OPERATIONS = ("show", "list", "progress", "delete")
MALFORMED_BODY = b"{not json"
# Retry-After longer than this is surely a typo in a test and would hang a client for hours.
_MAX_SECONDS = 3600.0

# Status -> (error_code, error_msg, is a gateway error). Gateway errors carry request_id in the body.
_STATUS_ERRORS: dict[int, tuple[str, str, bool]] = {
    400: ("DMS.00400026", "This operation is not allowed due to the instance status.", False),
    401: ("APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail", True),
    403: ("DMS.00403002", "Read-only tenants are not allowed to perform this operation.", False),
    404: ("DMS.00404022", "The instance does not exist", False),
    429: ("APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit", True),
    502: ("APIGW.0202", "Bad gateway: the backend service is unavailable", True),
    504: ("APIGW.0203", "Backend timeout", True),
}


@dataclass(frozen=True)
class Fault:
    """One queued misbehaviour; ``operation=None`` matches any cloud API call."""

    kind: str
    status: int | None = None
    retry_after: float | str | None = None
    delay: float | None = None
    operation: str | None = None

    def matches(self, operation: str) -> bool:
        """Whether this fault applies to a call of ``operation``."""
        return self.operation is None or self.operation == operation

    def retry_after_header(self) -> str | None:
        """``Retry-After`` text: whole seconds stay integers, an HTTP date passes through."""
        if self.retry_after is None:
            return None
        if isinstance(self.retry_after, str):
            return self.retry_after
        value = float(self.retry_after)
        return str(int(value)) if value.is_integer() else f"{value:g}"

    def to_json(self) -> dict[str, Any]:
        """The admin API's JSON form."""
        return {
            "kind": self.kind,
            "status": self.status,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "operation": self.operation,
        }


def _seconds(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(field, "must be a number of seconds")
    if not 0 <= value <= _MAX_SECONDS:
        raise SpecError(field, f"must be between 0 and {_MAX_SECONDS:g} seconds")
    return float(value)


def make_fault(
    kind: Any,
    *,
    count: Any = 1,
    status: Any = None,
    retry_after: Any = None,
    delay: Any = None,
    operation: Any = None,
) -> tuple[Fault, int]:
    """Validate a fault description; return the fault and how many times to serve it."""
    if kind not in FAULT_KINDS:
        raise SpecError("kind", f"must be one of {', '.join(FAULT_KINDS)}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise SpecError("count", "must be an integer between 1 and 10000")
    if operation is not None and operation not in OPERATIONS:
        raise SpecError("operation", f"must be one of {', '.join(OPERATIONS)} or null")
    if kind == "status":
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise SpecError("status", "must be an HTTP error status between 400 and 599")
    elif status is not None:
        raise SpecError("status", f"only applies to kind 'status', not {kind!r}")
    if isinstance(retry_after, str):
        # It becomes a header value: printable ASCII only, so it cannot break the response apart.
        if not retry_after.strip() or len(retry_after) > 64 or not all(" " <= c <= "~" for c in retry_after):
            raise SpecError(
                "retry_after", "must be seconds or an HTTP date (at most 64 printable ASCII characters)"
            )
    else:
        retry_after = _seconds(retry_after, "retry_after")
    delay_s = _seconds(delay, "delay")
    if kind == "delay" and delay_s is None:
        raise SpecError("delay", "is required for kind 'delay'")
    return Fault(kind, status, retry_after, delay_s, operation), count


def error_for_status(status: int) -> tuple[str, str, bool]:
    """A plausible (error_code, error_msg, is_gateway) for an injected error status."""
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]
    if status >= 500:
        return "DMS.00500000", "Internal error", False
    return "DMS.00400062", "Invalid request parameter.", False


def wrong_shape_body(operation: str) -> dict[str, Any]:
    """Valid JSON that does not match what ``operation`` documents."""
    if operation == "progress":
        return {"progress_percentage": "lots", "step_list": "nope"}
    return {"tasks": "nope"}
