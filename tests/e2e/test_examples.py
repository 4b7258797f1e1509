"""Every example under examples/ and the root demo program, run against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import stackrun

ROOT = stackrun.ROOT


def test_gate_on_success_example(make_stack, emulator, tmp_path: Path) -> None:
    """examples/gate_on_success writes its gated file only after the task succeeded."""
    program = stackrun.load_program(ROOT / "examples" / "gate_on_success" / "__main__.py")
    tid = emulator.add_task("inst-ex", name="resizeInstance", params={"new_storage": 600},
                            timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 2}])
    runner = make_stack(program, config={"example:instanceId": "inst-ex", "example:taskId": tid,
                                         "example:outputDir": str(tmp_path / "ex")})
    runner.stack.up(color="never")
    out = runner.outputs_json()
    assert out["status"] == "SUCCESS" and out["params"] == {"new_storage": 600}
    assert Path(out["gated_path"]).read_text() == f"task {tid} is SUCCESS\n"


def test_latest_by_name_example(make_stack, emulator) -> None:
    """examples/latest_by_name picks the newest task of the name created since the given time."""
    program = stackrun.load_program(ROOT / "examples" / "latest_by_name" / "__main__.py")
    now = datetime.now(timezone.utc)
    emulator.add_task("inst-ex", name="bindInstancePublicIp", created_at=now - timedelta(hours=2),
                      params={"which": "old"})
    newest = emulator.add_task("inst-ex", name="bindInstancePublicIp", params={"which": "new"},
                               timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 2}])
    emulator.add_task("inst-ex", name="modifyAutoTopic", params={"which": "other"})
    runner = make_stack(program, config={"example:instanceId": "inst-ex",
                                         "example:since": (now - timedelta(minutes=5)).isoformat()})
    runner.stack.up(color="never")
    out = runner.outputs_json()
    assert out["task_id"] == newest and out["status"] == "SUCCESS" and out["params"] == {"which": "new"}
    again = runner.stack.up(color="never")  # same inputs: the found task is kept, nothing replaced
    assert set(again.summary.resource_changes) == {"same"}


def test_read_as_data_example_reads_during_preview(make_stack, emulator) -> None:
    """examples/read_as_data: functions and the data source have known values, even in preview."""
    program = stackrun.load_program(ROOT / "examples" / "read_as_data" / "__main__.py")
    tid = emulator.add_task("inst-ex", name="bindInstancePublicIp", params={"enable_public_ip": True},
                            timeline=[{"status": "EXECUTING", "after": 0}])
    runner = make_stack(program, config={"example:instanceId": "inst-ex", "example:taskId": tid})
    preview = runner.stack.preview(color="never")
    assert "EXECUTING" in preview.stdout  # the data source's outputs are known in preview
    shows_after_preview = emulator.request_counts()["by_operation"]["show"]
    assert shows_after_preview >= 1
    runner.stack.up(color="never")
    out = runner.outputs_json()
    assert out["status"] == "EXECUTING" and out["data_source_status"] == "EXECUTING"
    assert out["params"] == {"enable_public_ip": True}
    assert out["task"]["task_id"] == tid
    assert out["public_ip_task_ids"] == [tid]
    runner.stack.destroy(color="never")
    assert emulator.task("inst-ex", tid) is not None


@pytest.mark.skipif(not stackrun.language_host_available(),
                    reason="pulumi-language-python could not be built here: " + stackrun.language_host_problem())
def test_directory_program_with_cli(tmp_path: Path) -> None:
    """With the language host built, `make demo` runs `pulumi up` on the root directory program."""
    _run_demo_twice()


def test_demo_runs_twice() -> None:
    """`make demo` (scripts/demo.py) succeeds and prints the outputs, and again on a second run."""
    _run_demo_twice()


def _run_demo_twice() -> None:
    for _ in range(2):
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], cwd=ROOT,
                              capture_output=True, text=True, timeout=600, env={**os.environ})
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        printed = done.stdout.split("==> pulumi stack output --json", 1)[1]
        outputs = json.loads(printed)
        assert outputs["public_ip_task"]["status"] == "SUCCESS"
        assert outputs["public_ip_task"]["params"] == {"public_ip_id": "b6f2a1c0-eip-demo", "enable_public_ip": True}
        assert outputs["retention_task_status"] == "SUCCESS"
        assert outputs["looked_up_status"] == "SUCCESS"
        assert Path(outputs["dependent_file"]).exists()
