"""The README's runnable snippets run as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_client_snippet_runs_against_the_emulator() -> None:
    """The client example (emulator + DmsClient) prints what its comments say."""
    text = (ROOT / "README.md").read_text()
    block = next(
        b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "Emulator" in b and "DmsClient" in b
    )
    done = subprocess.run(
        [sys.executable, "-c", block], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "EXECUTING"
    assert lines[-1] == "SUCCESS None 2.0"


def test_install_script_explains_missing_go(tmp_path: Path) -> None:
    """Without Go and without a cached build, the CLI install fails with a clear message."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("bash", "cat", "dirname", "mkdir", "rm", "ln", "sed", "grep", "tail", "mktemp"):
        found = shutil.which(name)
        if found:
            (tools / name).symlink_to(found)
    done = subprocess.run(
        [str(tools / "bash"), str(ROOT / "scripts" / "install-pulumi.sh")],
        env={"PATH": str(tools), "HOME": str(tmp_path), "PULUMI_TOOLS_CACHE": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Go is not installed" in done.stderr and "make setup" in done.stderr
