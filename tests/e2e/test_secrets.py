"""Where credentials end up, stated precisely, for a directory program run with the `pulumi` CLI.

Plain `pulumi stack export` never shows the secret key or the security token. With
`--show-secrets` the engine decrypts the stack config it records as the default `pulumi-python`
provider's inputs (and, identically, its outputs), as it does for every Pulumi provider: with
credentials in stack config the key shows there, marked secret, and nowhere else: not in a
BackgroundTask's inputs or outputs, not in the pickled provider, not in CLI output or our logs,
not in any state file in plaintext. With credentials from the environment it shows nowhere at all.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import stackrun

from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

TOKEN = "temporary-token/+=Secret-0123456789"
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how Pulumi state marks a secret value
DEFAULT_PROVIDER = "pulumi:providers:pulumi-python"


def _places(exported: dict[str, Any], needle: str) -> set[tuple[str, str]]:
    """(resource type and name, section) of every state section whose JSON holds ``needle``."""
    found = set()
    for res in exported["deployment"].get("resources", []):
        for section, value in res.items():
            if needle in json.dumps(value):
                found.add((f"{res['type']}::{res['urn'].rsplit('::', 1)[1]}", section))
    return found


def _pickled_providers(exported: dict[str, Any]) -> list[bytes]:
    """The dill blobs of our BackgroundTask providers (``__provider``, a secret in state)."""
    blobs = []
    for res in exported["deployment"]["resources"]:
        if res["type"].endswith("dms:BackgroundTask"):
            value = res["inputs"]["__provider"]
            assert isinstance(value, dict) and value.get(SECRET_SIG), (
                "the pickled provider is stored as a secret"
            )
            blobs.append(base64.b64decode(json.loads(value["plaintext"])))
    assert blobs
    return blobs


def _run_everything(stack: stackrun.DirectoryStack, emu: Any) -> str:
    """up, preview, refresh and the outputs, with our debug logs on; returns everything printed."""
    printed = []
    for args in (
        ("up", "--yes"),
        ("preview",),
        ("refresh", "--yes"),
        ("stack", "output", "--json", "--show-secrets"),
    ):
        done = stack.run(*args)
        printed += [done.stdout, done.stderr]
    assert emu.request_counts()["rejected"] == 0  # the token really was sent, and checked
    assert stack.outputs()["status"] == "SUCCESS"
    return "\n".join(printed)


@pytest.fixture()
def token_emulator():
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, security_token=TOKEN) as emu:
        yield emu


def test_config_credentials_show_only_as_the_default_providers_config(
    make_project, token_emulator, tmp_path: Path
) -> None:
    """Secret key and token set with `pulumi config set --secret`: decrypted only in the default provider's record."""
    tid = token_emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    stack = make_project(
        "gated",
        endpoint=token_emulator.url,
        env={"PULUMI_DMS_TASKS_LOG": "DEBUG"},
        config={"test:instanceId": "inst-e2e", "test:taskId": tid, "huaweicloud:securityToken": TOKEN},
        secret=("huaweicloud:secretKey", "huaweicloud:securityToken"),
    )
    printed = _run_everything(stack, token_emulator)
    assert "pulumi_dms_tasks.client DEBUG GET" in printed  # our logs were on, and shown
    assert TEST_SK not in printed and TOKEN not in printed

    plain = stack.export()
    assert TEST_SK not in plain and TOKEN not in plain
    revealed = json.loads(stack.export(show_secrets=True))
    record = {(f"{DEFAULT_PROVIDER}::default", "inputs"), (f"{DEFAULT_PROVIDER}::default", "outputs")}
    assert _places(revealed, TEST_SK) == record
    assert _places(revealed, TOKEN) == record
    provider = next(r for r in revealed["deployment"]["resources"] if r["type"] == DEFAULT_PROVIDER)
    for section in ("inputs", "outputs"):
        for key in ("huaweicloud:secretKey", "huaweicloud:securityToken"):
            assert provider[section][key][SECRET_SIG], (
                f"{key} is recorded as a secret in the provider's {section}"
            )
    for blob in _pickled_providers(revealed):
        assert TEST_SK.encode() not in blob and TOKEN.encode() not in blob

    for path in (tmp_path / "pulumi").rglob("*"):  # the backend's state, history and backups
        if path.is_file():
            data = path.read_bytes()
            assert TEST_SK.encode() not in data and TOKEN.encode() not in data, path


def test_environment_credentials_show_nowhere(make_project, token_emulator, tmp_path: Path) -> None:
    """HW_ACCESS_KEY/HW_SECRET_KEY/HW_SECURITY_TOKEN: not in any export, even with --show-secrets."""
    tid = token_emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    stack = make_project(
        "gated",
        endpoint=token_emulator.url,
        credentials="env",
        env={"HW_SECURITY_TOKEN": TOKEN, "PULUMI_DMS_TASKS_LOG": "DEBUG"},
        config={"test:instanceId": "inst-e2e", "test:taskId": tid},
    )
    printed = _run_everything(stack, token_emulator)
    assert TEST_SK not in printed and TOKEN not in printed
    for show in (False, True):
        exported = stack.export(show_secrets=show)
        assert TEST_SK not in exported and TOKEN not in exported
    for blob in _pickled_providers(json.loads(stack.export(show_secrets=True))):
        assert TEST_SK.encode() not in blob and TOKEN.encode() not in blob
    for path in tmp_path.rglob("*"):  # state, and the project's stack config file
        if path.is_file() and "out" not in path.parts:
            data = path.read_bytes()
            assert TEST_SK.encode() not in data and TOKEN.encode() not in data, path


def test_a_rejected_secret_key_is_not_echoed(make_project, emulator) -> None:
    """A wrong secret key fails `pulumi up` with the 401 named, and the key is not in what is printed."""
    wrong = "wrong-Secret-Key-0123456789abcdef"
    tid = emulator.add_task("inst-e2e", timeline=[{"status": "SUCCESS", "after": 0}])
    stack = make_project(
        "gated", config={"test:instanceId": "inst-e2e", "test:taskId": tid, "huaweicloud:secretKey": wrong}
    )
    done = stack.up(check=False)
    printed = done.stdout + done.stderr
    assert done.returncode != 0 and "401" in printed and "APIGW.0301" in printed
    assert wrong not in printed
