"""A pytest plugin for your own tests: ``pytest_plugins = ["pulumi_dms_tasks.testing"]``.

It provides ``dms_emulator``: a fresh emulator on loopback for each test, with the process
environment (``HW_DMS_ENDPOINT``, ``HW_ACCESS_KEY``, ``HW_SECRET_KEY``, ``HW_PROJECT_ID``) pointing
at it, so ``DmsClient()``, the functions and ``BackgroundTask`` find it without configuration.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from .emulator import EmulatorHandle, run_emulator

__all__ = ["dms_emulator"]


@pytest.fixture()
def dms_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorHandle]:
    """A running emulator with fresh credentials, exported through the HW_* environment variables."""
    ak = "AKTEST" + secrets.token_hex(7).upper()
    sk = secrets.token_urlsafe(24)
    project_id = secrets.token_hex(16)
    with run_emulator(ak=ak, sk=sk, project_id=project_id) as emu:
        for var in ("HW_SECURITY_TOKEN", "HW_REGION_NAME", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HW_DMS_ENDPOINT", emu.url)
        monkeypatch.setenv("HW_ACCESS_KEY", ak)
        monkeypatch.setenv("HW_SECRET_KEY", sk)
        monkeypatch.setenv("HW_PROJECT_ID", project_id)
        yield emu
