"""Data flows one way: resource -> provider -> client -> HTTP; models and errors import nothing of ours."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "pulumi_dms_tasks"

# Which of our modules each module may import (the emulator is the server side: auth and models only).
ALLOWED = {
    "errors": set(),
    "models": set(),
    "_constants": set(),
    "_version": set(),
    "validation": {"_constants", "errors"},
    "auth": {"_constants"},
    "settings": {"_constants", "errors", "validation"},
    "transport": {"_constants"},
    "waiting": {"_constants", "errors", "models"},
    "outputs": {"models"},
    "client": {"_constants", "_version", "auth", "errors", "models", "settings", "transport", "validation", "waiting"},
    "provider": {"_constants", "client", "errors", "models", "outputs", "settings", "validation", "waiting"},
    "functions": {"_constants", "client", "errors", "models", "outputs", "validation"},
    "resource": {"outputs", "provider"},
    # The command line sits beside the functions: the client and its pieces, never Pulumi.
    "_display": set(),
    "_cli": {"_constants", "_display", "_version", "client", "errors", "models", "outputs", "settings", "validation", "waiting"},
    "__main__": {"_cli"},
    "testing": {"emulator"},
}


def _our_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pulumi_dms_tasks."):
            found.add(node.module.split(".")[1])
    return found


def test_modules_import_only_downstream() -> None:
    """Each module imports only the modules below it in the data flow."""
    problems = {}
    for name, allowed in ALLOWED.items():
        extra = _our_imports(PKG / f"{name}.py") - allowed
        if extra:
            problems[name] = sorted(extra)
    assert problems == {}


def test_every_module_is_placed() -> None:
    """A new module must be given a place in the layout above."""
    modules = {p.stem for p in PKG.glob("*.py")} - {"__init__"}
    assert modules == set(ALLOWED)


def test_emulator_uses_only_the_shared_wire_pieces() -> None:
    """The emulator (server side) shares auth and models with the client, nothing else."""
    used: set[str] = set()
    for path in (PKG / "emulator").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                used.add(node.module.split(".")[0])
    assert used <= {"auth", "models", "_constants"}
