"""scripts/install-pulumi.sh, reusing a cached CLI build: it puts the stand-in language host in place
of a real one that could not be built, refreshes it from the checkout on every run, leaves a real one
alone, and records which host is there and why (in a copy of the checkout, with a cache of its own
and no Go on PATH: nothing is built)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import stackrun

ROOT = stackrun.ROOT
TOOLS = (
    "bash",
    "cat",
    "dirname",
    "mkdir",
    "rm",
    "ln",
    "sed",
    "grep",
    "tail",
    "mktemp",
    "head",
    "cmp",
    "install",
    "mv",
    "env",
    "sh",
    "chmod",
)
REASON = "go: github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3@v3.0.0: 403 Forbidden"


@pytest.fixture()
def checkout(pulumi_cli: Path, tmp_path: Path) -> dict[str, Path]:
    """A copy of what the script uses, a cache holding the CLI build, and a PATH without Go."""
    root = tmp_path / "checkout"
    for part in ("scripts/install-pulumi.sh", "tools/pulumi-build/VERSION", "tools/language-host"):
        source, target = ROOT / part, root / part
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    cache_bin = tmp_path / "cache" / "pulumi" / stackrun.VERSION / "bin"
    cache_bin.mkdir(parents=True)
    for name in ("pulumi", "pulumi-resource-pulumi-python"):
        (cache_bin / name).symlink_to((pulumi_cli / name).resolve())
    (cache_bin.parent / "LANGUAGE_HOST_UNAVAILABLE").write_text(REASON + "\n")
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in TOOLS:
        found = shutil.which(name)
        assert found, name
        (tools / name).symlink_to(found)
    return {"root": root, "bin": cache_bin, "tools": tools, "home": tmp_path}


def _install(paths: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(paths["tools"]),
        "HOME": str(paths["home"]),
        "PULUMI_TOOLS_CACHE": str(paths["home"] / "cache"),
        "PULUMI_STANDIN_PYTHON": sys.executable,
    }
    done = subprocess.run(
        ["bash", str(paths["root"] / "scripts" / "install-pulumi.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def _record(paths: dict[str, Path]) -> list[str]:
    return (paths["bin"].parent / "LANGUAGE_HOST").read_text().splitlines()


def test_stand_in_is_installed_recorded_and_refreshed(checkout: dict[str, Path]) -> None:
    """No real host: the stand-in from the checkout goes next to `pulumi`, with the reason recorded;
    an outdated copy in the cache is replaced on the next run."""
    shutil.copy2(stackrun.BIN / "pulumi-language-python-exec", checkout["bin"])
    done = _install(checkout)
    assert done.stdout.strip().splitlines()[-1] == str(
        checkout["root"] / ".tools" / "pulumi" / stackrun.VERSION / "bin"
    )
    assert "the stand-in from tools/language-host" in done.stderr and "403 Forbidden" in done.stderr
    record = _record(checkout)
    assert record[0] == "stand-in" and REASON in record[1] and sys.executable in record[2]
    source = checkout["root"] / "tools" / "language-host"
    for name in ("pulumi-language-python", "pulumi_language_host.py"):
        assert (checkout["bin"] / name).read_bytes() == (source / name).read_bytes()
        assert os.access(checkout["bin"] / name, os.X_OK)
    assert (checkout["bin"] / "pulumi-language-python.python").read_text().strip() == sys.executable

    (checkout["bin"] / "pulumi_language_host.py").write_text("# an older stand-in\n")
    _install(checkout)
    assert (checkout["bin"] / "pulumi_language_host.py").read_bytes() == (
        source / "pulumi_language_host.py"
    ).read_bytes()


def test_a_real_host_is_left_alone(checkout: dict[str, Path]) -> None:
    """A compiled pulumi-language-python in the cache is kept, and recorded as the real one."""
    shutil.copy2(stackrun.BIN / "pulumi-language-python-exec", checkout["bin"])
    real = checkout["bin"] / "pulumi-language-python"
    real.write_bytes(b"\x7fELF compiled host")
    real.chmod(0o755)
    _install(checkout)
    assert real.read_bytes() == b"\x7fELF compiled host"
    assert _record(checkout)[0] == "real"
    assert not (checkout["bin"] / "pulumi_language_host.py").exists()


def test_without_the_exec_script_and_go_no_host_is_recorded(checkout: dict[str, Path]) -> None:
    """The stand-in needs the SDK's exec script; without it (and no Go to fetch it) the record says so."""
    done = _install(checkout)
    record = _record(checkout)
    assert record[0] == "none" and "pulumi-language-python-exec" in record[1] and "Go" in record[1]
    assert "Python language host: NONE" in done.stderr
    assert not (checkout["bin"] / "pulumi-language-python").exists()
