"""Stopping `pulumi up` while a BackgroundTask waits, through the real CLI: Ctrl-C, an interrupted
Automation API script, a killed CLI. The provider must stop polling and exit within seconds, say
which resource and task it gave up on when the CLI is still there to show it, and leave a stack
that the README's Troubleshooting commands bring back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_dms_tasks.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("cancel_driver.py")
INSTANCE = "inst-cancel"
RUNNING = [{"status": "EXECUTING", "after": 0}]


# -- launching and watching processes ----------------------------------------------------------------


def launch_up(state_dir: Path, url: str, task_id: str, *, harness_ignores_sigint: bool) -> subprocess.Popen[str]:
    """Start `pulumi up` of a program whose BackgroundTask waits on ``task_id``, in a session of its own.

    The one place that knows how the program is launched: an Automation API inline program run by
    cancel_driver.py today; `pulumi up` in a directory program once a language host is available.
    """
    args = [sys.executable, str(DRIVER), "up", str(state_dir), url, task_id]
    if harness_ignores_sigint:
        args.append("--harness-ignores-sigint")
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def run_driver(mode: str, state_dir: Path, url: str = "-", task_id: str = "-") -> str:
    done = subprocess.run([sys.executable, str(DRIVER), mode, str(state_dir), url, task_id], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line), for live processes."""
    found: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            found[int(entry)] = (int(fields[1]), command)
    return found


def _descendants(root: int) -> dict[int, str]:
    procs = _processes()
    family, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in procs.items():
            if ppid in family and pid not in family:
                family.add(pid)
                grew = True
    return {pid: procs[pid][1] for pid in family if pid in procs}


def _alive(pid: int) -> bool:
    return pid in _processes()


def _wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


class Up:
    """A running `pulumi up` and the processes it started."""

    def __init__(self, proc: subprocess.Popen[str], emulator: Emulator) -> None:
        self.proc = proc
        # Wait until the provider polls: the create is in its wait loop.
        assert _wait_for(lambda: emulator.request_counts()["by_operation"]["show"] >= 2 or proc.poll() is not None, 120), \
            "the provider never polled"
        assert proc.poll() is None, proc.communicate()[0]
        family = _descendants(proc.pid)
        self.cli = next(pid for pid, cmd in family.items() if cmd.split(" ", 1)[0].endswith("/pulumi"))
        self.provider = next(pid for pid, cmd in family.items() if "-m pulumi.dynamic" in cmd)
        self.family = family

    def output(self, timeout: float) -> str:
        return self.proc.communicate(timeout=timeout)[0]


@pytest.fixture()
def started(pulumi_cli: Path) -> Iterator[list[Up]]:
    """Runs a test starts; every process they left is killed at the end."""
    runs: list[Up] = []
    yield runs
    for run in runs:
        for pid in run.family:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if run.proc.poll() is None:
            run.proc.communicate()


def _polls(emulator: Emulator) -> int:
    return int(emulator.request_counts()["by_operation"]["show"])


def _recovers(state_dir: Path, emulator: Emulator, task_id: str) -> None:
    """The README's commands clear what the interruption left, and the next `up` succeeds cleanly."""
    recovered = run_driver("recover", state_dir)
    assert "RECOVERED 0" in recovered, recovered
    assert "PENDING 0" in run_driver("pending", state_dir)
    emulator.set_timeline(INSTANCE, task_id, [{"status": "SUCCESS", "after": 0}])
    again = launch_up(state_dir, emulator.url, task_id, harness_ignores_sigint=False)
    out = again.communicate(timeout=300)[0]
    assert "RESULT succeeded" in out, out
    assert "pending operations" not in out
    assert "PENDING 0" in run_driver("pending", state_dir)


# -- the tests -------------------------------------------------------------------------------------


def test_ctrl_c_twice_stops_the_wait_and_names_the_resource_and_task(
    emulator: Emulator, tmp_path: Path, started: list[Up]
) -> None:
    """Ctrl-C, then Ctrl-C again as the CLI asks: the wait stops at once with a cancelled error naming
    the resource and the task, no provider is left, and the README's commands recover the stack.

    (The first Ctrl-C alone cannot reach the wait: the pinned SDK's host ignores the engine's
    Cancel and runs in its own process group. The README says so.)
    """
    task_id = emulator.add_task(INSTANCE, timeline=RUNNING)
    state = tmp_path / "pulumi"
    run = Up(launch_up(state, emulator.url, task_id, harness_ignores_sigint=True), emulator)
    started.append(run)
    os.killpg(run.proc.pid, signal.SIGINT)
    time.sleep(1.0)
    os.killpg(run.proc.pid, signal.SIGINT)
    interrupted = time.monotonic()
    out = run.output(timeout=60)
    assert "^C received; terminating" in out, out
    assert f"BackgroundTask slow-task ({INSTANCE}/{task_id}): wait cancelled after" in out, out
    assert "the provider was interrupted" in out
    assert _wait_for(lambda: not _alive(run.provider), 10), "the provider process outlived the CLI"
    polls = _polls(emulator)
    time.sleep(1.5)
    assert _polls(emulator) == polls, "polling went on after the CLI ended"
    assert time.monotonic() - interrupted < 60
    _recovers(state, emulator, task_id)


def test_interrupted_automation_script_leaves_no_provider_polling(
    emulator: Emulator, tmp_path: Path, started: list[Up]
) -> None:
    """Ctrl-C of an Automation API script (SIGINT to its whole group) orphans the CLI's provider: it
    stops polling and exits within seconds; the README's commands unlock and clean the stack."""
    task_id = emulator.add_task(INSTANCE, timeline=RUNNING)
    state = tmp_path / "pulumi"
    run = Up(launch_up(state, emulator.url, task_id, harness_ignores_sigint=False), emulator)
    started.append(run)
    os.killpg(run.proc.pid, signal.SIGINT)
    run.output(timeout=60)
    assert _wait_for(lambda: not _alive(run.provider), 10), "the orphaned provider is still running"
    polls = _polls(emulator)
    time.sleep(1.5)
    assert _polls(emulator) == polls, "the orphaned provider is still polling"
    assert _wait_for(lambda: not _alive(run.cli), 10)
    _recovers(state, emulator, task_id)


def test_killed_cli_leaves_no_provider_polling(emulator: Emulator, tmp_path: Path, started: list[Up]) -> None:
    """SIGKILL of the CLI (CI job cancelled, OOM): the provider notices within seconds and exits."""
    task_id = emulator.add_task(INSTANCE, timeline=RUNNING)
    state = tmp_path / "pulumi"
    run = Up(launch_up(state, emulator.url, task_id, harness_ignores_sigint=False), emulator)
    started.append(run)
    os.kill(run.cli, signal.SIGKILL)
    assert _wait_for(lambda: not _alive(run.provider), 10), "the provider outlived its killed CLI"
    polls = _polls(emulator)
    time.sleep(1.5)
    assert _polls(emulator) == polls
    out = run.output(timeout=60)
    assert "FAILED" in out
    _recovers(state, emulator, task_id)
