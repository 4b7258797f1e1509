"""Shared fixtures: a real emulator on loopback, per test or per module."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pulumi_dms_tasks.emulator import EmulatorHandle, run_emulator

TEST_AK = "AKTESTEMULATOR000001"
TEST_SK = "sk-test-Emulator-Secret-0123456789abcdef"
TEST_PROJECT = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorHandle]:
    with run_emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT) as emu:
        yield emu


@pytest.fixture()
def emulator(emulator_session: EmulatorHandle) -> Iterator[EmulatorHandle]:
    """The session's emulator, reset before each test (tasks, faults, counters)."""
    emulator_session.reset()
    yield emulator_session
    emulator_session.reset()


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No HW_*/CLOUD_SDK_* variables leak in from the developer's shell."""
    for key in list(os.environ):
        if key.startswith(("HW_", "CLOUD_SDK_", "HUAWEICLOUD_SDK_")):
            monkeypatch.delenv(key, raising=False)
    return monkeypatch
