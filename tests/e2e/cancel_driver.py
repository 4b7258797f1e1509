"""An Automation API script for the cancellation tests, run in a process of its own so a test can
interrupt it (the terminal cases run ``pulumi up`` on a directory program instead).

    python tests/e2e/cancel_driver.py up|recover|pending STATE_DIR URL TASK_ID

``up`` runs ``stack.up()`` of an inline program (one ``BackgroundTask`` waiting on TASK_ID of
instance ``inst-cancel``) and prints the CLI's output lines, then ``RESULT <summary>`` or
``FAILED <exit code>``. ``recover`` does what the README's Troubleshooting says an Automation API
user does after an interrupted ``up`` (``stack.cancel()`` when the stack is still locked, then
``stack.refresh(clear_pending_creates=True)``). ``pending`` prints ``PENDING <n>``, the pending
operations in state.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import pulumi  # noqa: E402
import stackrun  # noqa: E402
from pulumi import automation as auto  # noqa: E402

from pulumi_dms_tasks import BackgroundTask  # noqa: E402
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK  # noqa: E402

INSTANCE = "inst-cancel"
RESOURCE = "slow-task"


def program() -> None:
    config = pulumi.Config("test")
    BackgroundTask(
        RESOURCE,
        instance_id=INSTANCE,
        task_id=config.require("taskId"),
        timeout="10m",
        poll_interval="0.5s",
        max_poll_interval="1s",
    )


def main(argv: list[str]) -> int:
    mode, state_dir, url, task_id = argv[:4]
    runner = stackrun.StackRunner(project="cancel", stack="dev", state_dir=Path(state_dir), program=program)
    if mode == "up":
        runner.set_config(
            {
                "huaweicloud:projectId": TEST_PROJECT,
                "huaweicloud:accessKey": TEST_AK,
                "huaweicloud:secretKey": TEST_SK,
                "test:taskId": task_id,
            },
            secret=("huaweicloud:secretKey",),
        )
        runner.set_path_config("huaweicloud:endpoints.dms", url)
        print("STARTING", flush=True)
        try:
            result = runner.stack.up(color="never", on_output=lambda line: print(line, flush=True))
        except auto.CommandError as exc:
            print(f"FAILED {getattr(exc, 'exit_code', '?')}\n{exc}", flush=True)
            return 1
        print(f"RESULT {result.summary.result}", flush=True)
        return 0
    if mode == "recover":
        try:
            refreshed = runner.stack.refresh(clear_pending_creates=True, color="never")
        except auto.CommandError as exc:
            if "currently locked" not in str(exc):
                print(f"{exc}\nRECOVERED {getattr(exc, 'exit_code', '?')}", flush=True)
                return 1
            runner.stack.cancel()  # the stale lock of a CLI that was stopped
            refreshed = runner.stack.refresh(clear_pending_creates=True, color="never")
        print(refreshed.stdout, refreshed.stderr, "RECOVERED 0", sep="\n", flush=True)
        return 0
    if mode == "pending":
        state = json.loads(runner.export())
        print(f"PENDING {len(state['deployment'].get('pending_operations') or [])}", flush=True)
        return 0
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
