"""Long and many waits through the real CLI: the provider host must not hang or serialise them.

Driven through the Automation API with inline programs (what matters here is the provider host,
not how the program is launched); the directory-program path is covered in test_lifecycle.py.
"""

from __future__ import annotations

import pulumi
import pytest

from pulumi_dms_tasks import BackgroundTask

FOUR_MINUTES = 240


def many_program() -> None:
    config = pulumi.Config("test")
    ids = config.require_object("taskIds")
    tasks = [
        BackgroundTask(
            f"task-{i}",
            instance_id=config.require("instanceId"),
            task_id=tid,
            timeout="5m",
            poll_interval="1s",
            max_poll_interval="3s",
        )
        for i, tid in enumerate(ids)
    ]
    pulumi.export("statuses", [t.status for t in tasks])


def long_program() -> None:
    config = pulumi.Config("test")
    task = BackgroundTask(
        "long",
        instance_id=config.require("instanceId"),
        task_id=config.require("taskId"),
        timeout="8m",
        poll_interval="5s",
        max_poll_interval="30s",
    )
    pulumi.export("status", task.status)
    pulumi.export("duration_seconds", task.duration_seconds)


def test_twenty_five_tasks_finishing_together_all_succeed(make_stack, emulator) -> None:
    """25 tasks that finish at the same moment all end SUCCESS in one `up` (timing lives in bench/)."""
    ids = [
        emulator.add_task(
            "inst-many", timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 8}]
        )
        for _ in range(25)
    ]
    runner = make_stack(many_program, config={"test:instanceId": "inst-many", "test:taskIds": ids})
    result = runner.stack.up(color="never")
    assert result.summary.resource_changes.get("create") == 26
    assert runner.outputs_json()["statuses"] == ["SUCCESS"] * 25


@pytest.mark.slow
def test_four_minute_task_is_waited_out(make_stack, emulator) -> None:
    """A task running 4 minutes keeps `up` waiting (no ~180 s hang) and then succeeds."""
    tid = emulator.add_task(
        "inst-long",
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": FOUR_MINUTES}],
    )
    runner = make_stack(long_program, config={"test:instanceId": "inst-long", "test:taskId": tid})
    messages: list[str] = []
    runner.stack.up(color="never", on_output=messages.append)
    out = runner.outputs_json()
    assert out["status"] == "SUCCESS"
    assert out["duration_seconds"] >= FOUR_MINUTES - 1
    # The wait was not silent: progress lines reached the person running `up`.
    assert sum("BackgroundTask long (inst-long/" in m for m in messages) >= 3
