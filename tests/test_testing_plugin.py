"""The opt-in pytest plugin that users load with ``pytest_plugins = ["pulumi_dms_tasks.testing"]``."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pulumi_dms_tasks import DmsClient, get_background_task
from pulumi_dms_tasks.emulator import Emulator

pytest_plugins = ["pulumi_dms_tasks.testing"]


def test_fixture_points_the_environment_at_a_fresh_emulator(dms_emulator: Emulator) -> None:
    """With the fixture, a DmsClient() and the functions need no configuration at all."""
    tid = dms_emulator.add_task("inst-plugin", name="modifyAutoTopic", params={"auto": True})
    assert os.environ["HW_DMS_ENDPOINT"] == dms_emulator.url
    with DmsClient() as client:
        assert client.show_task("inst-plugin", tid).params == {"auto": True}
    assert get_background_task("inst-plugin", tid).name == "modifyAutoTopic"
    assert dms_emulator.request_counts()["by_operation"]["show"] == 2


def test_readme_plugin_example(dms_emulator: Emulator) -> None:
    """The README's plugin example passes as written."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "pulumi_dms_tasks.testing" in b)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    namespace["test_waits_for_my_task"](dms_emulator)  # type: ignore[operator]
    assert dms_emulator.request_counts()["faults_served"] == 1
