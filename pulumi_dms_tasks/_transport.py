"""The HTTP layer: one ``requests.Session`` with urllib3 ``Retry``, timeouts and a hard deadline.

Transport retries (429/5xx, connection and read errors; GET only) live here. The wait loop
(:mod:`._waiting`) is the other retry layer, for a different concern: it counts a poll that failed
after these retries as one attempt and keeps polling within the wait's own deadline.
Every request runs inside :func:`deadline`: the retry policy never starts an attempt that could
not finish before it, and a watchdog shuts the request's socket down when it passes, so a server
that trickles its headers or body a byte at a time cannot stretch a call (socket timeouts only
bound the wait for *each* byte). Bodies are read in chunks up to a cap, counted after gzip/deflate
inflation (:func:`read_body`). Redirects are never followed.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError
from urllib3.poolmanager import PoolManager
from urllib3.response import HTTPResponse
from urllib3.util.retry import Retry

from ._constants import (
    DEFAULT_BACKOFF_FACTOR,
    DEFAULT_BACKOFF_JITTER,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_RETRY_AFTER_MAX,
    LAST_ATTEMPT_SECONDS,
    POOL_MAXSIZE,
    RETRY_STATUSES,
)

__all__ = ["DeadlineRetry", "Guard", "build_session", "deadline", "read_body"]

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class _Deadline:
    at: float  # time.monotonic()
    attempt_timeout: float  # the longest one attempt can take


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("pulumi_dms_tasks_deadline", default=None)


class Guard:
    """The sockets one call reads from; the watchdog shuts them down when ``cut`` passes."""

    __slots__ = ("_finished", "_lock", "_sockets", "cut", "expired")

    def __init__(self, cut: float) -> None:
        self.cut = cut
        self.expired = False
        self._finished = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self._finished:
                return
            if self.expired:
                _shutdown(sock)
            else:
                self._sockets.append(sock)

    def expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)

    def finish(self) -> None:
        # Under the lock: a pooled socket handed to the next call must never be shut down for this one.
        with self._lock:
            self._finished = True
            self._sockets = []

    @property
    def finished(self) -> bool:
        return self._finished


def _shutdown(sock: socket.socket) -> None:
    # shutdown() wakes a recv() blocked in another thread; close() would not.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread expiring guards at their cut-off time."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Guard]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, guard: Guard) -> None:
        with self._cond:
            order = next(self._order)
            if order % 256 == 0 and len(self._heap) > 256:
                # Finished guards leave the heap when their time comes; sweep them sooner in bulk.
                self._heap = [entry for entry in self._heap if not entry[2].finished]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (guard.cut, order, guard))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="pulumi-dms-tasks-deadline", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is guard:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                guard = heapq.heappop(self._heap)[2]
            guard.expire()


_WATCHDOG = _Watchdog()
_GUARD: ContextVar[Guard | None] = ContextVar("pulumi_dms_tasks_guard", default=None)


@contextlib.contextmanager
def deadline(at: float, attempt_timeout: float) -> Iterator[Guard]:
    """Within this block, requests in this thread stop retrying when ``at`` cannot be kept, and
    are cut off at ``at`` (at least ``LAST_ATTEMPT_SECONDS`` from now). Yields the :class:`Guard`,
    whose ``expired`` tells whether the cut-off struck."""
    guard = Guard(max(at, time.monotonic() + LAST_ATTEMPT_SECONDS))
    _WATCHDOG.watch(guard)
    token = _DEADLINE.set(_Deadline(at, attempt_timeout))
    guard_token = _GUARD.set(guard)
    try:
        yield guard
    finally:
        _GUARD.reset(guard_token)
        _DEADLINE.reset(token)
        guard.finish()


def _watch_socket(sock: socket.socket | None) -> None:
    guard = _GUARD.get()
    if guard is not None and sock is not None:
        guard.add(sock)


class DeadlineHTTPConnection(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        # The request is sent; from here on every byte is read from this socket. (Connecting is
        # bounded by the connect timeout, clamped to the time left; CPython applies a socket
        # timeout to a TLS handshake as a whole.)
        _watch_socket(self.sock)
        return super().getresponse()


class DeadlineHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        _watch_socket(self.sock)
        return super().getresponse()


class DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": DeadlineHTTPConnectionPool,
    "https": DeadlineHTTPSConnectionPool,
}


class _Adapter(HTTPAdapter):
    """``HTTPAdapter`` whose pools hand their sockets to the current call's :class:`Guard`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS managers need their own pool classes
            manager.pool_classes_by_scheme = _POOLS
        return manager


class _Session(requests.Session):
    def get_redirect_target(self, resp: requests.Response) -> str | None:
        # Never follow a redirect, whatever a caller passes: the client reports the 3xx instead.
        return None


class DeadlineRetry(Retry):
    """urllib3 ``Retry`` that also refuses a retry whose sleep plus attempt would pass the deadline."""

    def increment(
        self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any
    ) -> DeadlineRetry:
        new = super().increment(method, url, *args, **kwargs)
        response = kwargs.get("response")
        limit = _DEADLINE.get()
        if limit is not None:
            wait = None
            if response is not None and self.respect_retry_after_header:
                wait = new.get_retry_after(response)
            if wait is None:
                wait = new.get_backoff_time()
            if time.monotonic() + wait + limit.attempt_timeout > limit.at:
                raise MaxRetryError(kwargs.get("_pool"), url or "", kwargs.get("error"))  # type: ignore[arg-type]
        if response is not None:
            # urllib3 would now drain the body to reuse the connection, and a body can be endless:
            # drop the connection instead (retries are rare; a reconnect is cheap).
            response.close()
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


def read_body(response: requests.Response, limit: int) -> tuple[bytes, bool]:
    """The body of a ``stream=True`` response, decoded (gzip/deflate), at most ``limit`` bytes.

    Returns the bytes and whether the body was longer (then reading stopped there and the
    connection is closed). Raises ``requests`` exceptions as ``iter_content`` does.
    """
    parts: list[bytes] = []
    size = 0
    # urllib3 inflates at most one chunk's worth per read, so a gzip bomb is counted as it grows.
    for chunk in response.iter_content(chunk_size=_CHUNK):
        size += len(chunk)
        if size > limit:
            parts.append(chunk[: len(chunk) - (size - limit)])
            response.close()
            return b"".join(parts), True
        parts.append(chunk)
    return b"".join(parts), False


def build_session(
    *, endpoint: str, max_retries: int, verify: bool | str, user_agent: str, project_id: str
) -> requests.Session:
    """A session with the retry adapter mounted for http and https and the fixed headers set."""
    session = _Session()
    # The endpoint never changes: read proxy and CA-bundle settings from the environment once
    # instead of on every request (that lookup was ~15% of a loopback call).
    session.trust_env = False
    session.max_redirects = 0
    session.proxies.update(get_environ_proxies(endpoint))
    if verify is True:
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    adapter = _Adapter(max_retries=make_retry(max_retries), pool_connections=4, pool_maxsize=POOL_MAXSIZE)
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
