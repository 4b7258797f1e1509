"""The HTTP layer: a keep-alive ``ThreadingHTTPServer`` that authenticates, misbehaves on request
and delegates the actual answers to :mod:`.api` and :mod:`.admin`.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import re
import socket
import socketserver
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import _admin, _api
from ._faults import MALFORMED_BODY, Fault, error_for_status, wrong_shape_body
from ._state import Store
from ._verify import SignatureRejected, verify_request
from ._wire import API_NOT_FOUND, Reply, admin_error, api_error, encode_json

__all__ = ["MAX_BODY_BYTES", "Credentials", "EmulatorServer", "Handler"]

MAX_BODY_BYTES = 1 << 20
_DECIMAL = re.compile(r"[0-9]{1,18}")  # ASCII only: str.isdigit() also takes "²"
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")  # no sign, no 0x, no underscores (int() takes all three)
_MAX_LINE = 4096
_MAX_TRAILERS = 32
# Idle keep-alive connections each hold a thread; let them go eventually.
IDLE_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Credentials:
    """What the emulator accepts. ``repr`` hides the secret."""

    ak: str
    sk: str
    project_id: str
    security_token: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(ak={self.ak!r}, sk=***, project_id={self.project_id!r})"

    def secret_for(self, access_key: str) -> str | None:
        """The secret key for ``access_key`` (``None`` when unknown)."""
        if hmac.compare_digest(access_key.encode("utf-8"), self.ak.encode("utf-8")):
            return self.sk
        return None


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server that remembers its open connections so it can close them on stop."""

    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], store: Store, credentials: Credentials, *, log_requests: bool = False
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.log_requests = log_requests
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall start-up.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (after a read timeout, say) is normal here, not worth a traceback.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)) or self.stopping.is_set():
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Wake and close every open connection (idle keep-alives, delayed replies)."""
        self.stopping.set()
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


class Handler(BaseHTTPRequestHandler):
    """One connection; each request gets a fresh ``X-Request-Id``."""

    protocol_version = "HTTP/1.1"
    server_version = "DMS-Emulator/1.0"
    # Headers and body go out in separate writes; without this Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SECONDS
    server: EmulatorServer

    request_id = ""
    _responded = False
    _pending: dict[str, Any] | None = None

    # -- plumbing ------------------------------------------------------------------------------

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.log_requests:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unsupported method) as JSON, with a request id."""
        self.request_id = self.request_id or uuid.uuid4().hex
        self.close_connection = True
        # The stdlib would answer an unparsable request line HTTP/0.9-style, without a status line.
        self.request_version = self.protocol_version
        body = {"error_code": f"HTTP.{code}", "error_msg": message or self.responses.get(code, ("",))[0]}
        self._write(Reply(code, body), close=True)

    def _read_body(self) -> bytes:
        # Strict, like a gateway in front of a real service: anything ambiguous is a 400 (and the
        # connection closes), so no framing trick gets a body past the size cap.
        encodings = self.headers.get_all("Transfer-Encoding") or []
        lengths = self.headers.get_all("Content-Length") or []
        if encodings:
            if lengths:
                raise _BodyError(400, "both Transfer-Encoding and Content-Length")
            if ",".join(encodings).strip().lower() != "chunked":
                raise _BodyError(501, "unsupported Transfer-Encoding: only chunked is accepted")
            return self._read_chunked()
        if not lengths:
            return b""
        if len(set(v.strip() for v in lengths)) != 1 or not _DECIMAL.fullmatch(lengths[0].strip()):
            raise _BodyError(400, "invalid Content-Length: expected one decimal number")
        length = int(lengths[0])
        if length > MAX_BODY_BYTES:
            raise _BodyError(413, "request body too large")
        body = self.rfile.read(length)
        if len(body) != length:
            raise _BodyError(400, "request body shorter than its Content-Length")
        return body

    def _read_line(self, what: str) -> bytes:
        line = self.rfile.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE or not line.endswith(b"\r\n"):
            raise _BodyError(400, f"invalid chunked encoding: {what} line too long or not ended by CRLF")
        return line[:-2]

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_text = self._read_line("chunk size").split(b";", 1)[0].rstrip(b" \t")
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise _BodyError(400, "invalid chunked encoding: chunk size must be hexadecimal digits")
            size = int(size_text, 16)
            if size == 0:
                for _ in range(_MAX_TRAILERS + 1):
                    if not self._read_line("trailer"):
                        return b"".join(chunks)
                raise _BodyError(400, "invalid chunked encoding: too many trailer lines")
            total += size
            if total > MAX_BODY_BYTES:
                raise _BodyError(413, "request body too large")
            chunk = self.rfile.read(size)
            if len(chunk) != size:
                raise _BodyError(400, "invalid chunked encoding: chunk shorter than its size")
            chunks.append(chunk)
            if self.rfile.read(2) != b"\r\n":
                raise _BodyError(400, "invalid chunked encoding: chunk data not followed by CRLF")

    def _write(
        self,
        reply: Reply,
        *,
        close: bool = False,
        payload: bytes | None = None,
        content_length: int | None = None,
    ) -> None:
        body = reply.payload() if payload is None else payload
        self._responded = True
        self.send_response(reply.status)
        self.send_header("X-Request-Id", self.request_id)
        if body is not None:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        # 204 must not carry a body or a Content-Length (RFC 9110 8.6); every other reply does.
        if reply.status != 204:
            self.send_header(
                "Content-Length", str(len(body or b"") if content_length is None else content_length)
            )
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if close:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    # -- dispatch ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _handle(self) -> None:
        self.request_id = uuid.uuid4().hex
        self._responded = False
        try:
            self._route()
        except OSError:
            raise  # the client went away; handle_error decides whether to mention it
        except Exception:  # noqa: BLE001 - any bug, reported below with its traceback
            # A bug in the emulator must surface as a 500 with a traceback, not as a network fault.
            traceback.print_exc(file=sys.stderr)
            if not self._responded:
                self._write(
                    Reply(500, {"error_code": "DMS.00500000", "error_msg": "Internal error (emulator bug)"}),
                    close=True,
                )

    def _route(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path or "/"
        is_admin = path == _admin.PREFIX or path.startswith(_admin.PREFIX + "/")
        try:
            body = self._read_body()
        except _BodyError as exc:
            if not is_admin:
                self.server.store.record(self.command, path, parts.query, None, exc.status)
            self._write(
                Reply(exc.status, {"error_code": f"HTTP.{exc.status}", "error_msg": exc.message}), close=True
            )
            return
        if is_admin:
            self._handle_admin(path[len(_admin.PREFIX) :], body)
        else:
            self._handle_cloud(path, parts.query, body)

    def _handle_admin(self, path: str, body: bytes) -> None:
        if not _is_loopback(self.client_address[0]):
            self._write(admin_error(403, "the admin API only answers loopback clients"))
            return
        refusal = _admin.refuse_foreign(self.command, self.headers, body)
        if refusal is not None:
            self._write(refusal)
            return
        self._write(_admin.handle_admin(self.server.store, self.command, path or "/", body))

    def _handle_cloud(self, path: str, query_text: str, body: bytes) -> None:
        store = self.server.store
        call = _api.route(self.command, path)
        self._pending = {
            "generation": store.generation,
            "method": self.command,
            "path": path,
            "query": query_text,
            "operation": call.operation if call else None,
            "rejected": False,
            "fault": None,
        }
        try:
            if call is None or (
                call.operation == "progress" and not store.has_progress_api(call.instance_id)
            ):
                # RabbitMQ has no progress API: its instances get the gateway's answer to a path it
                # does not know, before any signature check, like every unknown path.
                self._send(api_error(API_NOT_FOUND, self.request_id))
                return
            creds = self.server.credentials
            try:
                verify_request(
                    self.command,
                    self.path,
                    _utf8_headers(self.headers.items()),
                    body,
                    secret_for=creds.secret_for,
                    security_token=creds.security_token,
                    now=store.now(),
                )
            except SignatureRejected as exc:
                self._pending["rejected"] = True
                self._send(
                    Reply(
                        401, {"error_code": exc.code, "error_msg": exc.message, "request_id": self.request_id}
                    )
                )
                return
            query = parse_qsl(query_text, keep_blank_values=True)
            fault = store.take_fault(call.operation)
            if fault is not None:
                self._pending["fault"] = fault.kind
                if fault.delay and self.server.stopping.wait(fault.delay):
                    self.close_connection = True
                    return
                if fault.kind != "delay":
                    self._serve_fault(fault, call, query)
                    return
            self._send(
                _api.answer(store, call, query, project_id=creds.project_id, request_id=self.request_id)
            )
        finally:
            # Whatever happened (a drop, an interrupted delay, a crash), the call is counted once.
            self._record(None)

    def _record(self, status: int | None) -> None:
        # Recorded before the reply is written, so a client that has its answer sees the counters.
        pending, self._pending = self._pending, None
        if pending is not None:
            rejected, fault = pending.pop("rejected"), pending.pop("fault")
            self.server.store.record(**pending, status=status, rejected=rejected, fault=fault)

    def _send(self, reply: Reply) -> None:
        self._record(reply.status)
        self._write(reply)

    def _serve_fault(self, fault: Fault, call: _api.Route, query: list[tuple[str, str]]) -> None:
        """Misbehave as ``fault`` says."""
        if fault.kind == "status":
            assert fault.status is not None
            code, message, gateway = error_for_status(fault.status)
            body = {"error_code": code, "error_msg": message}
            if gateway:
                body["request_id"] = self.request_id
            headers = {}
            retry_after = fault.retry_after_header()
            if retry_after is not None:
                headers["Retry-After"] = retry_after
            self._send(Reply(fault.status, body, headers))
            return
        if fault.kind == "drop":
            self.close_connection = True
            return
        if fault.kind == "malformed":
            self._send(Reply(200, MALFORMED_BODY))
            return
        if fault.kind == "wrong_shape":
            self._send(Reply(200, wrong_shape_body(call.operation)))
            return
        full = self._would_be_body(call, query)
        half = full[: max(1, len(full) // 2)]
        if fault.kind == "truncated":
            self._send(Reply(200, half))
            return
        # short_read: promise the whole document, send half, hang up.
        self._record(200)
        self._write(Reply(200), payload=half, content_length=len(full), close=True)

    def _would_be_body(self, call: _api.Route, query: list[tuple[str, str]]) -> bytes:
        # The real answer when it is a JSON 200 (reads have no side effects); else a stand-in.
        if call.operation != "delete":
            reply = _api.answer(
                self.server.store,
                call,
                query,
                project_id=self.server.credentials.project_id,
                request_id=self.request_id,
            )
            if reply.status == 200 and isinstance(reply.body, dict):
                return encode_json(reply.body)
        return encode_json({"task_count": "0", "tasks": [], "note": "truncated on purpose by the emulator"})


def _utf8_headers(items: Any) -> dict[str, str]:
    """Header values as the client signed them: http.server decodes bytes as latin-1, clients sign UTF-8."""
    out: dict[str, str] = {}
    for name, value in items:
        try:
            out[name] = value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            out[name] = value
    return out
