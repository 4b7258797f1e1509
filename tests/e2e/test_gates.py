"""The gates real DMS changes need, through the real CLI on a directory program (``programs/change_gates.py``).

A change that answers without a task id starts a task; ``BackgroundTask`` with ``task_name``,
``params_match``, ``since`` and ``triggers`` finds that task (not an older one of the same name,
not a newer one with other params) and waits; another change keeps the instance busy;
``InstanceIdle`` holds the next change back until no task runs, or fails naming the tasks still
running. Changing the trigger makes the change again, and the gates find and wait again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import stackrun

from tests.e2e.conftest import PROGRAMS

INSTANCE = "inst-gates-e2e"
BIND = "bindInstancePublicIp"


def _project(make_project, emulator, **config: str) -> stackrun.DirectoryStack:
    emulator.add_instance(INSTANCE)
    return make_project(
        "change_gates",
        config={"test:instanceId": INSTANCE, "test:adminUrl": emulator.url, **config},
        extra_files={"emulated_change.py": PROGRAMS / "emulated_change.py"},
    )


def _tasks(emulator) -> list[dict]:
    """Every task of the instance as the API shows it now, newest first."""
    from pulumi_dms_tasks import DmsClient
    from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

    with DmsClient(endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}) as client:
        return [
            {
                "id": t.id,
                "name": t.name,
                "params": t.params,
                "status": str(t.status),
                "created_at": t.created_at,
                "updated_at": t.updated_at,
            }
            for t in client.list_tasks(INSTANCE)
        ]


def _summary(stack: stackrun.DirectoryStack) -> dict[str, int]:
    return json.loads(stack.run("preview", "--json").stdout)["changeSummary"]


def test_the_task_my_change_started_then_an_idle_instance(make_project, emulator, tmp_path: Path) -> None:
    """`pulumi up` takes this change's task, waits for it, waits while the instance is busy, then
    creates the next change; a second `up` changes nothing; a new trigger re-finds and re-waits."""
    # Yesterday's task of the same name and the same params: it must never be taken for this change.
    old = emulator.add_task(
        INSTANCE,
        name=BIND,
        params={"public_ip_id": "eip-1", "enable_public_ip": True},
        created_at=datetime.now(UTC) - timedelta(days=1),
    )
    stack = _project(make_project, emulator, **{"test:publicIpId": "eip-1"})
    up = stack.up()
    out = stack.outputs()
    ours = next(t for t in _tasks(emulator) if t["id"] == out["task_id"])
    assert out["task_id"] != old and ours["params"] == {"public_ip_id": "eip-1", "enable_public_ip": True}
    assert out["task_status"] == "SUCCESS" and ours["created_at"] > datetime.now(UTC) - timedelta(minutes=5)
    # A newer task of the same name (someone else's EIP) exists too, and failed: it was not taken.
    others = [t for t in _tasks(emulator) if t["params"] == {"public_ip_id": "someone-elses-eip"}]
    assert (
        len(others) == 1 and others[0]["created_at"] > ours["created_at"] and others[0]["status"] == "FAILED"
    )
    assert f"BackgroundTask public-ip-bound ({INSTANCE} {BIND}): task {out['task_id']} EXECUTING" in up.stdout
    # The idle gate waited for both busy tasks (one ended FAILED: listed, not fatal) ...
    waited = {t["name"]: t["status"] for t in out["waited_for"]}
    assert waited == {"kafkaConfigModify": "SUCCESS", "resizeInstance": "FAILED"}
    assert "InstanceIdle idle-before-next-change (inst-gates-e2e): BUSY: 2 running" in up.stdout
    # ... and the next change was made only after the last of them had ended.
    busy_end = max(t["updated_at"] for t in _tasks(emulator) if t["name"] in waited)
    written = datetime.fromtimestamp(out["next_change_written_at"], UTC)
    assert written >= busy_end
    assert (tmp_path / "out" / "next-change.txt").read_text() == f"eip-1 after {out['idle_at']}"

    # Nothing changed: the program's new start time (since) alone does not look the task up again.
    before = len(_tasks(emulator))
    assert _summary(stack) == {"same": 6}
    stack.up()
    assert len(_tasks(emulator)) == before and stack.outputs()["task_id"] == out["task_id"]

    # The trigger changes: the change is made again, the task it started found and waited for, the
    # instance waited on again before the next change is replaced.
    stack.config_set("test:publicIpId", "eip-2")
    again = stack.up()
    second = stack.outputs()
    assert second["task_id"] not in (out["task_id"], old) and second["task_status"] == "SUCCESS"
    assert (
        next(t for t in _tasks(emulator) if t["id"] == second["task_id"])["params"]["public_ip_id"] == "eip-2"
    )
    assert f"task {second['task_id']} EXECUTING" in again.stdout
    assert {t["name"] for t in second["waited_for"]} == {"kafkaConfigModify", "resizeInstance"}
    assert second["idle_at"] > out["idle_at"]
    assert (tmp_path / "out" / "next-change.txt").read_text() == f"eip-2 after {second['idle_at']}"


def test_an_instance_still_busy_at_the_timeout_fails_up_naming_its_tasks(
    make_project, emulator, tmp_path: Path
) -> None:
    """The idle gate's timeout fails `pulumi up` with each running task named; the next change is not made."""
    stack = _project(
        make_project,
        emulator,
        **{"test:publicIpId": "eip-9", "test:busySeconds": "600", "test:idleTimeout": "3s"},
    )
    done = stack.up(check=False)
    text = done.stdout + done.stderr
    assert done.returncode != 0
    busy = [t for t in _tasks(emulator) if t["name"] in ("kafkaConfigModify", "resizeInstance")]
    assert len(busy) == 2 and all(t["status"] == "EXECUTING" for t in busy)
    assert f"InstanceIdle idle-before-next-change ({INSTANCE}): timed out after" in text
    assert f"waiting for instance {INSTANCE} to be idle; still running:" in text
    for task in busy:
        assert f"{task['id']} ({task['name']}, EXECUTING)" in text
    assert not (tmp_path / "out" / "next-change.txt").exists()
