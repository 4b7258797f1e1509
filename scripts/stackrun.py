"""Run Pulumi programs with the real CLI, offline, on a local file backend.

Shared by ``scripts/demo.py`` and the end-to-end tests. The CLI comes from
``scripts/install-pulumi.sh`` (.tools/pulumi/<version>/bin), with a Python language host next to it
(the real one, or our stand-in where it cannot be built). Two ways to run a program, as users do:

* :class:`DirectoryStack`: a project directory (``Pulumi.yaml``, ``__main__.py``) and the ``pulumi``
  commands a user types in it (``stack select``, ``config set``, ``up``, ``stack output``...);
* :class:`StackRunner`: the Automation API (``pulumi.automation``) with an inline program.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
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


def language_host() -> tuple[str, str]:
    """Which Python language host install-pulumi.sh put next to ``pulumi`` ("real", "stand-in" or
    "none"), and why."""
    record = PULUMI_ROOT / "LANGUAGE_HOST"
    if not record.exists():
        return "none", "no language host recorded: run `make setup` (scripts/install-pulumi.sh)"
    kind, _, why = record.read_text().strip().partition("\n")
    return kind, why


def pulumi_env(state_dir: Path, passphrase: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for an offline, quiet CLI with its own home and a file backend."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "backend").mkdir(exist_ok=True)
    (state_dir / "home").mkdir(exist_ok=True)
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
    """One stack of an Automation API program (inline, or a ``work_dir``), run with the real CLI."""

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
        # An inline program's modules (local_file) must be importable by the provider process too.
        pythonpath = os.pathsep.join(
            p for p in (str(SHARED_EXAMPLES), str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        self.env = pulumi_env(state_dir, passphrase, {"PYTHONPATH": pythonpath, **(env or {})})
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
            else auto.ProjectSettings(
                name=project,
                runtime="python",
                backend=auto.ProjectBackend(url=self.env["PULUMI_BACKEND_URL"]),
            ),
            secrets_provider="passphrase",
        )
        if program is not None:
            self.stack = auto.create_or_select_stack(
                stack_name=stack, project_name=project, program=program, opts=opts
            )
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
            cmd,
            cwd=str(self.work_dir or self.stack.workspace.work_dir),
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def outputs_json(self) -> dict[str, Any]:
        """``pulumi stack output --json`` through the CLI (secret outputs stay masked)."""
        return json.loads(self.cli("stack", "output", "--json").stdout)

    def export(self, show_secrets: bool = False) -> str:
        args = ["stack", "export"] + (["--show-secrets"] if show_secrets else [])
        return self.cli(*args).stdout


def write_project(
    work_dir: Path,
    program: str | Path,
    *,
    name: str = "e2e",
    virtualenv: str | None = sys.prefix if sys.prefix != sys.base_prefix else None,
    main: str | None = None,
    extra_files: Mapping[str, str | Path] | None = None,
) -> Path:
    """Lay out a Python project directory: ``Pulumi.yaml`` and the program (source text or a file).

    ``virtualenv`` becomes the ``virtualenv`` runtime option (default: the virtualenv running
    this code; ``None`` leaves it out so the host uses ``PULUMI_PYTHON_CMD``). ``main`` puts the
    program in that sub-directory and names it in ``Pulumi.yaml``. ``extra_files`` are copied or
    written next to the program (for example a module the program and its providers import).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {name}", "runtime:", "  name: python"]
    if virtualenv:
        lines += ["  options:", f"    virtualenv: {json.dumps(str(virtualenv))}"]
    if main:
        lines.append(f"main: {main}")
    (work_dir / "Pulumi.yaml").write_text("\n".join(lines) + "\n")
    program_dir = work_dir / main if main else work_dir
    program_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | Path] = {"__main__.py": program, **(extra_files or {})}
    for file_name, content in files.items():
        target = program_dir / file_name
        target.write_text(content.read_text() if isinstance(content, Path) else content)
    return work_dir


