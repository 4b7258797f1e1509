"""Stopping waits when the deployment goes away: the watchdog, in real processes shaped like the
provider host (a main thread parked in ``Event().wait()``, waits on non-daemon worker threads)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pulumi_dms_tasks import TaskCancelledError, TaskTimeoutError
from pulumi_dms_tasks import _cancellation as cancellation
from pulumi_dms_tasks._models import Task
from pulumi_dms_tasks._waiting import WaitPolicy, wait_until_terminal
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

REPO = Path(__file__).resolve().parents[1]

# A stand-in for `python -m pulumi.dynamic`: the main thread waits in Event().wait() and stops on
# KeyboardInterrupt; a wait runs on a non-daemon worker of a ThreadPoolExecutor, as gRPC's do.
HOST_LIKE = textwrap.dedent(
    """
    import sys, threading, time
    from concurrent import futures
    from pulumi_dms_tasks import TaskCancelledError, _cancellation as cancellation
    from pulumi_dms_tasks._models import Task
    from pulumi_dms_tasks._waiting import WaitPolicy, wait_until_terminal

    report = open(sys.argv[1], "a", buffering=1)
    if "--no-exit-hook" in sys.argv:
        threading._register_atexit = None  # an interpreter without the hook: the fallback must do
    cancellation.watch(exit_when_orphaned=True, interval=0.05)

    def fetch(end):
        return Task.model_validate({"id": "t" * 32, "status": "EXECUTING"})

    def wait():
        try:
            wait_until_terminal(fetch, instance_id="inst", task_id="t" * 32,
                                policy=WaitPolicy(timeout=600, poll_interval=0.2, max_poll_interval=0.2),
                                stop_event=cancellation.stop_event())
        except TaskCancelledError:
            report.write("cancelled: " + str(cancellation.reason()) + "\\n")

    if "--plain-thread" in sys.argv:
        threading.Thread(target=wait).start()
    else:
        futures.ThreadPoolExecutor(max_workers=4).submit(wait)
    report.write("ready\\n")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        report.write("interrupted\\n")
    """
)

# Starts the host-like process with stdin from /dev/null (so only its parent's death can tell it
# anything), prints its pid, then waits to be killed.
MIDDLE = textwrap.dedent(
    """
    import subprocess, sys, threading
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdin=subprocess.DEVNULL)
    print(child.pid, flush=True)
    threading.Event().wait()
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture()
def reaped() -> Iterator[list[int]]:
    """Pids a test started; any still running at the end are killed."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def test_stdin_closing_stops_the_wait_and_ends_the_process(tmp_path: Path, reaped: list[int]) -> None:
    """When the CLI holding the provider's stdin goes away, the wait is cancelled and the process exits."""
    report = tmp_path / "report"
    proc = subprocess.Popen([sys.executable, "-c", HOST_LIKE, str(report)], stdin=subprocess.PIPE, cwd=REPO)
    reaped.append(proc.pid)
    assert _wait_for(lambda: "ready" in _lines(report), 30)
    time.sleep(0.5)  # a few polls in
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=5) is not None
    lines = _lines(report)
    assert any(
        line.startswith("cancelled: the Pulumi CLI that started this provider is gone") for line in lines
    ), lines


def test_parent_death_stops_the_wait_and_ends_the_process(tmp_path: Path, reaped: list[int]) -> None:
    """A provider whose parent dies (stdin not a pipe) notices the new parent pid and exits."""
    report = tmp_path / "report"
    middle = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, HOST_LIKE, str(report)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    reaped.append(middle.pid)
    assert middle.stdout is not None
    child = int(middle.stdout.readline())
    reaped.append(child)
    assert _wait_for(lambda: "ready" in _lines(report), 30)
    middle.kill()
    middle.wait()
    assert _wait_for(lambda: not _alive(child), 5), "the orphaned process is still running"
    lines = _lines(report)
    assert any(
        line.startswith(f"cancelled: the process that started this provider (pid {middle.pid}) is gone")
        for line in lines
    ), lines


def test_sigint_to_the_host_stops_the_wait_at_once(tmp_path: Path, reaped: list[int]) -> None:
    """SIGINT (how the engine shuts a provider down) ends a wait held by a worker thread within seconds."""
    report = tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOST_LIKE, str(report)], stdin=subprocess.DEVNULL, cwd=REPO
    )
    reaped.append(proc.pid)
    assert _wait_for(lambda: "ready" in _lines(report), 30)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 0
    assert _lines(report)[-2:] == [
        "interrupted",
        "cancelled: the provider was interrupted: a second Ctrl-C, or the engine shutting it down",
    ]


