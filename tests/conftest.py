"""Shared fixtures: a real emulator on loopback, per test or per module."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import pluggy
import pytest

from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[Emulator]:
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT) as emu:
        yield emu


@pytest.fixture()
def emulator(emulator_session: Emulator) -> Iterator[Emulator]:
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


# -- fault-suite counter ---------------------------------------------------------------------------
# Tests marked ``fault_cases(n)`` inject faults into the emulator; tests marked ``bad_input_cases(n)``
# check inputs refused before any request. At the end of the run one summary line reports what
# actually ran: faults the emulator served (its ``faults_served`` counter, read before the emulator
# fixture resets; the marker's ``n`` when the test has no emulator) and bad-input cases that passed.

_FAULT_SUITE_KEY = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fault_cases(n): the test injects n faults into the emulator")
    config.addinivalue_line(
        "markers", "bad_input_cases(n): the test checks n inputs refused before any request"
    )
    config.stash[_FAULT_SUITE_KEY] = {"faults": 0, "bad_inputs": 0, "marked": 0}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.passed:
        return
    counts = item.config.stash.get(_FAULT_SUITE_KEY, None)
    if counts is None:
        return
    fault_mark = item.get_closest_marker("fault_cases")
    if fault_mark is not None:
        counts["marked"] += 1
        served = None
        emu = getattr(item, "funcargs", {}).get("emulator")
        if emu is not None:
            try:
                served = int(emu.request_counts()["faults_served"])
            except Exception:
                served = None
        counts["faults"] += (
            served if served is not None else int(fault_mark.args[0] if fault_mark.args else 1)
        )
    bad_mark = item.get_closest_marker("bad_input_cases")
    if bad_mark is not None:
        counts["marked"] += 1
        counts["bad_inputs"] += int(bad_mark.args[0] if bad_mark.args else 1)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    counts = config.stash.get(_FAULT_SUITE_KEY, None)
    if counts and counts["marked"] and not hasattr(config, "workerinput"):
        terminalreporter.write_line(
            f"fault suite: {counts['faults']} faults injected, {counts['bad_inputs']} bad inputs refused"
        )