class DirectoryStack:
    """One stack of a project directory, driven by the ``pulumi`` CLI exactly as a user types it.

    ``command(*args)`` and ``env`` are what to run (for instance in a process group of its own, to
    send it a terminal's Ctrl-C: see :meth:`popen`); :meth:`run` runs it to completion. With
    ``echo``, each command is shown before it runs (``make demo``).
    """

    def __init__(
        self,
        work_dir: Path,
        stack: str,
        *,
        state_dir: Path,
        passphrase: str = "pulumi-dms-tasks-demo",
        env: Mapping[str, str] | None = None,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.work_dir = work_dir
        self.stack = stack
        self.env = {**os.environ, **pulumi_env(state_dir, passphrase, env)}
        self.echo = echo

    def command(self, *args: str) -> list[str]:
        """The command line for ``pulumi ARGS`` on this stack, without prompts."""
        flags = ["--stack", self.stack, "--non-interactive"]
        if "--" in args:  # flags go before the end of options
            cut = args.index("--")
            return [str(BIN / "pulumi"), *args[:cut], *flags, *args[cut:]]
        return [str(BIN / "pulumi"), *args, *flags]

    def _show(self, args: Sequence[str], note: str = "") -> None:
        if self.echo is not None:
            self.echo("$ pulumi " + " ".join(shlex.quote(a) for a in args) + (f"   # {note}" if note else ""))

    def run(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 900,
        stdin_text: str | None = None,
        note: str = "",
    ) -> subprocess.CompletedProcess[str]:
        """Run ``pulumi ARGS`` in the project directory (``stdin_text`` on its stdin); ``check`` raises
        with its output on failure."""
        self._show(args, note)
        done = subprocess.run(
            self.command(*args),
            cwd=self.work_dir,
            env=self.env,
            input=stdin_text,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise CliError(args, done)
        return done

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
        """Start ``pulumi ARGS`` in a new process group (``os.killpg(p.pid, SIGINT)`` is Ctrl-C)."""
        self._show(args)
        options: dict[str, Any] = {"cwd": self.work_dir, "env": self.env, "text": True, "process_group": 0}
        return subprocess.Popen(self.command(*args), **{**options, **kwargs})

    def select(self) -> None:
        """``pulumi stack select --create``: the stack exists afterwards, new or not."""
        self._show(["stack", "select", "--create", self.stack])
        done = subprocess.run(
            [str(BIN / "pulumi"), "stack", "select", "--create", self.stack, "--non-interactive"],
            cwd=self.work_dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise CliError(["stack", "select", "--create", self.stack], done)

    def config_set(self, key: str, value: Any, *, secret: bool = False, path: bool = False) -> None:
        """``pulumi config set``; a secret's value goes through stdin, never the command line."""
        text = json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)
        flags = (["--secret"] if secret else []) + (["--path"] if path else [])
        if secret:
            self.run("config", "set", *flags, key, stdin_text=text, note="value read from stdin")
        else:
            self.run("config", "set", *flags, key, *(["--"] if text.startswith("-") else []), text)

    def configure(self, values: Mapping[str, Any], *, secret: Sequence[str] = ()) -> None:
        """Several ``pulumi config set`` (``--path`` for keys with a dot after the namespace)."""
        for key, value in values.items():
            self.config_set(key, value, secret=key in secret, path="." in key.partition(":")[2])

    def up(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("up", "--yes", *extra, check=check)

    def outputs(self, show_secrets: bool = False) -> dict[str, Any]:
        """``pulumi stack output --json``."""
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        return json.loads(self.run(*args).stdout)

    def export(self, show_secrets: bool = False) -> str:
        """``pulumi stack export`` (the state as JSON text)."""
        return self.run("stack", "export", *(["--show-secrets"] if show_secrets else [])).stdout


class CliError(Exception):
    """A ``pulumi`` command that failed; the message holds its exit code and output."""

    def __init__(self, args: Sequence[str], done: subprocess.CompletedProcess[str]) -> None:
        self.returncode = done.returncode
        self.stdout = done.stdout
        self.stderr = done.stderr
        super().__init__(f"`pulumi {' '.join(args)}` exited {done.returncode}\n{done.stdout}\n{done.stderr}")
