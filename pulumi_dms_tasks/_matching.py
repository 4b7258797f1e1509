"""Does a task's ``params`` contain what the caller asked for? Imports nothing from this package.

``params_match`` is a mapping the task's parsed ``params`` must contain: every key present, with
an equal value; a nested mapping is again a containment (extra keys in the task are fine at
every level). Values compare as JSON values, since ``params`` is JSON:

* ``true``/``false`` equal only booleans (``true`` is not ``1``, ``false`` is not ``0``);
* numbers compare by value (``1`` equals ``1.0``: JSON has one number type);
* strings equal strings exactly (``"1"`` is not ``1``); ``null`` equals only ``null``;
* arrays equal arrays of the same length whose items are equal in order (objects inside arrays
  are compared whole, not by containment).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["json_equal", "params_contain"]


def json_equal(a: Any, b: Any) -> bool:
    """Whether two decoded JSON values are the same JSON value."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return bool(a == b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if a is None or b is None:
        return a is None and b is None
    return type(a) is type(b) and bool(a == b)


def params_contain(params: Any, wanted: Mapping[str, Any]) -> bool:
    """``params`` (a task's parsed params) has every key of ``wanted`` with an equal JSON value.

    A task without params (or with params that are not a JSON object) has none: it contains only
    the empty mapping.
    """
    if not isinstance(params, Mapping):
        params = {}
    for key, value in wanted.items():
        if key not in params:
            return False
        if isinstance(value, Mapping):
            if not params_contain(params[key], value):
                return False
        elif not json_equal(params[key], value):
            return False
    return True
