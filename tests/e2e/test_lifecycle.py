"""BackgroundTask as users run it: a project directory and the `pulumi` commands they type.

Gate on success; FAILED, CANCELLED and the timeout fail `pulumi up` naming the task and create
nothing that depends on it; preview; refresh; destroy; by-name lookup; `pulumi stack output`.
Each test writes a temp project (``Pulumi.yaml`` + ``__main__.py`` from ``programs/``) and runs
`pulumi stack select --create`, `pulumi config set`, `pulumi up --yes`... in it (see conftest).
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stackrun

RUNNING = [{"status": "EXECUTING", "after": 0}]


def _resource(stack: stackrun.DirectoryStack, type_suffix: str) -> dict:
    state = json.loads(stack.export())
    for res in state["deployment"]["resources"]:
        if res["type"].endswith(type_suffix):
            return res
    raise AssertionError(f"no {type_suffix} in state")


def _plan(stack: stackrun.DirectoryStack) -> dict[str, int]:
    """What `pulumi preview --json` would change ({"create": 3}, {"same": 2, "update": 1}...)."""
    return json.loads(stack.run("preview", "--json").stdout)["changeSummary"]


def _failure_text(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0, done.stdout
    return done.stdout + done.stderr


def test_success_creates_dependent_and_exports_outputs(make_project, emulator) -> None:
    """A task that turns SUCCESS unblocks the dependent resource; `pulumi stack output` has its fields."""
    params = {"public_ip_id": "eip-123", "enable_public_ip": True}
    # Timed from the first read: the stack's set-up takes a while, the wait must still be seen.
    tid = emulator.add_task(
        "inst-e2e",
        name="bindInstancePublicIp",
        params=params,
        timeline_start="first_read",
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 3}],
    )
    stack = make_project("gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    up = stack.up()
    assert f"BackgroundTask task (inst-e2e/{tid}): EXECUTING" in up.stdout  # the wait is shown
    out = stack.outputs()
    assert out["status"] == "SUCCESS" and out["succeeded"] is True
    assert out["name"] == "bindInstancePublicIp"
    assert out["params"] == params
    assert json.loads(out["params_json"]) == params
    created, updated = (
        datetime.fromisoformat(out[k].replace("Z", "+00:00")) for k in ("created_at", "updated_at")
    )
    assert out["created_at"].endswith("Z") and out["updated_at"].endswith("Z")
    assert out["duration_seconds"] == pytest.approx((updated - created).total_seconds(), abs=0.002)
    assert out["duration_seconds"] >= 3
    assert Path(out["dependent_path"]).read_text() == "SUCCESS"


def test_failed_task_fails_up_and_blocks_dependent(make_project, emulator, tmp_path: Path) -> None:
    """FAILED fails `pulumi up` naming the task, status, name and instance; the dependent is not created."""
    tid = emulator.add_task(
        "inst-e2e",
        name="kafkaConfigModify",
        params={"k": "v"},
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "FAILED", "after": 2}],
    )
    stack = make_project("gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    text = _failure_text(stack.up(check=False))
    assert tid in text and "FAILED" in text and "kafkaConfigModify" in text and "inst-e2e" in text
    assert not (tmp_path / "out" / "dependent.txt").exists()
    state = json.loads(stack.export())
    assert not any(r["type"].endswith("local:File") for r in state["deployment"]["resources"])


def test_cancelled_task_fails_fast_and_blocks_dependent(make_project, emulator, tmp_path: Path) -> None:
    """CANCELLED is a failure at once (the vendor's Terraform provider would poll it until its timeout)."""
    tid = emulator.add_task(
        "inst-e2e", name="restartInstance", timeline=[{"status": "CANCELLED", "after": 0}]
    )
    stack = make_project(
        "gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid, "test:timeout": "10m"}
    )
    text = _failure_text(stack.up(check=False))
    assert "CANCELLED" in text and tid in text and "restartInstance" in text
    assert not (tmp_path / "out" / "dependent.txt").exists()
    assert emulator.request_counts()["by_operation"]["show"] <= 3  # no polling until the 10 min timeout


def test_timeout_fails_with_last_status(make_project, emulator, tmp_path: Path) -> None:
    """A task still EXECUTING at the timeout fails `up` with the last status and the task id."""
    tid = emulator.add_task("inst-e2e", timeline=RUNNING)
    stack = make_project(
        "gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid, "test:timeout": "4s"}
    )
    text = _failure_text(stack.up(check=False))
    assert "timed out" in text and "last status EXECUTING" in text and tid in text
    assert not (tmp_path / "out" / "dependent.txt").exists()


def test_preview_of_a_new_stack_makes_no_task_calls(make_project, emulator) -> None:
    """`pulumi preview` validates inputs but sends no task API call for a new BackgroundTask."""
    tid = emulator.add_task("inst-e2e", timeline=RUNNING)
    stack = make_project("gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    before = emulator.request_counts()["total"]
    assert _plan(stack).get("create") == 3
    assert emulator.request_counts()["total"] == before


def test_preview_reports_bad_input_without_requests(make_project, emulator) -> None:
    """A malformed task id fails `pulumi preview` with the field named, before any request."""
    stack = make_project("gated", config={"test:instanceId": "inst-e2e", "test:taskId": "../../etc"})
    before = emulator.request_counts()["total"]
    assert "task_id" in _failure_text(stack.run("preview", check=False))
    assert emulator.request_counts()["total"] == before


def test_refresh_picks_up_changed_status_and_destroy_keeps_tasks(make_project, emulator) -> None:
    """With wait=false, `pulumi refresh` re-reads a changed status; `pulumi destroy` never deletes the task."""
    tid = emulator.add_task("inst-e2e", timeline=RUNNING)
    stack = make_project(
        "gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid, "test:wait": "false"}
    )
    stack.up()
    assert stack.outputs()["status"] == "EXECUTING"
    emulator.set_timeline(
        "inst-e2e", tid, [{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 0.1}]
    )
    stack.run("refresh", "--yes")
    assert _resource(stack, "dms:BackgroundTask")["outputs"]["status"] == "SUCCESS"
    stack.run("destroy", "--yes")
    assert emulator.task("inst-e2e", tid) is not None
    assert emulator.request_counts()["by_operation"]["delete"] == 0
    assert json.loads(stack.export())["deployment"].get("resources", []) == []


def test_update_of_wait_settings_makes_no_api_call(make_project, emulator) -> None:
    """Changing only the timeout (`pulumi config set`, `pulumi up`) updates in place without calling the API."""
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    stack = make_project("gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    stack.up()
    before = emulator.request_counts()["total"]
    stack.config_set("test:timeout", "7m")
    summary = stack.up().stdout.rsplit("Resources:", 1)[1]
    assert "~ 1 updated" in summary and "replaced" not in summary and "created" not in summary
    assert emulator.request_counts()["total"] == before


def test_by_name_resource_finds_the_newest_task_since_and_keeps_it(make_project, emulator) -> None:
    """task_name + since: the newest matching task gates the dependent; a second `up` keeps it."""
    now = datetime.now(UTC)
    emulator.add_task(
        "inst-e2e", name="bindInstancePublicIp", created_at=now - timedelta(hours=2), params={"which": "old"}
    )
    newest = emulator.add_task(
        "inst-e2e",
        name="bindInstancePublicIp",
        params={"which": "new"},
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 2}],
    )
    emulator.add_task("inst-e2e", name="modifyAutoTopic", params={"which": "other"})
    stack = make_project(
        "by_name",
        config={
            "test:instanceId": "inst-e2e",
            "test:taskName": "bindInstancePublicIp",
            "test:since": (now - timedelta(minutes=5)).isoformat(),
        },
    )
    stack.up()
    out = stack.outputs()
    assert (out["task_id"], out["status"], out["params"]) == (newest, "SUCCESS", {"which": "new"})
    assert Path(out["dependent_path"]).read_text() == f"{newest} SUCCESS"
    emulator.add_task("inst-e2e", name="bindInstancePublicIp", params={"which": "newer"})
    assert set(_plan(stack)) == {"same"}  # by-name resolution happens at creation
    stack.up()
    assert stack.outputs()["task_id"] == newest


def test_unknown_inputs_during_preview_are_accepted(make_project, emulator) -> None:
    """A task id unknown at preview time passes check; `up` then resolves it and waits."""
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    stack = make_project("unknown_input", config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    assert _plan(stack).get("create") == 3
    stack.up()
    assert stack.outputs()["status"] == "SUCCESS"
