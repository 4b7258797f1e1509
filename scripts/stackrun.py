"""Run Pulumi programs with the real CLI, offline, on a local file backend.

Shared by ``scripts/demo.py`` and the end-to-end tests. The CLI comes from
``scripts/install-pulumi.sh`` (.tools/pulumi/<version>/bin). A program runs as a directory program
(``pulumi up`` in its folder) when the Python language host could be built, and otherwise through
the Automation API's inline language host, which needs only the ``pulumi`` binary and the
dynamic-provider script.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi import automation as auto

ROOT = Path(__file__).resolve().parent.parent
VERSION = (ROOT / "tools" / "pulumi-build" / "VERSION").read_text().strip()
PULUMI_ROOT = ROOT / ".tools" / "pulumi" / VERSION
BIN = PULUMI_ROOT / "bin"
SHARED_EXAMPLES = ROOT / "examples" / "shared"


def cli_installed() -> bool:
    return (BIN / "pulumi").exists() and (BIN / "pulumi-resource-pulumi-python").exists()


def language_host_available() -> bool:
    return (BIN / "pulumi-language-python").exists() and (BIN / "pulumi-language-python-exec").exists()


def language_host_problem() -> str:
    marker = PULUMI_ROOT / "LANGUAGE_HOST_UNAVAILABLE"
    return marker.read_text().strip() if marker.exists() else "not built"


def pulumi_env(state_dir: Path, passphrase: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for an offline, quiet CLI with its own home and a file backend."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "backend").mkdir(exist_ok=True)
    (state_dir / "home").mkdir(exist_ok=True)
    pythonpath = os.pathsep.join(p for p in (str(SHARED_EXAMPLES), str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {
        "PATH": f"{BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_HOME": str(state_dir / "home"),
        "PULUMI_BACKEND_URL": (state_dir / "backend").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "NO_COLOR": "1",
        "PYTHONPATH": pythonpath,
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra or {})
    return env


def load_program(path: Path, attr: str = "program") -> Callable[[], None]:
    """Import a program file (e.g. the root ``__main__.py``) and return its ``program`` function."""
    name = f"_program_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return getattr(module, attr)


class StackRunner:
    """One stack of one project, run with the real CLI."""

    def __init__(
        self,
        *,
        project: str,
        stack: str,
        state_dir: Path,
        work_dir: Path | None = None,
        program: Callable[[], None] | None = None,
        passphrase: str = "pulumi-dms-tasks-demo",
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.env = pulumi_env(state_dir, passphrase, env)
        self.stack_name = stack
        self.work_dir = work_dir
        self.project = project
        command = auto.PulumiCommand(root=str(PULUMI_ROOT), skip_version_check=True)
        opts = auto.LocalWorkspaceOptions(
            work_dir=str(work_dir) if work_dir else None,
            pulumi_home=self.env["PULUMI_HOME"],
            env_vars=self.env,
            pulumi_command=command,
            project_settings=None
            if work_dir
            else auto.ProjectSettings(name=project, runtime="python", backend=auto.ProjectBackend(url=self.env["PULUMI_BACKEND_URL"])),
            secrets_provider="passphrase",
        )
        if program is not None:
            self.stack = auto.create_or_select_stack(stack_name=stack, project_name=project, program=program, opts=opts)
        else:
            assert work_dir is not None
            self.stack = auto.create_or_select_stack(stack_name=stack, work_dir=str(work_dir), opts=opts)

    def set_config(self, values: Mapping[str, Any], secret: tuple[str, ...] = ()) -> None:
        for key, value in values.items():
            if isinstance(value, (dict, list)):
                self.stack.set_config(key, auto.ConfigValue(json.dumps(value), secret=key in secret))
            else:
                self.stack.set_config(key, auto.ConfigValue(str(value), secret=key in secret))

    def set_path_config(self, key: str, value: str) -> None:
        self.stack.set_config(key, auto.ConfigValue(value), path=True)

    def cli(self, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Run the real ``pulumi`` binary against this stack."""
        cmd = [str(BIN / "pulumi"), *args, "--stack", self.stack_name, "--non-interactive"]
        return subprocess.run(
            cmd, cwd=str(self.work_dir or self.stack.workspace.work_dir), env={**os.environ, **self.env},
            capture_output=True, text=True, check=check, timeout=timeout,
        )

    def outputs_json(self) -> dict[str, Any]:
        """``pulumi stack output --json --show-secrets`` through the CLI."""
        return json.loads(self.cli("stack", "output", "--json").stdout)

    def export(self, show_secrets: bool = False) -> str:
        args = ["stack", "export"] + (["--show-secrets"] if show_secrets else [])
        return self.cli(*args).stdout
