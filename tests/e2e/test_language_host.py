"""The Python language host next to the CLI (the real one, or our stand-in where it cannot be built)
runs directory programs the way users expect: what a program is handed, which Python runs it,
`main:` and the `virtualenv` option of Pulumi.yaml, `pulumi about`, clear errors."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import stackrun

PROGRAMS = Path(__file__).resolve().parent / "programs"


def _stack(tmp_path: Path, **project) -> stackrun.DirectoryStack:
    work_dir = stackrun.write_project(
        tmp_path / "project", PROGRAMS / "runtime_info.py", name="hostcheck", **project
    )
    stack = stackrun.DirectoryStack(work_dir, "dev", state_dir=tmp_path / "pulumi")
    stack.select()
    stack.config_set("test:plain", "visible")
    stack.config_set("test:hidden", "s3cret-Value", secret=True)
    return stack


def test_directory_program_gets_project_stack_config_and_its_virtualenv(
    language_host, tmp_path: Path
) -> None:
    """`pulumi up` in a project directory: the program runs from Pulumi.yaml's virtualenv, in the
    project directory, with the project, stack, organization, config and secret config it belongs to."""
    stack = _stack(tmp_path)
    preview = stack.run("preview")
    assert re.search(r"dry_run\s*: true", preview.stdout)
    up = stack.up()
    assert "printed by the program" in up.stdout  # the program's stdout reaches the person running `up`
    assert json.loads(stack.run("stack", "output", "hidden", "--json").stdout) == "[secret]"
    out = stack.outputs(show_secrets=True)
    work_dir = str(stack.work_dir)
    assert (out["project"], out["stack"], out["organization"]) == ("hostcheck", "dev", "organization")
    assert (out["root_directory"], out["cwd"]) == (work_dir, work_dir)
    assert (out["python"], out["virtual_env"]) == (str(Path(sys.prefix) / "bin" / "python"), sys.prefix)
    assert out["dry_run"] is False and out["argv0"] == "."
    assert (out["plain"], out["hidden"]) == ("visible", "s3cret-Value")


def test_main_option_and_pulumi_python_cmd_without_virtualenv(language_host, tmp_path: Path) -> None:
    """`main: src` runs src/__main__.py in src; without a virtualenv option, $PULUMI_PYTHON_CMD runs it."""
    stack = _stack(tmp_path, main="src", virtualenv=None)
    assert stack.env["PULUMI_PYTHON_CMD"] == sys.executable
    stack.up()
    out = stack.outputs()
    assert (out["root_directory"], out["cwd"]) == (str(stack.work_dir), str(stack.work_dir / "src"))
    assert out["python"] == sys.executable


def test_a_virtualenv_option_naming_no_virtualenv_is_a_clear_error(language_host, tmp_path: Path) -> None:
    """A `virtualenv` option naming a folder that is not a virtualenv fails `pulumi up` naming both."""
    (tmp_path / "project" / "not-a-venv").mkdir(parents=True)
    (tmp_path / "project" / "not-a-venv" / "notes.txt").write_text("not a virtualenv\n")
    stack = _stack(tmp_path, virtualenv="not-a-venv")
    done = stack.up(check=False)
    printed = done.stdout + done.stderr
    assert done.returncode != 0
    assert "virtualenv" in printed and str(stack.work_dir / "not-a-venv") in printed


def test_pulumi_about_reports_the_programs_python_and_dependencies(language_host, tmp_path: Path) -> None:
    """`pulumi about --json` shows the language host, the program's Python and its top-level packages."""
    stack = _stack(tmp_path)
    about = json.loads(stack.run("about", "--json").stdout)
    assert {"name": "python", "kind": "language", "version": "3.259.0"} in about["plugins"]
    assert about["runtime"]["executable"] == str(Path(sys.prefix) / "bin" / "python")
    assert about["runtime"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert "pulumi-dms-tasks" in {d["name"] for d in about["dependencies"]}


def _fake_distribution(site: Path, resource: bool) -> None:
    """An installed `pulumi-fake` 1.2.3 whose pulumi-plugin.json says whether it needs a plugin."""
    info = site / "pulumi_fake-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pulumi-fake\nVersion: 1.2.3\n")
    (site / "pulumi_fake").mkdir()
    (site / "pulumi_fake" / "__init__.py").write_text("")
    (site / "pulumi_fake" / "pulumi-plugin.json").write_text(
        json.dumps({"resource": resource, "name": "fake"})
    )


def test_installed_pulumi_packages_decide_the_required_plugins(language_host, tmp_path: Path) -> None:
    """A Pulumi package in the program's Python whose pulumi-plugin.json says `"resource": true`
    requires its plugin (`pulumi about` lists it); with `"resource": false`, like pulumi-dms-tasks,
    it requires none."""
    for resource in (True, False):
        site = tmp_path / f"site-{resource}"
        _fake_distribution(site, resource)
        stack = _stack(tmp_path / str(resource))
        stack.env["PYTHONPATH"] = str(site)
        plugins = json.loads(stack.run("about", "--json").stdout)["plugins"]
        assert ({"name": "fake", "version": "1.2.3", "kind": "resource"} in plugins) is resource
        assert not [p for p in plugins if "dms" in p["name"]]
