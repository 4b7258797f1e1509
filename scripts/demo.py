"""`make demo`: the root Pulumi project against a freshly started emulator.

Starts the emulator on a free port, seeds a Kafka instance with a public-IP task that moves
EXECUTING -> SUCCESS within seconds (plus an older retention change), points the "demo" stack at it
(secret key stored as a Pulumi secret), runs `pulumi up`, prints `pulumi stack output --json`, and
stops the emulator. Safe to run again: each run seeds new tasks and the stack follows them.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stackrun  # noqa: E402

ROOT = stackrun.ROOT
STATE = ROOT / ".state" / "demo"
INSTANCE_ID = "6f1d3c2e-5b7a-4e0f-9a1b-2c3d4e5f6a7b"
PROJECT_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
AK = "DEMOAKEMULATOR000001"


def admin_post(base: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(
        f"{base}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"{}")


def main() -> int:
    if not stackrun.cli_installed():
        print("The Pulumi CLI is missing: run `make setup` (scripts/install-pulumi.sh) first.", file=sys.stderr)
        return 2
    sk = secrets.token_urlsafe(24)  # a fresh secret per run: nothing to leak, nothing to configure
    emulator = subprocess.Popen(
        [sys.executable, "-m", "pulumi_dms_tasks.emulator", "--host", "127.0.0.1", "--port", "0",
         "--ak", AK, "--sk", sk, "--project-id", PROJECT_ID],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        line = emulator.stdout.readline().strip() if emulator.stdout else ""
        if "listening on " not in line:
            print(f"the emulator did not start: {line!r}", file=sys.stderr)
            return 1
        url = line.rsplit(" ", 1)[-1]
        print(f"==> {line}")
        task = admin_post(url, f"/_emulator/instances/{INSTANCE_ID}/tasks", {
            "name": "bindInstancePublicIp",
            "params": {"public_ip_id": "b6f2a1c0-eip-demo", "enable_public_ip": True},
            "user_name": "demo-operator",
            "timeline": [{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 4}],
        })
        admin_post(url, f"/_emulator/instances/{INSTANCE_ID}/tasks", {
            "name": "changeRetentionPolicy",
            "params": {"retention_policy": "time_base"},
            "timeline": [{"status": "SUCCESS", "after": 0}],
        })
        print(f"==> seeded task {task['id']} (bindInstancePublicIp: EXECUTING, SUCCESS after 4 s)")

        runner_kwargs = dict(project="dms-tasks-demo", stack="demo", state_dir=STATE, work_dir=ROOT)
        if stackrun.language_host_available():
            runner = stackrun.StackRunner(**runner_kwargs)
            mode = "directory program (pulumi up)"
        else:
            program = stackrun.load_program(ROOT / "__main__.py")
            runner = stackrun.StackRunner(**runner_kwargs, program=program)
            mode = "Automation API inline program (Python language host unavailable: " + stackrun.language_host_problem() + ")"
        runner.set_config({
            "huaweicloud:accessKey": AK,
            "huaweicloud:secretKey": sk,
            "huaweicloud:projectId": PROJECT_ID,
            "demo:instanceId": INSTANCE_ID,
            "demo:taskId": task["id"],
            "demo:outputDir": str(STATE / "out"),
        }, secret=("huaweicloud:secretKey",))
        runner.set_path_config("huaweicloud:endpoints.dms", url)
        print(f"==> pulumi up on stack 'demo' ({mode})")
        if stackrun.language_host_available():
            result = runner.cli("up", "--yes", "--skip-preview", check=False)
            print(result.stdout + result.stderr)
            if result.returncode != 0:
                return result.returncode
        else:
            runner.stack.up(on_output=print, color="never")
        print("==> pulumi stack output --json")
        print(runner.cli("stack", "output", "--json").stdout)
        return 0
    finally:
        emulator.send_signal(signal.SIGTERM)
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
