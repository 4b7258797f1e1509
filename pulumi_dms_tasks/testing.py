"""A pytest plugin for your own tests: ``pytest_plugins = ["pulumi_dms_tasks.testing"]``.

It provides ``dms_emulator``: a fresh emulator on loopback for each test, with the process
environment (``HW_DMS_ENDPOINT``, ``HW_ACCESS_KEY``, ``HW_SECRET_KEY``, ``HW_PROJECT_ID``) pointing
at it, so ``DmsClient()``, the functions and ``BackgroundTask`` find it without configuration.
Install it with the ``testing`` extra (``pip install pulumi-dms-tasks[testing]``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from .emulator import Emulator

__all__ = ["dms_emulator"]

# Every family of variables the settings read: a stray one from the developer's shell (a CA bundle,
# a region, a token, the vendor SDK's keys) must not leak into a test.
_SETTINGS_PREFIXES = ("HW_", "HUAWEICLOUD_SDK_", "CLOUD_SDK_")


@pytest.fixture()
def dms_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A running emulator with fresh credentials, exported through the HW_* environment variables."""
    ak = "AKTEST" + secrets.token_hex(7).upper()
    sk = secrets.token_urlsafe(24)
    project_id = secrets.token_hex(16)
    with Emulator(ak=ak, sk=sk, project_id=project_id) as emu:
        for var in list(os.environ):
            if var.startswith(_SETTINGS_PREFIXES):
                monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HW_DMS_ENDPOINT", emu.url)
        monkeypatch.setenv("HW_ACCESS_KEY", ak)
        monkeypatch.setenv("HW_SECRET_KEY", sk)
        monkeypatch.setenv("HW_PROJECT_ID", project_id)
        yield emu
