"""The HTTP layer: one ``requests.Session`` with urllib3 ``Retry``, timeouts and a deadline.

Transport retries (429/5xx, connection and read errors; GET only) live here and nowhere else.
A caller with a deadline (a wait) sets it with :func:`deadline`; the retry policy then never
starts an attempt that could not finish before it.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from ._constants import (
    DEFAULT_BACKOFF_FACTOR,
    DEFAULT_BACKOFF_JITTER,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_RETRY_AFTER_MAX,
    POOL_MAXSIZE,
    RETRY_STATUSES,
)

__all__ = ["DeadlineRetry", "build_session", "deadline", "current_deadline"]


@dataclass(frozen=True)
class _Deadline:
    at: float  # time.monotonic()
    attempt_timeout: float  # the longest one attempt can take


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("pulumi_dms_tasks_deadline", default=None)


@contextlib.contextmanager
def deadline(at: float, attempt_timeout: float) -> Iterator[None]:
    """Within this block, requests in this thread stop retrying when ``at`` cannot be kept."""
    token = _DEADLINE.set(_Deadline(at, attempt_timeout))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_deadline() -> float | None:
    """The monotonic deadline set by :func:`deadline` in this context, if any."""
    value = _DEADLINE.get()
    return None if value is None else value.at


class DeadlineRetry(Retry):
    """urllib3 ``Retry`` that also refuses a retry whose sleep plus attempt would pass the deadline."""

    def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> "DeadlineRetry":
        new = super().increment(method, url, *args, **kwargs)
        limit = _DEADLINE.get()
        if limit is not None:
            response = kwargs.get("response")
            wait = None
            if response is not None and self.respect_retry_after_header:
                wait = new.get_retry_after(response)
            if wait is None:
                wait = new.get_backoff_time()
            if time.monotonic() + wait + limit.attempt_timeout > limit.at:
                raise MaxRetryError(kwargs.get("_pool"), url or "", kwargs.get("error"))  # type: ignore[arg-type]
        return new


def make_retry(max_retries: int) -> DeadlineRetry:
    """The retry policy: GET only, 429/500/502/503/504, Retry-After honoured (capped), backoff with jitter."""
    return DeadlineRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=DEFAULT_BACKOFF_FACTOR,
        backoff_max=DEFAULT_BACKOFF_MAX,
        backoff_jitter=DEFAULT_BACKOFF_JITTER,
        retry_after_max=DEFAULT_RETRY_AFTER_MAX,
        respect_retry_after_header=True,
        # Map the final response to our own errors instead of urllib3's RetryError.
        raise_on_status=False,
        raise_on_redirect=False,
    )


def build_session(
    *, endpoint: str, max_retries: int, verify: bool | str, user_agent: str, project_id: str
) -> requests.Session:
    """A session with the retry adapter mounted for http and https and the fixed headers set."""
    session = requests.Session()
    # The endpoint never changes: read proxy and CA-bundle settings from the environment once
    # instead of on every request (that lookup was ~15% of a loopback call).
    session.trust_env = False
    session.proxies.update(get_environ_proxies(endpoint))
    if verify is True:
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    adapter = HTTPAdapter(max_retries=make_retry(max_retries), pool_connections=4, pool_maxsize=POOL_MAXSIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = verify
    # Signed headers must arrive unchanged; keep the set small and predictable.
    session.headers.clear()
    session.headers.update(
        {
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-Project-Id": project_id,
        }
    )
    return session
