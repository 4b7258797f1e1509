"""Small hostile HTTP servers on 127.0.0.1: each request is answered with raw bytes a test scripts.

The emulator is meant to be well-behaved; these servers are not. A responder gets the parsed
request and a :class:`Reply` to write to (status and headers, then a body that may trickle,
never end or inflate to a gigabyte). Every loop here is bounded in bytes and time and stops when
the client goes away or the server is closed.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["HostileServer", "Reply", "Seen", "gzip_bomb", "serve", "task_body"]


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    target: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query).items()}


class _ClientGoneError(Exception):
    pass


@dataclass
class Reply:
    """Where a responder writes its answer."""

    sock: socket.socket
    stopped: threading.Event
    sent: int = field(default=0)

    def raw(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise _ClientGoneError() from exc
        self.sent += len(data)

    def head(self, status: int, headers: Mapping[str, str] | None = None, reason: str = "X") -> None:
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def json(self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.head(
            status,
            {
                "Content-Type": "application/json",
                "Content-Length": str(len(data)),
                "Connection": "close",
                **(headers or {}),
            },
        )
        self.raw(data)

    def trickle(self, data: bytes, every: float, *, limit_seconds: float = 120.0) -> None:
        """Send ``data`` one byte per ``every`` seconds (at most ``limit_seconds`` in all)."""
        end = time.monotonic() + limit_seconds
        for i in range(len(data)):
            self.raw(data[i : i + 1])
            if time.monotonic() > end or self.stopped.wait(every):
                return

    def stream(self, chunks: Iterator[bytes], *, limit_bytes: int, limit_seconds: float = 60.0) -> None:
        """Send chunks as fast as the client reads, up to ``limit_bytes`` or ``limit_seconds``."""
        end = time.monotonic() + limit_seconds
        for chunk in chunks:
            if self.sent >= limit_bytes or time.monotonic() > end or self.stopped.is_set():
                return
            self.raw(chunk)


Responder = Callable[[Seen, Reply], None]


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.request.settimeout(10)
        rfile = self.request.makefile("rb")
        try:
            line = rfile.readline(65537).decode("latin-1").strip()
            if not line:
                return
            method, target, _ = line.split(" ", 2)
            headers: dict[str, str] = {}
            while True:
                header = rfile.readline(65537).decode("latin-1")
                if header in ("\r\n", "\n", ""):
                    break
                name, _, value = header.partition(":")
                headers[name.strip().lower()] = value.strip()
            seen = Seen(method, target, headers)
            with self.server.lock:
                self.server.seen.append(seen)
            self.server.respond(seen, Reply(self.request, self.server.stopped))
        except (_ClientGoneError, OSError, ValueError):
            pass
        finally:
            rfile.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    respond: Responder
    seen: list[Seen]
    lock: threading.Lock
    stopped: threading.Event


class HostileServer:
    """A loopback server answering every request with ``respond(seen, reply)``; records requests."""

    def __init__(self, respond: Responder) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.respond = respond
        self._server.seen = []
        self._server.lock = threading.Lock()
        self._server.stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def seen(self) -> list[Seen]:
        with self._server.lock:
            return list(self._server.seen)

    def close(self) -> None:
        self._server.stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(respond: Responder) -> HostileServer:
    """Start a :class:`HostileServer`; use it in a ``with`` block."""
    return HostileServer(respond)


def task_body(task_id: str, status: str = "SUCCESS", **fields: Any) -> dict[str, Any]:
    """A show-task body in the API's shape."""
    task = {
        "id": task_id,
        "name": "bindInstancePublicIp",
        "status": status,
        "params": "{}",
        "created_at": "2024-01-01T00:00:00.000Z",
        "updated_at": "2024-01-01T00:00:05.000Z",
        **fields,
    }
    return {"task_count": "1", "tasks": [task]}


@lru_cache(maxsize=2)
def gzip_bomb(inflated_mib: int = 1024) -> bytes:
    """A gzip stream of ``inflated_mib`` MiB of spaces (about 1 MiB on the wire per GiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1 << 20)
    parts = [packer.compress(b'{"task_count": "1", "tasks": [')]
    for _ in range(inflated_mib):
        parts.append(packer.compress(block))
    parts.append(packer.flush())
    return b"".join(parts)
