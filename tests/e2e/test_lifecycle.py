"""BackgroundTask through the real Pulumi CLI: gate, fail, time out, preview, refresh, destroy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

from local_file import LocalFile
from pulumi_dms_tasks import BackgroundTask
from pulumi_dms_tasks.emulator import run_emulator
from tests.conftest import TEST_AK, TEST_PROJECT, TEST_SK

RUNNING_THEN = [{"status": "EXECUTING", "after": 0}]


def gated_program() -> None:
    config = pulumi.Config("test")
    task = BackgroundTask(
        "task",
        instance_id=config.require("instanceId"),
        task_id=config.require("taskId"),
        timeout=config.get("timeout") or "2m",
        poll_interval="0.5s",
        max_poll_interval="2s",
        wait=config.get_bool("wait") if config.get("wait") is not None else True,
    )
    marker = LocalFile(
        "dependent",
        path=os.path.join(config.require("outputDir"), "dependent.txt"),
        content=task.status,
        opts=pulumi.ResourceOptions(depends_on=[task]),
    )
    pulumi.export("status", task.status)
    pulumi.export("name", task.name)
    pulumi.export("params", task.params)
    pulumi.export("params_json", task.params_json)
    pulumi.export("created_at", task.created_at)
    pulumi.export("updated_at", task.updated_at)
    pulumi.export("succeeded", task.succeeded)
    pulumi.export("duration_seconds", task.duration_seconds)
    pulumi.export("dependent_path", marker.path)


def _resource_outputs(runner, type_suffix: str) -> dict:
    state = json.loads(runner.export())
    for res in state["deployment"]["resources"]:
        if res["type"].endswith(type_suffix):
            return res.get("outputs", {})
    raise AssertionError(f"no {type_suffix} in state")


def test_success_creates_dependent_and_exports_outputs(make_stack, emulator, tmp_path: Path) -> None:
    """A task that turns SUCCESS unblocks the dependent resource; outputs carry the task's fields."""
    params = {"public_ip_id": "eip-123", "enable_public_ip": True}
    tid = emulator.add_task("inst-e2e", name="bindInstancePublicIp", params=params,
                            timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 3}])
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    runner.stack.up(color="never")
    out = runner.outputs_json()
    assert out["status"] == "SUCCESS" and out["succeeded"] is True
    assert out["name"] == "bindInstancePublicIp"
    assert out["params"] == params
    assert json.loads(out["params_json"]) == params
    assert out["created_at"].endswith("Z") and out["updated_at"].endswith("Z")
    assert 2.5 <= out["duration_seconds"] <= 3.5
    dependent = Path(out["dependent_path"])
    assert dependent.read_text() == "SUCCESS"


def test_failed_task_fails_up_and_blocks_dependent(make_stack, emulator, tmp_path: Path) -> None:
    """FAILED fails `pulumi up` naming the task and status; the dependent resource is not created."""
    tid = emulator.add_task("inst-e2e", name="kafkaConfigModify", params={"k": "v"},
                            timeline=[{"status": "EXECUTING", "after": 0}, {"status": "FAILED", "after": 2}])
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    with pytest.raises(auto.CommandError) as info:
        runner.stack.up(color="never")
    text = str(info.value)
    assert tid in text and "FAILED" in text and "kafkaConfigModify" in text and "inst-e2e" in text
    assert not (tmp_path / "out" / "dependent.txt").exists()
    state = json.loads(runner.export())
    assert not any(r["type"].endswith("local:File") for r in state["deployment"]["resources"])


def test_cancelled_task_fails_fast(make_stack, emulator, tmp_path: Path) -> None:
    """CANCELLED is a failure (the vendor's Terraform provider would poll it until its timeout)."""
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "CANCELLED", "after": 0}])
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid, "test:timeout": "10m"})
    with pytest.raises(auto.CommandError) as info:
        runner.stack.up(color="never")
    assert "CANCELLED" in str(info.value)
    assert not (tmp_path / "out" / "dependent.txt").exists()


def test_timeout_fails_with_last_status(make_stack, emulator, tmp_path: Path) -> None:
    """A task still EXECUTING at the timeout fails `up` with the last status and the time waited."""
    tid = emulator.add_task("inst-e2e", timeline=RUNNING_THEN)
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid, "test:timeout": "4s"})
    with pytest.raises(auto.CommandError) as info:
        runner.stack.up(color="never")
    text = str(info.value)
    assert "timed out" in text and "last status EXECUTING" in text and tid in text
    assert not (tmp_path / "out" / "dependent.txt").exists()


