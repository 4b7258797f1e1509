"""The public surface: what users import from `pulumi_dms_tasks` and `pulumi_dms_tasks.emulator`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pulumi_dms_tasks
import pulumi_dms_tasks.emulator

INIT = Path(pulumi_dms_tasks.__file__)


def test_every_public_name_resolves_and_comes_from_a_private_module() -> None:
    """Each name in __all__ loads, and (but for the version) is defined in a `_`-private module."""
    for name in pulumi_dms_tasks.__all__:
        value = getattr(pulumi_dms_tasks, name)
        if name != "__version__":
            assert value.__module__.split(".")[1].startswith("_"), (name, value.__module__)
    assert sorted(pulumi_dms_tasks.__all__) == dir(pulumi_dms_tasks)


def test_type_checkers_see_the_same_names_as_the_runtime() -> None:
    """The TYPE_CHECKING re-exports list exactly the names __all__ gives at run time."""
    seen: set[str] = set()
    for node in ast.walk(ast.parse(INIT.read_text())):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                for alias in stmt.names:
                    assert alias.asname == alias.name, f"{alias.name} is not an explicit re-export"
                    seen.add(alias.name)
    assert seen == set(pulumi_dms_tasks.__all__) - {"__version__"}


def test_importing_the_package_loads_neither_pulumi_nor_the_client() -> None:
    """`import pulumi_dms_tasks` stays cheap: names load on first use."""
    code = "import sys, pulumi_dms_tasks; print(sorted(m for m in ('pulumi', 'requests', 'pydantic') if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_emulator_has_one_entry_point() -> None:
    """`Emulator` is the way in (a context manager); the deprecated `run_emulator` is kept for old code."""
    assert "Emulator" in pulumi_dms_tasks.emulator.__all__
    assert "EmulatorHandle" not in pulumi_dms_tasks.emulator.__all__
    assert hasattr(pulumi_dms_tasks.emulator.Emulator, "__enter__")


def test_public_methods_take_no_private_keywords() -> None:
    """DmsClient's public methods offer only documented parameters (no `_end`-style internals)."""
    import inspect

    from pulumi_dms_tasks import DmsClient

    for name, method in inspect.getmembers(DmsClient, inspect.isfunction):
        if name.startswith("_"):
            continue
        private = [p for p in inspect.signature(method).parameters if p.startswith("_")]
        assert private == [], (name, private)
