"""The emulator's one entry point: :class:`Emulator`, a context manager that serves on loopback."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ._demo import seed_demo
from ._faults import make_fault
from ._server import Credentials, EmulatorServer
from ._specs import (
    DEFAULT_TASK_NAME,
    DEFAULT_USER_NAME,
    TaskSpec,
    parse_busy_tasks,
    parse_change,
    parse_engine,
    parse_instance_id,
    parse_task_id,
    parse_task_spec,
)
from ._state import Clock, Store

__all__ = ["Emulator", "run_emulator"]


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Emulator:
    """A DMS task API emulator on ``host:port`` (0 picks a free port), scripted from Python.

    ``with Emulator(ak=..., sk=..., project_id=...) as emu:`` serves in a background thread for the
    block; ``emu.url`` is its base URL. The scripting methods act on the store directly and
    validate exactly as the admin HTTP API does for other processes.
    """

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
        self._store = Store(clock)
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL of the running emulator, e.g. ``http://127.0.0.1:40123``."""
        if self._url is None:
            raise RuntimeError("the emulator is not running: use `with Emulator(...) as emu:` or start()")
        return self._url

    @property
    def project_id(self) -> str:
        """The one project id the emulator serves."""
        return self._credentials.project_id

    @property
    def ak(self) -> str:
        """The access key it accepts (the secret key is never exposed)."""
        return self._credentials.ak

    def __repr__(self) -> str:
        return f"Emulator(url={self._url!r}, {self._credentials!r})"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind, seed the demo data if asked, and serve in a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        server = EmulatorServer(
            (self._host, self._port), self._store, self._credentials, log_requests=self._log_requests
        )
        if self._demo:
            seed_demo(self._store)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="dms-emulator", daemon=True
        )
        self._thread.start()
        self._url = _url(self._host, int(server.server_address[1]))
        return self

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
        self._url = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------

    def now(self) -> datetime:
        """The emulator's clock."""
        return self._store.now()

    def add_instance(self, instance_id: str, engine: str | None = None) -> None:
        """Register an instance of ``engine``: ``"kafka"`` (the default), ``"rabbitmq"`` or ``"rocketmq"``.

        A no-op when it exists; ``ValueError`` when it exists as another engine. Instances created
        by :meth:`add_task` are Kafka instances. RabbitMQ instances have no progress API: that path
        answers 404 ``APIGW.0101``, as the gateway answers a path it does not know.
        """
        self._store.add_instance(
            parse_instance_id(instance_id), None if engine is None else parse_engine(engine)
        )

    def engine(self, instance_id: str) -> str | None:
        """The instance's engine (``None`` when there is no such instance)."""
        return self._store.engine(instance_id)

    def start_change(
        self,
        instance_id: str,
        *,
        name: str = DEFAULT_TASK_NAME,
        params: dict[str, Any] | str | None = None,
        timeline: list[Mapping[str, Any]] | None = None,
        progress: bool = True,
    ) -> str:
        """Make a change that starts a task now, like a call the cloud answers 204 without a task id.

        Returns the new task's id for the test's own checks (the admin API's ``POST
        instances/{id}/changes`` returns nothing, like the cloud). The default timeline is
        ``EXECUTING`` at once and ``SUCCESS`` 3 s later.
        """
        body: dict[str, Any] = {"name": name, "params": params, "progress": progress}
        if timeline is not None:
            body["timeline"] = list(timeline)
        return self._store.add_task(parse_instance_id(instance_id), parse_change(body))

    def keep_busy(self, instance_id: str, tasks: list[Mapping[str, Any]]) -> list[str]:
        """Start several tasks now: each ``{"name", "seconds", "final", "params", ...}`` runs ``EXECUTING``
        for ``seconds`` (default 3), then ends ``final`` (default ``SUCCESS``). Returns their ids."""
        return self._store.add_tasks(parse_instance_id(instance_id), parse_busy_tasks({"tasks": list(tasks)}))

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
        # The admin API's parser: one set of rules whichever way a task arrives.
        body: dict[str, Any] = {
            "name": name,
            "params": params,
            "user_name": user_name,
            "user_id": user_id,
            "timeline": timeline,
            "created_at": created_at,
            "progress": progress,
            "id": parse_task_id(task_id, "task_id"),  # the same rule, under this argument's name
            "timeline_start": timeline_start,
        }
        spec = parse_task_spec({k: v for k, v in body.items() if v is not None})
        return self._store.add_task(parse_instance_id(instance_id), spec)

    def seed(self, specs: Mapping[str, list[TaskSpec]]) -> None:
        """Add validated task specs per instance (a parsed ``--tasks`` document)."""
        for instance_id, tasks in specs.items():
            self._store.add_instance(instance_id)
            for spec in tasks:
                self._store.add_task(instance_id, spec)

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


def run_emulator(**kwargs: Any) -> Emulator:
    """Deprecated: ``with Emulator(...) as emu:`` does the same."""
    warnings.warn(
        "run_emulator() is deprecated; use `with Emulator(ak=..., sk=..., project_id=...) as emu:`",
        DeprecationWarning,
        stacklevel=2,
    )
    return Emulator(**kwargs)
