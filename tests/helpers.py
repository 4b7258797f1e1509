"""Test data shared by the test modules (fixtures stay in conftest.py)."""

from __future__ import annotations

# The credentials the session's emulator accepts; nothing real.
TEST_AK = "AKTESTEMULATOR000001"
TEST_SK = "sk-test-Emulator-Secret-0123456789abcdef"
TEST_PROJECT = "0123456789abcdef0123456789abcdef"
