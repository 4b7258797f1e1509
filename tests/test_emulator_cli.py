"""``python -m pulumi_dms_tasks.emulator``: start-up line, signed calls, signals, bad flags."""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks.emulator import DEMO_INSTANCE_ID, DEMO_TASK_FAILS, DEMO_TASK_OLD, DEMO_TASK_SUCCEEDS

REPO = Path(__file__).resolve().parents[1]
AK = "AKCLITEST00000000001"
SK = "cli-Secret-Never-Printed-0123456789"
PROJECT = "fedcba9876543210fedcba9876543210"
CREDENTIALS = ["--ak", AK, "--sk", SK, "--project-id", PROJECT]
LISTENING = re.compile(r"DMS emulator listening on (http://127\.0\.0\.1:(\d+))\n")


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pulumi_dms_tasks.emulator", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_url(proc: subprocess.Popen[str], timeout: float = 15) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        proc.kill()
        pytest.fail(f"no listening line within {timeout}s; stderr: {proc.communicate()[1]}")
    line = proc.stdout.readline()
    match = LISTENING.fullmatch(line)
    assert match, f"unexpected first line {line!r}"
    assert 0 < int(match.group(2)) < 65536
    return match.group(1)


@pytest.fixture()
def running() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; any still alive at the end are killed."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def signed_list(url: str, instance: str, token: str | None = None) -> requests.Response:
    with requests.Session() as session:
        session.auth = AkSkAuth(AK, SK, token)
        return session.get(
            f"{url}/v2/{PROJECT}/instances/{instance}/tasks",
            headers={"Content-Type": "application/json"},
            timeout=10,
        )


def stop(proc: subprocess.Popen[str], signum: int) -> tuple[int, str, str, float]:
    began = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=10)
    return proc.returncode, out, err, time.monotonic() - began


def test_cli_serves_seeded_tasks_and_exits_0_on_sigterm(tmp_path: Path, running: list) -> None:
    """With --port 0 and --tasks it prints one listening line, answers signed calls, and stops on SIGTERM."""
    tasks_file = tmp_path / "tasks.json"
    tasks_file.write_text(
        json.dumps(
            {
                "instances": {
                    "inst-a": [
                        {"id": "a" * 32, "name": "bindInstancePublicIp", "params": {"eip": "1.1.1.1"}},
                        {"id": "b" * 32, "timeline": [{"status": "EXECUTING", "after": 0}]},
                    ],
                    "inst-empty": [],
                }
            }
        )
    )
    proc = spawn("--port", "0", *CREDENTIALS, "--tasks", str(tasks_file))
    running.append(proc)
    url = wait_for_url(proc)
    body = signed_list(url, "inst-a").json()
    assert body["task_count"] == "2"
    assert {t["id"]: t["status"] for t in body["tasks"]} == {"a" * 32: "SUCCESS", "b" * 32: "EXECUTING"}
    assert signed_list(url, "inst-empty").json() == {"task_count": "0", "tasks": []}
    code, out, err, took = stop(proc, signal.SIGTERM)
    assert (code, out) == (0, "")
    assert took < 5
    assert SK not in err


def test_cli_exits_0_on_ctrl_c(running: list) -> None:
    """Ctrl-C (SIGINT) stops the emulator cleanly with exit status 0."""
    proc = spawn("--port", "0", *CREDENTIALS)
    running.append(proc)
    wait_for_url(proc)
    code, _out, err, took = stop(proc, signal.SIGINT)
    assert code == 0 and took < 5
    assert "Traceback" not in err


def test_cli_demo_seeds_fixed_tasks_and_lists_them_on_stderr(running: list) -> None:
    """--demo seeds tasks with documented fixed ids and names them on stderr."""
    proc = spawn("--port", "0", *CREDENTIALS, "--demo")
    running.append(proc)
    url = wait_for_url(proc)
    ids = {t["id"] for t in signed_list(url, DEMO_INSTANCE_ID).json()["tasks"]}
    assert ids == {DEMO_TASK_SUCCEEDS, DEMO_TASK_FAILS, DEMO_TASK_OLD}
    code, _out, err, _took = stop(proc, signal.SIGTERM)
    assert code == 0
    assert all(task_id in err for task_id in ids)


def test_cli_security_token_is_enforced(running: list) -> None:
    """--security-token makes the emulator refuse calls without that token."""
    proc = spawn("--port", "0", *CREDENTIALS, "--security-token", "temp-token")
    running.append(proc)
    url = wait_for_url(proc)
    assert signed_list(url, "x").json()["error_code"] == "APIGW.0301"
    assert signed_list(url, "x", token="temp-token").json()["error_code"] == "DMS.00404022"
    assert stop(proc, signal.SIGTERM)[0] == 0


@pytest.mark.parametrize(
    ("args", "flag", "detail"),
    [
        (["--sk", SK, "--project-id", PROJECT], "--ak", "required"),
        (["--port", "70000", *CREDENTIALS], "--port", "70000"),
        (["--port", "http", *CREDENTIALS], "--port", "http"),
        ([*CREDENTIALS, "--tasks", "/nonexistent/tasks.json"], "--tasks", "cannot read"),
        ([*CREDENTIALS, "--tasks", "{invalid}"], "--tasks", "not valid JSON"),
        ([*CREDENTIALS, "--tasks", "{bad-spec}"], "--tasks", "timeline[0].after"),
    ],
)
def test_cli_bad_flags_exit_2_naming_the_flag(
    tmp_path: Path, args: list[str], flag: str, detail: str
) -> None:
    """Bad flags exit 2 with an argparse-style error naming the flag, never echoing the secret key."""
    (tmp_path / "invalid.json").write_text("{not json")
    (tmp_path / "bad.json").write_text(
        json.dumps({"instances": {"i": [{"timeline": [{"status": "SUCCESS", "after": -5}]}]}})
    )
    args = [
        a.replace("{invalid}", str(tmp_path / "invalid.json")).replace(
            "{bad-spec}", str(tmp_path / "bad.json")
        )
        for a in args
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_dms_tasks.emulator", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"argument {flag}" in result.stderr or (flag in result.stderr and "required" in result.stderr)
    assert detail in result.stderr
    assert SK not in result.stderr