def test_main_thread_gone_is_the_fallback_without_the_exit_hook(tmp_path: Path, reaped: list[int]) -> None:
    """Without the interpreter-exit hook, a main thread that has ended still stops the waits."""
    report = tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOST_LIKE, str(report), "--no-exit-hook", "--plain-thread"],
        stdin=subprocess.DEVNULL,
        cwd=REPO,
    )
    reaped.append(proc.pid)
    assert _wait_for(lambda: "ready" in _lines(report), 30)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 0
    assert _lines(report)[-1].startswith("cancelled: the provider was interrupted")


def test_a_process_that_is_not_orphaned_keeps_waiting(tmp_path: Path, reaped: list[int]) -> None:
    """The watchdog does not stop anything while the parent and stdin are there."""
    report = tmp_path / "report"
    proc = subprocess.Popen([sys.executable, "-c", HOST_LIKE, str(report)], stdin=subprocess.PIPE, cwd=REPO)
    reaped.append(proc.pid)
    assert _wait_for(lambda: "ready" in _lines(report), 30)
    time.sleep(1.5)
    assert proc.poll() is None and _lines(report) == ["ready"]
    proc.kill()
    proc.wait()


def test_the_first_reason_is_kept_and_the_module_is_inert_outside_the_host() -> None:
    """request_stop keeps the first reason; pytest is not the provider host, so nothing is watched here."""
    code = textwrap.dedent(
        """
        from pulumi_dms_tasks import _cancellation as cancellation
        assert not cancellation.in_provider_host()
        assert cancellation.reason() is None and not cancellation.stop_event().is_set()
        cancellation.request_stop("first")
        cancellation.request_stop("second")
        assert cancellation.stop_event().is_set() and cancellation.reason() == "first"
        assert cancellation.watch(exit_when_orphaned=False) is True
        assert cancellation.watch(exit_when_orphaned=False) is False
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.stdout.strip() == "ok", done.stderr
    assert not cancellation.in_provider_host()


def test_a_stop_before_the_first_poll_sends_no_request() -> None:
    """A wait started after the stop raises TaskCancelledError (a TaskTimeoutError) without polling."""
    calls: list[float] = []
    stop = threading.Event()
    stop.set()

    def fetch(end: float) -> Task:
        calls.append(end)
        return Task.model_validate({"id": "t" * 32, "status": "EXECUTING"})

    with pytest.raises(TaskCancelledError) as info:
        wait_until_terminal(
            fetch, instance_id="i", task_id="t" * 32, policy=WaitPolicy(timeout=60), stop_event=stop
        )
    assert calls == []
    assert isinstance(info.value, TaskTimeoutError) and info.value.cancelled


PROVIDER_CREATE = textwrap.dedent(
    """
    import sys, threading
    from pulumi.dynamic import Config, ConfigureRequest
    from pulumi_dms_tasks import TaskCancelledError, _cancellation as cancellation
    from pulumi_dms_tasks.provider import BackgroundTaskProvider

    url, task_id = sys.argv[1], sys.argv[2]
    provider = BackgroundTaskProvider()
    provider.configure(ConfigureRequest(Config({
        "huaweicloud:accessKey": "%s", "huaweicloud:secretKey": "%s", "huaweicloud:projectId": "%s",
        "huaweicloud:region": "cn-north-4", "huaweicloud:endpoints": '{"dms": "' + url + '"}'}, "proj")))
    threading.Timer(1.0, cancellation.request_stop, ["the test said so"]).start()
    try:
        provider.create({"resource_name": "gate", "instance_id": "inst-c", "task_id": task_id,
                         "timeout": "10m", "poll_interval": "0.2s", "max_poll_interval": "0.5s"})
    except TaskCancelledError as exc:
        print("ERROR", exc)
    """
) % (TEST_AK, TEST_SK, TEST_PROJECT)


def test_provider_create_fails_with_a_cancelled_error_naming_resource_and_task(emulator: Emulator) -> None:
    """A stopped create raises TaskCancelledError naming the resource, the task and why."""
    task_id = emulator.add_task("inst-c", timeline=[{"status": "EXECUTING", "after": 0}])
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", PROVIDER_CREATE, emulator.url, task_id],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("HW_")},
    )
    assert time.monotonic() - began < 30
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("ERROR ")), "")
    assert line.startswith(f"ERROR BackgroundTask gate (inst-c/{task_id}): wait cancelled after"), (
        done.stdout + done.stderr
    )
    assert line.endswith("(the test said so)") and "last status EXECUTING" in line
    assert f"BackgroundTask gate (inst-c/{task_id}): wait cancelled" in done.stderr  # shown by the CLI too
