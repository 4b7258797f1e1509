"""A task-list server that honours only one of the paging names (``start`` or ``offset``).

The emulator accepts both names, as the vendor documents; a real deployment might know only one
and ignore the other like any unknown parameter. This small server on 127.0.0.1 plays that
deployment so the client's paging can be tested against each kind. It checks signatures with the
same verifier as the emulator and serves the list call only.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pulumi_dms_tasks.emulator._verify import SignatureRejected, verify_request

_LIST = re.compile(r"/v2/([^/]+)/instances/([^/]+)/tasks/?")
BASE_TIME = datetime(2024, 6, 1, 8, 0, 0, tzinfo=UTC)


@dataclass
class OneNameServer:
    """What the server knows and what it was asked."""

    honours: str  # "start" or "offset"
    ak: str
    sk: str
    project_id: str
    instance_id: str
    task_count: int
    url: str = ""
    queries: list[dict[str, str]] = field(default_factory=list)

    def task_ids(self) -> list[str]:
        """Every task id, newest first (the order the list answers in)."""
        return [f"{n:032x}" for n in range(self.task_count, 0, -1)]

    def _wire(self, task_id: str) -> dict[str, str]:
        created = BASE_TIME + timedelta(minutes=int(task_id, 16))
        stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {
            "id": task_id,
            "name": "modifyAutoTopic",
            "user_name": "alice",
            "user_id": "u-1",
            "params": "{}",
            "status": "SUCCESS",
            "created_at": stamp,
            "updated_at": stamp,
        }

    def answer(self, query: dict[str, str]) -> dict[str, Any]:
        """One page: the honoured name picks the 1-based first index; the other is ignored."""
        first = max(int(query.get(self.honours, "1")), 1)
        limit = int(query.get("limit", "10"))
        ids = self.task_ids()
        return {
            "task_count": str(len(ids)),
            "tasks": [self._wire(i) for i in ids[first - 1 : first - 1 + limit]],
        }


def _handler(state: OneNameServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Request-Id", "req-one-name")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            match = _LIST.fullmatch(parts.path)
            if match is None or match.groups() != (state.project_id, state.instance_id):
                self._reply(404, {"error_code": "APIGW.0101", "error_msg": "no such API"})
                return
            try:
                verify_request(
                    "GET", self.path, dict(self.headers.items()), None, secret_for={state.ak: state.sk}.get
                )
            except SignatureRejected as exc:
                self._reply(401, {"error_code": exc.code, "error_msg": exc.message})
                return
            query = dict(parse_qsl(parts.query))
            state.queries.append(query)
            self._reply(200, state.answer(query))

    return Handler


@contextmanager
def run_one_name_server(
    honours: str, *, ak: str, sk: str, project_id: str, instance_id: str, task_count: int
) -> Iterator[OneNameServer]:
    """Serve on a free loopback port until the block ends."""
    assert honours in ("start", "offset")
    state = OneNameServer(honours, ak, sk, project_id, instance_id, task_count)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
