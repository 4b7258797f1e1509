"""Stopping `pulumi up` while a BackgroundTask waits, through the real CLI: Ctrl-C, an interrupted
Automation API script, a killed CLI. The provider must stop polling and exit within seconds, say
which resource and task it gave up on when the CLI is still there to show it, and leave a stack
that the README's Troubleshooting commands bring back.

Two user paths: Ctrl-C in a terminal and a killed CLI run `pulumi up --yes` on a directory program
(``programs/slow_task.py``) exactly as a user types it, the CLI leading a process group of its own
as a shell's job does; the interrupted script is an Automation API inline program
(``cancel_driver.py``), recovered through the Automation API as the README says for that path."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import stackrun

from pulumi_dms_tasks.emulator import Emulator

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("cancel_driver.py")
INSTANCE = "inst-cancel"
RUNNING: list[Mapping[str, Any]] = [{"status": "EXECUTING", "after": 0}]


# -- launching and watching processes ----------------------------------------------------------------


def launch_up(stack: stackrun.DirectoryStack) -> subprocess.Popen[str]:
    """`pulumi up --yes` in the project directory, leading a process group of its own like a job a
    shell starts in a terminal: ``os.killpg(p.pid, SIGINT)`` is the terminal's Ctrl-C."""
    return stack.popen("up", "--yes", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def launch_script(state_dir: Path, url: str, task_id: str) -> subprocess.Popen[str]:
    """An Automation API script (cancel_driver.py) running `up` of an inline program, in a session of
    its own: ``os.killpg(p.pid, SIGINT)`` is Ctrl-C in the terminal that runs the script."""
    return subprocess.Popen(
        [sys.executable, str(DRIVER), "up", str(state_dir), url, task_id],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def run_driver(mode: str, state_dir: Path, url: str = "-", task_id: str = "-") -> str:
    done = subprocess.run(
        [sys.executable, str(DRIVER), mode, str(state_dir), url, task_id],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line), for live processes."""
    found: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = (
                Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
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


def _wait_for(predicate: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


class Up:
    """A running `pulumi up` (the CLI itself, or the script that runs it) and the processes it started."""

    def __init__(self, proc: subprocess.Popen[str], emulator: Emulator) -> None:
        self.proc = proc
        # Wait until the provider polls: the create is in its wait loop.
        assert _wait_for(
            lambda: emulator.request_counts()["by_operation"]["show"] >= 2 or proc.poll() is not None, 120
        ), "the provider never polled"
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
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if run.proc.poll() is None:
            run.proc.communicate()


def _polls(emulator: Emulator) -> int:
    return int(emulator.request_counts()["by_operation"]["show"])


def _pending(stack: stackrun.DirectoryStack) -> int:
    return len(json.loads(stack.export())["deployment"].get("pending_operations") or [])


def _recovers(stack: stackrun.DirectoryStack, emulator: Emulator, task_id: str, *, locked: bool) -> None:
    """The README's commands, typed in the project directory, clear what the interruption left, and
    the next `pulumi up` succeeds cleanly. ``locked``: the CLI was killed, so its lock is still there
    and `pulumi cancel --yes` comes first, as the README says."""
    if locked:
        refused = stack.run("refresh", "--clear-pending-creates", "--yes", check=False)
        assert refused.returncode != 0 and "currently locked" in refused.stderr, (
            refused.stdout + refused.stderr
        )
        stack.run("cancel", "--yes")
    stack.run("refresh", "--clear-pending-creates", "--yes")
    assert _pending(stack) == 0
    emulator.set_timeline(INSTANCE, task_id, [{"status": "SUCCESS", "after": 0}])
    again = stack.up()
    assert "pending operations" not in again.stdout + again.stderr
    assert _pending(stack) == 0


def _script_recovers(state_dir: Path, emulator: Emulator, task_id: str) -> None:
    """The same for the Automation API script, through the Automation API calls the README names."""
    recovered = run_driver("recover", state_dir)
    assert "RECOVERED 0" in recovered, recovered
    assert "PENDING 0" in run_driver("pending", state_dir)
    emulator.set_timeline(INSTANCE, task_id, [{"status": "SUCCESS", "after": 0}])
    out = launch_script(state_dir, emulator.url, task_id).communicate(timeout=300)[0]
    assert "RESULT succeeded" in out, out
    assert "pending operations" not in out
    assert "PENDING 0" in run_driver("pending", state_dir)


MakeProject = Callable[..., stackrun.DirectoryStack]


def _slow_project(make_project: MakeProject, task_id: str) -> stackrun.DirectoryStack:
    return make_project("slow_task", config={"test:instanceId": INSTANCE, "test:taskId": task_id})


# -- the tests -------------------------------------------------------------------------------------


def test_ctrl_c_twice_stops_the_wait_and_names_the_resource_and_task(
    emulator: Emulator, make_project: MakeProject, started: list[Up]
) -> None:
    """Directory program, `pulumi up --yes` in a terminal: Ctrl-C (SIGINT to the CLI's foreground
    process group), then Ctrl-C again as the CLI asks: the wait stops at once with a cancelled error
    naming the resource and the task, no provider is left, and the README's commands recover the stack.

    (The first Ctrl-C alone cannot reach the wait: the pinned SDK's host ignores the engine's
    Cancel and runs in its own process group. The README says so.)
    """
    task_id = emulator.add_task(INSTANCE, timeline=RUNNING)
    stack = _slow_project(make_project, task_id)
    run = Up(launch_up(stack), emulator)
    started.append(run)
    os.killpg(run.proc.pid, signal.SIGINT)
    time.sleep(1.0)
    os.killpg(run.proc.pid, signal.SIGINT)
    interrupted = time.monotonic()
    out = run.output(timeout=60)
    assert run.proc.returncode != 0
    assert "^C received; cancelling" in out, out
    assert "^C received; terminating" in out, out
    assert f"BackgroundTask slow-task ({INSTANCE}/{task_id}): wait cancelled after" in out, out
    assert "the provider was interrupted" in out
    assert _wait_for(lambda: not _alive(run.provider), 10), "the provider process outlived the CLI"
    polls = _polls(emulator)
    time.sleep(1.5)
    assert _polls(emulator) == polls, "polling went on after the CLI ended"
    assert time.monotonic() - interrupted < 60
    _recovers(stack, emulator, task_id, locked=False)


def test_interrupted_automation_script_leaves_no_provider_polling(
    emulator: Emulator, tmp_path: Path, started: list[Up]
) -> None:
    """Automation API inline program: Ctrl-C of the script (SIGINT to its whole group) orphans the
    CLI's provider: it stops polling and exits within seconds; the README's Automation API calls
    unlock and clean the stack."""
    task_id = emulator.add_task(INSTANCE, timeline=RUNNING)
    state = tmp_path / "pulumi"
    run = Up(launch_script(state, emulator.url, task_id), emulator)
    started.append(run)
    os.killpg(run.proc.pid, signal.SIGINT)
    run.output(timeout=60)
    assert _wait_for(lambda: not _alive(run.provider), 10), "the orphaned provider is still running"
    polls = _polls(emulator)
    time.sleep(1.5)
    assert _polls(emulator) == polls, "the orphaned provider is still polling"
    assert _wait_for(lambda: not _alive(run.cli), 10)
    _script_recovers(state, emulator, task_id)


def test_killed_cli_leaves_no_provider_polling(
    emulator: Emulator, make_project: MakeProject, started: list[Up]
) -> None:
    """Directory program: SIGKILL of `pulumi up` (CI job cancelled, OOM): the provider notices within
    seconds and exits; the README's commands unlock and clean the stack."""
    task_id = emulator.add_task(INSTANCE, timeline=RUNNING)
    stack = _slow_project(make_project, task_id)
    run = Up(launch_up(stack), emulator)
    started.append(run)
    os.kill(run.cli, signal.SIGKILL)
    assert _wait_for(lambda: not _alive(run.provider), 10), "the provider outlived its killed CLI"
    polls = _polls(emulator)
    time.sleep(1.5)
    assert _polls(emulator) == polls
    run.output(timeout=60)
    assert run.proc.returncode == -signal.SIGKILL
    _recovers(stack, emulator, task_id, locked=True)
