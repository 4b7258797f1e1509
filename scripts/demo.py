"""`make demo`: the root Pulumi project, run with the `pulumi` commands a user types, against a
freshly started emulator.

Starts the emulator on a free port with a fresh secret key and seeds a Kafka instance with a
public-IP task whose timeline starts at its first API read: it stays EXECUTING for WAIT_SECONDS
after `pulumi up` first looks at it, however long the set-up took, then turns SUCCESS. Then it
prints and runs, in the root project: `pulumi stack select --create demo`, `pulumi config set ...`
(the secret key with --secret, its value through stdin), `pulumi up --yes` (its output streamed as
it comes, so the wait is visible) and `pulumi stack output --json`, and stops the emulator.

Nothing tracked changes: the stack's config file goes to .state/stacks (`stackConfigDir` in
Pulumi.yaml), the state to the local backend in .state/demo. Safe to run again: each run seeds new
tasks and the stack follows them.
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
import stackrun

ROOT = stackrun.ROOT
STATE = ROOT / ".state" / "demo"
INSTANCE_ID = "6f1d3c2e-5b7a-4e0f-9a1b-2c3d4e5f6a7b"
PROJECT_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
AK = "DEMOAKEMULATOR000001"
# Long enough for two progress lines (one at the first poll, one 10 s later) before SUCCESS.
WAIT_SECONDS = 14


def admin_post(base: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"{}")


def say(text: str) -> None:
    print(text, flush=True)


def main() -> int:
    if not stackrun.cli_installed():
        print(
            "The Pulumi CLI is missing: run `make setup` (scripts/install-pulumi.sh) first.", file=sys.stderr
        )
        return 2
    kind, why = stackrun.language_host()
    if kind == "none":
        print(f"No Python language host next to the Pulumi CLI: {why}", file=sys.stderr)
        return 2
    sk = secrets.token_urlsafe(24)  # a fresh secret per run: nothing to leak, nothing to configure
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pulumi_dms_tasks.emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--ak",
            AK,
            "--sk",
            sk,
            "--project-id",
            PROJECT_ID,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = emulator.stdout.readline().strip() if emulator.stdout else ""
        if "listening on " not in line:
            print(f"the emulator did not start: {line!r}", file=sys.stderr)
            return 1
        url = line.rsplit(" ", 1)[-1]
        say(f"==> {line}")
        task = admin_post(
            url,
            f"/_emulator/instances/{INSTANCE_ID}/tasks",
            {
                "name": "bindInstancePublicIp",
                "params": {"public_ip_id": "b6f2a1c0-eip-demo", "enable_public_ip": True},
                "user_name": "demo-operator",
                "timeline_start": "first_read",
                "timeline": [
                    {"status": "EXECUTING", "after": 0, "step": "bind the EIP to the brokers"},
                    {"status": "SUCCESS", "after": WAIT_SECONDS, "step": "done"},
                ],
            },
        )
        admin_post(
            url,
            f"/_emulator/instances/{INSTANCE_ID}/tasks",
            {
                "name": "changeRetentionPolicy",
                "params": {"retention_policy": "time_base"},
                "timeline": [{"status": "SUCCESS", "after": 0}],
            },
        )
        say(
            f"==> seeded task {task['id']} (bindInstancePublicIp: EXECUTING for {WAIT_SECONDS} s from the first "
            "time it is read, then SUCCESS) and an older changeRetentionPolicy task"
        )
        stack = stackrun.DirectoryStack(ROOT, "demo", state_dir=STATE, echo=say)
        say(
            f"==> in {ROOT}, with the Pulumi CLI {stackrun.VERSION} ({kind} Python language host) on PATH, a local backend "
            f"(PULUMI_BACKEND_URL={stack.env['PULUMI_BACKEND_URL']}) and PULUMI_CONFIG_PASSPHRASE set:"
        )
        stack.select()
        stack.configure(
            {
                "huaweicloud:accessKey": AK,
                "huaweicloud:secretKey": sk,
                "huaweicloud:projectId": PROJECT_ID,
                "huaweicloud:endpoints.dms": url,
                "demo:instanceId": INSTANCE_ID,
                "demo:taskId": task["id"],
                "demo:outputDir": ".state/demo/out",
            },
            secret=("huaweicloud:secretKey",),
        )
        # Streamed, not captured: the person running the demo sees the progress lines as they come.
        up = stack.popen("up", "--yes", stdout=None, stderr=subprocess.STDOUT, process_group=None)
        if up.wait() != 0:
            say(f"==> pulumi up failed (exit code {up.returncode})")
            return up.returncode
        say(stack.run("stack", "output", "--json").stdout.rstrip())
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
