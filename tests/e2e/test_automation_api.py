"""BackgroundTask through the Automation API (``pulumi.automation``) with an inline program.

A user path of its own (a Python script that drives Pulumi, no project directory): the stack is
created, configured, previewed, updated, refreshed and destroyed through the API's methods, which
run the real CLI; errors come back as ``CommandError`` and progress through ``on_output``. The same
behaviours through `pulumi` commands on a project directory are in ``test_lifecycle.py``.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.e2e.conftest import PROGRAMS


def gated_program() -> None:
    """The directory tests' program (``programs/gated.py``), run inline by the Automation API."""
    runpy.run_path(str(PROGRAMS / "gated.py"))


def test_up_waits_then_creates_the_dependent_and_reports_progress(make_stack, emulator) -> None:
    """`stack.up(on_output=...)` streams the progress lines; `stack.outputs()` has the task's fields."""
    tid = emulator.add_task(
        "inst-e2e",
        params={"k": 1},
        timeline_start="first_read",
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 2}],
    )
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    messages: list[str] = []
    result = runner.stack.up(color="never", on_output=messages.append)
    assert result.summary.resource_changes == {"create": 3}
    assert any(f"BackgroundTask task (inst-e2e/{tid}): EXECUTING" in m for m in messages)
    outputs = runner.stack.outputs()
    assert outputs["status"].value == "SUCCESS" and outputs["params"].value == {"k": 1}
    assert Path(outputs["dependent_path"].value).read_text() == "SUCCESS"


def test_failed_task_raises_command_error_naming_the_task(make_stack, emulator, tmp_path: Path) -> None:
    """FAILED makes `stack.up()` raise CommandError with the task named; the dependent is not created."""
    tid = emulator.add_task(
        "inst-e2e",
        name="kafkaConfigModify",
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "FAILED", "after": 1}],
    )
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    with pytest.raises(auto.CommandError) as info:
        runner.stack.up(color="never")
    assert tid in str(info.value) and "FAILED" in str(info.value) and "kafkaConfigModify" in str(info.value)
    assert not (tmp_path / "out" / "dependent.txt").exists()


def test_preview_refresh_destroy_through_the_api(make_stack, emulator) -> None:
    """`preview()` sends no task call; `refresh()` re-reads; `destroy()` keeps the task; config updates in place."""
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "EXECUTING", "after": 0}])
    runner = make_stack(
        gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid, "test:wait": "false"}
    )
    assert runner.stack.preview(color="never").change_summary == {"create": 3}
    assert emulator.request_counts()["total"] == 0
    runner.stack.up(color="never")
    emulator.set_timeline("inst-e2e", tid, [{"status": "SUCCESS", "after": 0}])
    runner.stack.refresh(color="never")
    resources = runner.stack.export_stack().deployment["resources"]
    assert (
        next(r for r in resources if r["type"].endswith("dms:BackgroundTask"))["outputs"]["status"]
        == "SUCCESS"
    )
    before = emulator.request_counts()["total"]
    runner.stack.set_config("test:timeout", auto.ConfigValue("7m"))
    assert runner.stack.up(color="never").summary.resource_changes.get("update") == 1
    assert emulator.request_counts()["total"] == before
    runner.stack.destroy(color="never")
    assert emulator.task("inst-e2e", tid) is not None
    assert emulator.request_counts()["by_operation"]["delete"] == 0
