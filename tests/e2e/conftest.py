"""End-to-end fixtures: the real Pulumi CLI, a file backend per test, the emulator on loopback."""

from __future__ import annotations

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

from tests.conftest import TEST_AK, TEST_PROJECT, TEST_SK  # noqa: E402


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


@pytest.fixture()
def make_stack(pulumi_cli: Path, emulator: Any, tmp_path: Path) -> Iterator[Callable[..., stackrun.StackRunner]]:
    """Build a stack for an inline program, configured for the emulator (AK/SK in stack config)."""

    def build(
        program: Callable[[], None],
        *,
        config: dict[str, Any] | None = None,
        credentials: str = "config",
        env: dict[str, str] | None = None,
        project: str = "e2e",
        endpoint: str | None = None,
    ) -> stackrun.StackRunner:
        extra_env = dict(env or {})
        base: dict[str, Any] = {"huaweicloud:projectId": TEST_PROJECT}
        if credentials == "config":
            base.update({"huaweicloud:accessKey": TEST_AK, "huaweicloud:secretKey": TEST_SK})
        else:
            extra_env.update({"HW_ACCESS_KEY": TEST_AK, "HW_SECRET_KEY": TEST_SK})
        runner = stackrun.StackRunner(
            project=project,
            stack=f"t{uuid.uuid4().hex[:8]}",
            state_dir=tmp_path / "pulumi",
            program=program,
            env=extra_env,
        )
        runner.set_config({**base, "test:outputDir": str(tmp_path / "out"), **(config or {})},
                          secret=("huaweicloud:secretKey",))
        runner.set_path_config("huaweicloud:endpoints.dms", endpoint or emulator.url)
        return runner

    yield build
