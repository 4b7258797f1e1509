"""The package is typed (py.typed): mypy --strict must accept it as shipped."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PINNED = (ROOT / "tools" / "pulumi-build" / "VERSION").read_text().strip().removeprefix("v")

# Types are checked against the SDK we pin; `make test-min` runs the behaviour on the oldest one.
pytestmark = pytest.mark.skipif(
    version("pulumi") != PINNED, reason=f"types are checked against the pinned pulumi {PINNED}"
)


def test_mypy_strict_accepts_the_package() -> None:
    """`mypy --strict pulumi_dms_tasks` reports no issues."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "pulumi_dms_tasks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_a_users_program_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    """Names imported from the package are explicit re-exports: a strict user program passes."""
    program = tmp_path / "program.py"
    program.write_text(
        "import pulumi\n"
        "from pulumi_dms_tasks import BackgroundTask, DmsClient, TaskFailedError, get_background_task_output\n"
        "from pulumi_dms_tasks.emulator import Emulator\n\n"
        "def build(instance_id: str, task_id: str) -> pulumi.Output[str]:\n"
        "    task = BackgroundTask('t', instance_id=instance_id, task_id=task_id, timeout='5m')\n"
        "    looked_up = get_background_task_output(instance_id, task_id)\n"
        "    return pulumi.Output.all(task.status, looked_up.status).apply(lambda s: str(s[0]) + str(s[1]))\n\n"
        "def read(emu: Emulator) -> str:\n"
        "    with DmsClient(endpoint=emu.url, project_id=emu.project_id, ak='AK', sk='SK') as client:\n"
        "        try:\n"
        "            return str(client.show_task('inst', 'f' * 32).status)\n"
        "        except TaskFailedError as exc:\n"
        "            return str(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        # MYPYPATH: an editable install is found through an import hook, which mypy does not follow.
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