def test_preview_new_stack_makes_no_task_calls(make_stack, emulator) -> None:
    """Preview of a new stack validates inputs but sends no task API call."""
    tid = emulator.add_task("inst-e2e", timeline=RUNNING_THEN)
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    before = emulator.request_counts()["total"]
    result = runner.stack.preview(color="never")
    assert result.change_summary.get("create") == 3
    assert emulator.request_counts()["total"] == before


def test_preview_reports_bad_input_without_requests(make_stack, emulator) -> None:
    """A malformed task id fails preview with the field named, before any request."""
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": "../../etc"})
    before = emulator.request_counts()["total"]
    with pytest.raises(auto.CommandError) as info:
        runner.stack.preview(color="never")
    assert "task_id" in str(info.value)
    assert emulator.request_counts()["total"] == before


def test_refresh_picks_up_changed_status_and_destroy_keeps_tasks(make_stack, emulator) -> None:
    """With wait=false, refresh re-reads a status that changed; destroy never deletes the task."""
    tid = emulator.add_task("inst-e2e", timeline=RUNNING_THEN)
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid, "test:wait": "false"})
    runner.stack.up(color="never")
    assert runner.outputs_json()["status"] == "EXECUTING"
    emulator.set_timeline("inst-e2e", tid, [{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 0.1}])
    runner.stack.refresh(color="never")
    assert _resource_outputs(runner, "dms:BackgroundTask")["status"] == "SUCCESS"
    runner.stack.destroy(color="never")
    assert emulator.task("inst-e2e", tid) is not None
    assert emulator.request_counts()["by_operation"]["delete"] == 0


def test_update_of_wait_settings_makes_no_api_call(make_stack, emulator) -> None:
    """Changing only timeout/poll settings updates in place without calling the API."""
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    runner.stack.up(color="never")
    before = emulator.request_counts()["total"]
    runner.stack.set_config("test:timeout", auto.ConfigValue("7m"))
    result = runner.stack.up(color="never")
    assert result.summary.resource_changes.get("update") == 1
    assert emulator.request_counts()["total"] == before


def test_secrets_never_in_state(make_stack) -> None:
    """With AK/SK/token from the environment, no export (even --show-secrets) holds the SK or the token."""
    token = "temporary-token/+=Secret-0123456789"
    with run_emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, security_token=token) as emu:
        tid = emu.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
        runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid},
                            credentials="env", env={"HW_SECURITY_TOKEN": token}, endpoint=emu.url)
        runner.stack.up(color="never")
        assert emu.request_counts()["rejected"] == 0  # the token really was sent and checked
    for show in (False, True):
        exported = runner.export(show_secrets=show)
        assert TEST_SK not in exported and token not in exported
    assert runner.outputs_json()["status"] == "SUCCESS"


def test_config_secret_key_is_encrypted_and_absent_from_our_resources(make_stack, emulator) -> None:
    """With huaweicloud:secretKey in config, state holds it only as ciphertext, never in our resources."""
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    runner = make_stack(gated_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    runner.stack.up(color="never")
    assert TEST_SK not in runner.export(show_secrets=False)
    revealed = json.loads(runner.export(show_secrets=True))
    for res in revealed["deployment"]["resources"]:
        if res["type"].startswith("pulumi-python:dynamic"):
            assert TEST_SK not in json.dumps(res)


def unknown_input_program() -> None:
    config = pulumi.Config("test")
    first = LocalFile("first", path=os.path.join(config.require("outputDir"), "first.txt"), content="x")
    # Unknown until `first` exists: preview must accept it without errors.
    task_id = first.written_at.apply(lambda _: config.require("taskId"))
    task = BackgroundTask("task", instance_id=config.require("instanceId"), task_id=task_id, poll_interval="0.5s")
    pulumi.export("status", task.status)


def test_unknown_inputs_during_preview_are_accepted(make_stack, emulator) -> None:
    """A task id that is unknown at preview time passes check; `up` then resolves and waits."""
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    runner = make_stack(unknown_input_program, config={"test:instanceId": "inst-e2e", "test:taskId": tid})
    preview = runner.stack.preview(color="never")
    assert preview.change_summary.get("create") == 3
    runner.stack.up(color="never")
    assert runner.outputs_json()["status"] == "SUCCESS"
