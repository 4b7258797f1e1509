"""End-to-end fixtures: the real Pulumi CLI, a file backend per test, the emulator on loopback.

Two user paths, two fixtures:

* ``make_project`` (most tests): a directory program as users write it, a temp project directory
  with ``Pulumi.yaml`` and ``__main__.py``, driven by the ``pulumi`` commands they type
  (``stack select --create``, ``config set``, ``up``, ``stack output``...) through
  :class:`stackrun.DirectoryStack`. Programs live in ``tests/e2e/programs``.
* ``make_stack``: the Automation API (``pulumi.automation``) with an inline program, a user path
  of its own (``tests/e2e/test_automation_api.py``, ``tests/e2e/test_scale.py``).
"""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "examples" / "shared"))

import stackrun  # noqa: E402

from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK  # noqa: E402

PROGRAMS = Path(__file__).resolve().parent / "programs"
LOCAL_FILE = ROOT / "examples" / "shared" / "local_file.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    """The CLI built by scripts/install-pulumi.sh; its absence is a failure, not a skip."""
    if not stackrun.cli_installed():
        pytest.fail(f"Pulumi CLI not found in {stackrun.BIN}: run `make setup` (scripts/install-pulumi.sh)")
    return stackrun.BIN


@pytest.fixture(scope="session")
def language_host(pulumi_cli: Path) -> str:
    """The Python language host next to the CLI ("real" or "stand-in"); none is a failure."""
    kind, why = stackrun.language_host()
    if kind not in ("real", "stand-in") or not stackrun.language_host_available():
        pytest.fail(f"no Python language host next to {pulumi_cli}: {why}")
    return kind


def _credentials(credentials: str, env: dict[str, str] | None) -> tuple[dict[str, Any], dict[str, str]]:
    config: dict[str, Any] = {"huaweicloud:projectId": TEST_PROJECT}
    extra_env = dict(env or {})
    if credentials == "config":
        config.update({"huaweicloud:accessKey": TEST_AK, "huaweicloud:secretKey": TEST_SK})
    else:
        extra_env.update({"HW_ACCESS_KEY": TEST_AK, "HW_SECRET_KEY": TEST_SK})
    return config, extra_env


@pytest.fixture()
def make_project(language_host: str, emulator: Any, tmp_path: Path) -> Callable[..., stackrun.DirectoryStack]:
    """Write a directory program and configure a new stack of it for the emulator, as a user would.

    ``build("gated", config={...})`` copies ``programs/gated.py`` as ``__main__.py`` (with
    ``local_file.py`` beside it) into a temp project (or takes ``directory=``, a project laid out
    already), runs ``pulumi stack select --create`` and
    ``pulumi config set`` for the credentials (``credentials="config"``: AK/SK in stack config, the
    SK as a secret; ``"env"``: ``HW_ACCESS_KEY``/``HW_SECRET_KEY`` in the environment), the project
    id, ``huaweicloud:endpoints.dms`` and ``test:outputDir``, and returns the
    :class:`stackrun.DirectoryStack` (``command()``/``env`` give the raw command line).
    """
    counter = iter(range(1000))

    def build(
        program: str | None = None,
        *,
        directory: Path | None = None,
        config: dict[str, Any] | None = None,
        credentials: str = "config",
        secret: tuple[str, ...] = ("huaweicloud:secretKey",),
        env: dict[str, str] | None = None,
        endpoint: str | None = None,
        **project: Any,
    ) -> stackrun.DirectoryStack:
        base, extra_env = _credentials(credentials, env)
        if directory is not None:
            work_dir = directory
        else:
            work_dir = tmp_path / f"project-{next(counter)}"
            extra = {"local_file.py": LOCAL_FILE, **project.pop("extra_files", {})}
            stackrun.write_project(work_dir, PROGRAMS / f"{program}.py", extra_files=extra, **project)
        stack = stackrun.DirectoryStack(
            work_dir, f"t{uuid.uuid4().hex[:8]}", state_dir=tmp_path / "pulumi", env=extra_env
        )
        stack.select()
        stack.configure(
            {
                **base,
                "huaweicloud:endpoints.dms": endpoint or emulator.url,
                "test:outputDir": str(tmp_path / "out"),
                **(config or {}),
            },
            secret=secret,
        )
        return stack

    return build


@pytest.fixture()
def make_stack(
    pulumi_cli: Path, emulator: Any, tmp_path: Path
) -> Iterator[Callable[..., stackrun.StackRunner]]:
    """Build an Automation API stack for an inline program, configured for the emulator."""

    def build(
        program: Callable[[], None],
        *,
        config: dict[str, Any] | None = None,
        credentials: str = "config",
        env: dict[str, str] | None = None,
        project: str = "e2e",
        endpoint: str | None = None,
    ) -> stackrun.StackRunner:
        base, extra_env = _credentials(credentials, env)
        runner = stackrun.StackRunner(
            project=project,
            stack=f"t{uuid.uuid4().hex[:8]}",
            state_dir=tmp_path / "pulumi",
            program=program,
            env=extra_env,
        )
        runner.set_config(
            {**base, "test:outputDir": str(tmp_path / "out"), **(config or {})},
            secret=("huaweicloud:secretKey",),
        )
        runner.set_path_config("huaweicloud:endpoints.dms", endpoint or emulator.url)
        return runner

    yield build


def copy_example(name: str, dest: Path) -> Path:
    """Copy ``examples/<name>`` with what it uses, keeping its layout: ``examples/shared`` beside it
    and the checkout's virtualenv where its ``Pulumi.yaml`` expects it (``../../.venv``)."""
    examples = dest / "examples"
    shutil.copytree(ROOT / "examples" / name, examples / name)
    shutil.copytree(
        ROOT / "examples" / "shared", examples / "shared", ignore=shutil.ignore_patterns("__pycache__")
    )
    (dest / ".venv").symlink_to(Path(sys.prefix))
    return examples / name
