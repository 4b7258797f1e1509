"""The Pulumi version is written once (tools/pulumi-build/VERSION); everything else must agree."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PINNED = (ROOT / "tools" / "pulumi-build" / "VERSION").read_text().strip()
MIN_SDK = "3.139.0"


def test_cli_build_module_requires_the_pinned_version() -> None:
    """The Go module that builds the CLI requires exactly the pinned pkg and sdk versions."""
    go_mod = (ROOT / "tools" / "pulumi-build" / "go.mod").read_text()
    for module in ("github.com/pulumi/pulumi/pkg/v3", "github.com/pulumi/pulumi/sdk/v3"):
        found = re.findall(rf"^\s*(?:require\s+)?{re.escape(module)} (v\S+)", go_mod, re.MULTILINE)
        assert found == [PINNED], (module, found)


def test_dev_environment_pins_the_sdk_from_the_version_file() -> None:
    """`make setup` installs pulumi==<VERSION> and writes no version of its own."""
    makefile = (ROOT / "Makefile").read_text()
    assert "PULUMI_VERSION := $(shell sed 's/^v//' tools/pulumi-build/VERSION)" in makefile
    assert "'pulumi==$(PULUMI_VERSION)'" in makefile
    assert re.search(r"pulumi==3\.\d+\.\d+", makefile.replace(MIN_SDK, "")) is None


def test_installed_sdk_is_the_pinned_one_or_the_oldest_supported() -> None:
    """The venv runs the pinned SDK (or, for `make test-min`, the oldest one we support)."""
    assert version("pulumi") in (PINNED.removeprefix("v"), MIN_SDK)


def test_package_range_admits_the_pinned_and_the_oldest_sdk() -> None:
    """pyproject's range is what users get: it must include both versions we test with."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (spec,) = [d for d in deps if re.match(r"pulumi\b", d)]
    assert spec == "pulumi>=3.139,<4"
    assert MIN_SDK.startswith("3.139") and PINNED.startswith("v3.")


def test_readme_names_the_pinned_version_only() -> None:
    """Every Pulumi version the README mentions (as v3.x.y or pulumi==3.x.y) is the pinned one."""
    readme = (ROOT / "README.md").read_text()
    mentioned = set(re.findall(r"\bv(3\.\d+\.\d+)\b", readme)) | set(
        re.findall(r"pulumi==(3\.\d+\.\d+)", readme)
    )
    assert mentioned == {PINNED.removeprefix("v")}


def test_install_script_reads_the_version_file() -> None:
    """The CLI build takes its version from the file, never from a literal of its own."""
    script = (ROOT / "scripts" / "install-pulumi.sh").read_text()
    assert 'VERSION="$(cat "$BUILD_MOD/VERSION")"' in script
    # The language host's pseudo-version (v3.0.0-<date>-<commit>) names a commit, not a release.
    assert re.findall(r"v3\.\d+\.\d+\b(?!-)", script) == []
