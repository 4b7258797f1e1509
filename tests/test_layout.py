"""Data flows one way: resource -> provider -> client -> HTTP; models and errors import nothing of ours.

The rule is derived from one ordered list of layers: a module may import only modules of the
layers below its own. Every import form counts: ``import pulumi_dms_tasks.x``, ``from
pulumi_dms_tasks import x``, ``from . import x``, ``from .x import y``, ``from .. import x`` and
imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "pulumi_dms_tasks"
PACKAGE = "pulumi_dms_tasks"

# Bottom first. The emulator (the server side) is one unit here and may use only the wire pieces.
LAYERS: list[set[str]] = [
    {"_version", "_constants", "_errors", "_models", "_canonical", "_cancellation", "_display", "_matching"},
    {"_validation", "_auth", "_transport", "_outputs", "_waiting"},
    {"_settings"},
    {"_client"},
    {"provider", "_functions", "_cli"},
    {"_resource", "__main__"},
    {"emulator"},
    {"testing"},
]
EMULATOR_MAY_USE = {"_canonical", "_constants", "_models"}


def _layer_of(name: str) -> int:
    for index, layer in enumerate(LAYERS):
        if name in layer:
            return index
    raise KeyError(name)


def _imported(path: Path, module: str) -> set[str]:
    """Fully qualified names of what ``module`` (dotted, defined in ``path``) imports of ours."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                # `from . import x` names a submodule; `from pulumi_dms_tasks import X` a public name.
                candidate = f"{source}.{alias.name}"
                found.add(candidate if _is_module(candidate) else source)
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


def _is_module(qualified: str) -> bool:
    relative = Path(*qualified.split(".")[1:]) if "." in qualified else Path()
    return (PKG / relative).with_suffix(".py").exists() or (PKG / relative / "__init__.py").exists()


def _unit(qualified: str) -> str | None:
    """The layer unit a qualified name belongs to (a top-level module, or the emulator)."""
    parts = qualified.split(".")
    if len(parts) == 1:
        return PACKAGE
    if parts[1] in {"emulator"} or (PKG / f"{parts[1]}.py").exists():
        return parts[1]
    return None  # a name re-exported by a package, e.g. `from pulumi_dms_tasks import DmsClient`


def _modules() -> dict[str, Path]:
    out = {f"{PACKAGE}.{p.stem}": p for p in PKG.glob("*.py") if p.stem != "__init__"}
    out.update({f"{PACKAGE}.emulator.{p.stem}": p for p in (PKG / "emulator").glob("*.py")})
    return out


def test_modules_import_only_lower_layers() -> None:
    """Each module imports only modules of the layers below it (the emulator only the wire pieces)."""
    problems: dict[str, list[str]] = {}
    for module, path in _modules().items():
        own = module.split(".")[1]
        bad: set[str] = set()
        for target in _imported(path, module):
            unit = _unit(target)
            if unit is None or unit == own:
                continue  # inside the emulator package, or a name (its module is checked itself)
            if unit == PACKAGE:
                bad.add(PACKAGE)  # the lazy public surface would pull in everything
            elif own == "emulator":
                if unit not in EMULATOR_MAY_USE:
                    bad.add(unit)
            elif _layer_of(unit) >= _layer_of(own):
                bad.add(unit)
        if bad:
            problems[module] = sorted(bad)
    assert problems == {}


def test_every_module_is_placed() -> None:
    """A new module must be given a place in the layers above."""
    modules = {p.stem for p in PKG.glob("*.py")} - {"__init__"} | {"emulator"}
    assert modules == set().union(*LAYERS)


def test_models_and_errors_import_nothing_of_ours() -> None:
    """The bottom layer stands alone: it imports nothing of the package."""
    for name in LAYERS[0]:
        assert _imported(PKG / f"{name}.py", f"{PACKAGE}.{name}") == set(), name


def test_the_checker_sees_every_import_form(tmp_path: Path) -> None:
    """The import scanner catches absolute, relative, package-level and function-local imports."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import pulumi_dms_tasks._client\n"
        "from pulumi_dms_tasks import provider\n"
        "from pulumi_dms_tasks import DmsClient\n"
        "from . import _waiting\n"
        "from ._models import Task\n"
        "from .. import _auth\n"
        "def f():\n    from pulumi_dms_tasks._settings import resolve_settings\n"
    )
    found = {_unit(name) for name in _imported(sample, "pulumi_dms_tasks.emulator.sample")} - {None}
    assert found >= {"_client", "provider", "_auth", "_settings", "emulator", PACKAGE}
    found_top = {_unit(name) for name in _imported(sample, "pulumi_dms_tasks.sample")} - {None}
    assert found_top >= {"_waiting", "_models"}
