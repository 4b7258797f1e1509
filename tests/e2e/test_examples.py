"""Every example under examples/ and the root demo, run as users run them: `pulumi` commands in the
project directory (a copy of the example, laid out as in the repository), and `make demo`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import stackrun

from tests.e2e.conftest import copy_example

ROOT = stackrun.ROOT


def test_gate_on_success_example(make_project, emulator, tmp_path: Path) -> None:
    """examples/gate_on_success writes its gated file only after the task succeeded."""
    tid = emulator.add_task(
        "inst-ex",
        name="resizeInstance",
        params={"new_storage": 600},
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 2}],
    )
    stack = make_project(
        directory=copy_example("gate_on_success", tmp_path / "clone"),
        config={
            "example:instanceId": "inst-ex",
            "example:taskId": tid,
            "example:outputDir": str(tmp_path / "ex"),
        },
    )
    stack.up()
    out = stack.outputs()
    assert out["status"] == "SUCCESS" and out["params"] == {"new_storage": 600}
    assert Path(out["gated_path"]).read_text() == f"task {tid} is SUCCESS\n"


def test_latest_by_name_example(make_project, emulator, tmp_path: Path) -> None:
    """examples/latest_by_name picks the newest task of the name created since the given time."""
    now = datetime.now(UTC)
    emulator.add_task(
        "inst-ex", name="bindInstancePublicIp", created_at=now - timedelta(hours=2), params={"which": "old"}
    )
    newest = emulator.add_task(
        "inst-ex",
        name="bindInstancePublicIp",
        params={"which": "new"},
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 2}],
    )
    emulator.add_task("inst-ex", name="modifyAutoTopic", params={"which": "other"})
    stack = make_project(
        directory=copy_example("latest_by_name", tmp_path / "clone"),
        config={"example:instanceId": "inst-ex", "example:since": (now - timedelta(minutes=5)).isoformat()},
    )
    stack.up()
    out = stack.outputs()
    assert out["task_id"] == newest and out["status"] == "SUCCESS" and out["params"] == {"which": "new"}


def test_read_as_data_example_reads_during_preview(make_project, emulator, tmp_path: Path) -> None:
    """examples/read_as_data: functions and the data source have known values, even in preview."""
    tid = emulator.add_task(
        "inst-ex",
        name="bindInstancePublicIp",
        params={"enable_public_ip": True},
        timeline=[{"status": "EXECUTING", "after": 0}],
    )
    stack = make_project(
        directory=copy_example("read_as_data", tmp_path / "clone"),
        config={"example:instanceId": "inst-ex", "example:taskId": tid},
    )
    preview = stack.run("preview")
    assert '"EXECUTING"' in preview.stdout  # the data source's outputs are known in preview
    assert emulator.request_counts()["by_operation"]["show"] >= 1
    stack.up()
    out = stack.outputs()
    assert out["status"] == "EXECUTING" and out["data_source_status"] == "EXECUTING"
    assert out["params"] == {"enable_public_ip": True}
    assert out["task"]["task_id"] == tid
    assert out["public_ip_task_ids"] == [tid]
    stack.run("destroy", "--yes")
    assert emulator.task("inst-ex", tid) is not None


def _run_demo() -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_demo_runs_what_a_user_types_shows_the_wait_and_runs_twice() -> None:
    """`make demo` (scripts/demo.py) prints the pulumi commands it runs; `pulumi up` shows at least two
    EXECUTING progress lines before SUCCESS, then creates the dependent; it works a second time."""
    for _ in range(2):
        printed = _run_demo()
        commands = re.findall(r"^\$ (pulumi .*)$", printed, re.M)
        assert commands[0] == "pulumi stack select --create demo"
        assert "pulumi config set --secret huaweicloud:secretKey   # value read from stdin" in commands
        assert any(
            c.startswith("pulumi config set --path huaweicloud:endpoints.dms http://127.0.0.1:")
            for c in commands
        )
        assert commands[-2:] == ["pulumi up --yes", "pulumi stack output --json"]
        up = printed.split("$ pulumi up --yes", 1)[1].split("$ pulumi stack output --json", 1)[0]
        diagnostics = up.split("Diagnostics:", 1)[1].split("Outputs:", 1)[0]
        lines = [line.strip() for line in diagnostics.splitlines() if "BackgroundTask bind-public-ip" in line]
        executing = [line for line in lines if ": EXECUTING " in line]
        assert len(executing) >= 2, up
        # The progress API is asked once the wait has a call to spare (never on the first poll);
        # its first estimate gets a line of its own.
        estimated = [
            line
            for line in executing
            if re.search(r"EXECUTING \d+% ~\d+s left \(step: bind the EIP to the brokers\)", line)
        ]
        assert estimated and estimated == executing[len(executing) - len(estimated) :], up
        assert ": SUCCESS after" in lines[-1]
        # Created, after the wait (replaced on a later run: its content names the new task).
        assert re.search(r"dynamic/local:File topic-for-external-clients created( replacement)? ", up), up
        outputs = json.loads(printed.split("$ pulumi stack output --json", 1)[1])
        assert outputs["public_ip_task"]["status"] == "SUCCESS"
        assert outputs["public_ip_task"]["params"] == {
            "public_ip_id": "b6f2a1c0-eip-demo",
            "enable_public_ip": True,
        }
        assert outputs["retention_task_status"] == "SUCCESS"
        assert outputs["looked_up_status"] == "SUCCESS"
        dependent = ROOT / outputs["dependent_file"]
        assert (
            dependent.read_text()
            == f"created after task {outputs['public_ip_task']['task_id']} reached SUCCESS\n"
        )
