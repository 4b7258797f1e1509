"""What the repository tracks: nothing machine-specific, nothing a run rewrites."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# An absolute path on some machine: a top-level home, root, Users, work or tmp folder.
MACHINE_PATH = re.compile(r"(?<![\w.~-])/(?:home|root|Users|work|tmp)/[\w.-]+")


def _tracked() -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [name for name in done.stdout.split("\0") if name]


def test_no_tracked_file_holds_an_absolute_path_of_a_machine() -> None:
    """Paths are relative to the checkout or computed at run time, never written in."""
    found = []
    for name in _tracked():
        path = ROOT / name
        if path.is_symlink() or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [f"{name}: {m.group(0)}" for m in MACHINE_PATH.finditer(text)]
    assert found == []


def test_no_stack_config_file_is_tracked() -> None:
    """Stack config (Pulumi.<stack>.yaml) is rewritten by every run: it lives in .state/, untracked."""
    assert [n for n in _tracked() if re.fullmatch(r"(.*/)?Pulumi\.[^/]+\.ya?ml", n)] == []
