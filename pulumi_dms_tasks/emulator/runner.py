"""Starting and stopping the emulator, and the handle tests use to script it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from .demo import seed_demo
from .faults import make_fault
from .server import Credentials, EmulatorServer
from .specs import (
    DEFAULT_TASK_NAME,
    DEFAULT_USER_NAME,
    TaskSpec,
    parse_created_at,
    parse_instance_id,
    parse_params,
    parse_task_id,
    parse_timeline,
    parse_timeline_start,
)
from .state import Clock, Store
from .timeline import DEFAULT_TIMELINE

__all__ = ["Emulator", "EmulatorHandle", "run_emulator"]


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmulatorHandle:
    """Script a running emulator from Python: seed tasks, queue faults, read counters.

    The methods act on the emulator's store directly; the admin HTTP API does the same for
    other processes.
    """

    def __init__(self, store: Store, *, url: str, project_id: str, ak: str) -> None:
        self._store = store
        self.url = url
        self.endpoint = url
        self.project_id = project_id
        self.ak = ak

    def __repr__(self) -> str:
        return f"EmulatorHandle(url={self.url!r}, project_id={self.project_id!r}, ak={self.ak!r})"

    def now(self) -> datetime:
        """The emulator's clock."""
        return self._store.now()

    def add_instance(self, instance_id: str) -> None:
        """Register an instance (no-op when it exists)."""
        self._store.add_instance(parse_instance_id(instance_id))

    def add_task(
        self,
        instance_id: str,
        *,
        name: str = DEFAULT_TASK_NAME,
        params: dict[str, Any] | str | None = None,
        user_name: str = DEFAULT_USER_NAME,
        user_id: str | None = None,
        timeline: list[Mapping[str, Any]] | None = None,
        created_at: datetime | None = None,
        progress: bool = True,
        task_id: str | None = None,
        timeline_start: str = "created",
    ) -> str:
        """Add a task (and its instance if new); return its 32-hex id.

        ``timeline`` is ``[{"status": ..., "after": seconds}, ...]`` relative to ``created_at``
        (default: now); the default timeline is ``SUCCESS`` at once. With
        ``timeline_start="first_read"`` the seconds count from the first API call that reads the
        task (show, progress or a list page holding it) instead, however late that comes.
        ``user_id`` defaults to a stable hash of ``user_name``. Raises ``ValueError`` naming a bad
        argument.
        """
        spec = TaskSpec(
            name=name,
            params_json=parse_params(params),
            user_name=user_name,
            user_id=user_id,
            timeline=DEFAULT_TIMELINE if timeline is None else parse_timeline(timeline),
            created_at=parse_created_at(created_at),
            progress=bool(progress),
            task_id=parse_task_id(task_id, "task_id"),
            timeline_start=parse_timeline_start(timeline_start),
        )
        return self._store.add_task(parse_instance_id(instance_id), spec)

    def set_timeline(self, instance_id: str, task_id: str, timeline: list[Mapping[str, Any]]) -> None:
        """Give a task a new future (still timed from its start); ``KeyError`` if unknown."""
        self._store.set_timeline(instance_id, task_id, timeline)

    def task(self, instance_id: str, task_id: str) -> dict[str, str] | None:
        """The task as the API would render it now, or ``None``."""
        stored = self._store.get_task(instance_id, task_id)
        return None if stored is None else stored.to_wire(self._store.now())

    def add_fault(
        self,
        kind: str,
        *,
        count: int = 1,
        status: int | None = None,
        retry_after: float | str | None = None,
        delay: float | None = None,
        operation: str | None = None,
    ) -> None:
        """Queue ``kind`` for the next ``count`` signed calls of ``operation`` (any when ``None``)."""
        fault, times = make_fault(
            kind, count=count, status=status, retry_after=retry_after, delay=delay, operation=operation
        )
        self._store.add_fault(fault, times)

    def pending_faults(self) -> list[dict[str, Any]]:
        """Faults still queued."""
        return self._store.pending_faults()

    def request_counts(self) -> dict[str, Any]:
        """``{"total", "by_operation", "rejected", "faults_served", "log"}`` (as the admin API)."""
        return self._store.request_counts()

    def reset(self) -> None:
        """Forget all instances, tasks, faults and counters."""
        self._store.reset()


class Emulator:
    """The emulator server; :meth:`start` serves in a background thread, :meth:`stop` ends it."""

    def __init__(
        self,
        *,
        ak: str,
        sk: str,
        project_id: str,
        security_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        demo: bool = False,
        log_requests: bool = False,
    ) -> None:
        for name, value in (("ak", ak), ("sk", sk), ("project_id", project_id)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        if security_token is not None and (not isinstance(security_token, str) or not security_token):
            raise ValueError("security_token must be a non-empty string or None")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError("port must be an integer between 0 and 65535")
        self._credentials = Credentials(ak, sk, project_id, security_token)
        self._host = host
        self._port = port
        self._demo = demo
        self._log_requests = log_requests
        self.store = Store(clock)
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._handle: EmulatorHandle | None = None

    def __repr__(self) -> str:
        return f"Emulator(url={self._handle.url if self._handle else None!r}, {self._credentials!r})"

    @property
    def handle(self) -> EmulatorHandle:
        """The handle of the running emulator."""
        if self._handle is None:
            raise RuntimeError("the emulator is not running")
        return self._handle

    def start(self) -> EmulatorHandle:
        """Bind, seed the demo data if asked, and serve in a daemon thread."""
        if self._server is not None:
            return self.handle
        server = EmulatorServer(
            (self._host, self._port), self.store, self._credentials, log_requests=self._log_requests
        )
        if self._demo:
            seed_demo(self.store)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="dms-emulator", daemon=True
        )
        self._thread.start()
        port = int(server.server_address[1])
        self._handle = EmulatorHandle(
            self.store, url=_url(self._host, port), project_id=self._credentials.project_id, ak=self._credentials.ak
        )
        return self._handle

    def stop(self) -> None:
        """Stop serving, close open connections and the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close_connections()
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None
        self._handle = None

    def __enter__(self) -> EmulatorHandle:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def run_emulator(
    *,
    ak: str,
    sk: str,
    project_id: str,
    security_token: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
    demo: bool = False,
) -> Iterator[EmulatorHandle]:
    """Run an emulator on ``host:port`` (0 picks a free port) for the ``with`` block."""
    with Emulator(
        ak=ak, sk=sk, project_id=project_id, security_token=security_token, host=host, port=port, clock=clock, demo=demo
    ) as handle:
        yield handle
