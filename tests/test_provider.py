"""The dynamic provider called directly (as the engine would), against the emulator."""

from __future__ import annotations

import pickle

import dill
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.runtime.rpc import UNKNOWN

import pulumi_dms_tasks.provider as provider_module
from pulumi_dms_tasks._errors import ConfigurationError, InvalidInputError, TaskFailedError, TaskTimeoutError
from pulumi_dms_tasks.provider import BackgroundTaskProvider, parse_resource_id
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK


def emulator_config(url: str) -> ConfigureRequest:
    """The stack config a user sets to point the provider at the emulator."""
    return ConfigureRequest(
        Config(
            {
                "huaweicloud:accessKey": TEST_AK,
                "huaweicloud:secretKey": TEST_SK,
                "huaweicloud:projectId": TEST_PROJECT,
                "huaweicloud:endpoints": f'{{"dms": "{url}"}}',
            },
            "proj",
        )
    )


@pytest.fixture()
def provider(emulator, clean_env) -> BackgroundTaskProvider:
    p = BackgroundTaskProvider()
    p.configure(emulator_config(emulator.url))
    return p


def props(**kw):
    base = {"instance_id": "inst-p", "poll_interval": 0.2, "max_poll_interval": 0.5, "timeout": 10}
    base.update(kw)
    return base


def test_pickled_provider_carries_no_settings(provider: BackgroundTaskProvider) -> None:
    """Even after configure(), pickling the provider yields the class reference only: no credentials."""
    blob = dill.dumps(provider, recurse=True)
    assert TEST_SK.encode() not in blob and TEST_AK.encode() not in blob
    assert len(blob) < 200
    assert isinstance(pickle.loads(blob), BackgroundTaskProvider)


def test_create_waits_and_returns_outputs(provider, emulator) -> None:
    """create waits for SUCCESS and returns the task's fields with id instance/task."""
    tid = emulator.add_task(
        "inst-p",
        name="bindInstancePublicIp",
        params={"a": 1},
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 1}],
    )
    result = provider.create(props(task_id=tid))
    assert result.id == f"inst-p/{tid}"
    outs = result.outs
    assert outs["status"] == "SUCCESS" and outs["succeeded"] is True
    assert outs["params"] == {"a": 1} and outs["params_json"] == '{"a":1}'
    assert outs["name"] == "bindInstancePublicIp" and outs["created_at"].endswith("Z")
    assert outs["task_id"] == tid and outs["instance_id"] == "inst-p"
    assert TEST_SK not in repr(outs)


def test_create_without_wait_reads_once(provider, emulator) -> None:
    """wait=False returns the current status after a single lookup."""
    tid = emulator.add_task("inst-p", timeline=[{"status": "EXECUTING", "after": 0}])
    before = emulator.request_counts()["total"]
    outs = provider.create(props(task_id=tid, wait=False)).outs
    assert outs["status"] == "EXECUTING" and outs["succeeded"] is False
    assert emulator.request_counts()["total"] == before + 1


def test_create_fails_on_failed_task(provider, emulator) -> None:
    """A FAILED task raises TaskFailedError naming task, instance, status and params."""
    tid = emulator.add_task(
        "inst-p", name="kafkaConfigModify", params={"x": "y"}, timeline=[{"status": "FAILED", "after": 0}]
    )
    with pytest.raises(TaskFailedError) as info:
        provider.create(props(task_id=tid))
    text = str(info.value)
    assert (
        tid in text
        and "inst-p" in text
        and "FAILED" in text
        and "kafkaConfigModify" in text
        and '"x":"y"' in text
    )


def test_create_times_out_with_last_status(provider, emulator) -> None:
    """A task still running at the timeout raises TaskTimeoutError with the last status."""
    tid = emulator.add_task("inst-p", timeline=[{"status": "EXECUTING", "after": 0}])
    with pytest.raises(TaskTimeoutError) as info:
        provider.create(props(task_id=tid, timeout=1.5))
    assert info.value.last_status == "EXECUTING"


def test_create_by_name_picks_newest(provider, emulator) -> None:
    """task_name finds the newest task of that name; a missing name is a clear error."""
    emulator.add_task("inst-p", name="modifyAutoTopic")
    newest = emulator.add_task("inst-p", name="modifyAutoTopic", params={"n": 2})
    outs = provider.create(props(task_name="modifyAutoTopic")).outs
    assert outs["task_id"] == newest and outs["params"] == {"n": 2}
    with pytest.raises(Exception) as info:
        provider.create(props(task_name="noSuchTask", wait=False))
    assert "noSuchTask" in str(info.value) and "inst-p" in str(info.value)


def test_create_unknown_task_not_found(provider, emulator) -> None:
    """An unknown task id ends in NotFoundError after the short 404 tolerance."""
    from pulumi_dms_tasks._errors import NotFoundError

    emulator.add_instance("inst-p")
    with pytest.raises(NotFoundError) as info:
        provider.create(props(task_id="0" * 32))
    assert "404" in str(info.value)


def test_read_refreshes_and_reports_gone(provider, emulator) -> None:
    """read returns the current status, and id None once the task record is gone."""
    tid = emulator.add_task("inst-p", timeline=[{"status": "EXECUTING", "after": 0}])
    first = provider.read(f"inst-p/{tid}", props(task_id=tid))
    assert first.outs["status"] == "EXECUTING"
    if provider_module._READ_RESULT_TAKES_INPUTS:  # SDKs before pulumi/pulumi#21315 record no inputs on read
        assert first.inputs["task_id"] == tid
    emulator.set_timeline("inst-p", tid, [{"status": "SUCCESS", "after": 0}])
    assert provider.read(f"inst-p/{tid}", props(task_id=tid)).outs["status"] == "SUCCESS"
    gone = provider.read(f"inst-p/{'f' * 32}", {})
    assert gone.id is None


def test_read_rejects_malformed_id(provider) -> None:
    """An id without the instance/task form is refused with the expected format."""
    with pytest.raises(InvalidInputError) as info:
        provider.read("just-a-task", {})
    assert "<instance_id>/<task_id>" in str(info.value)
    assert parse_resource_id("a/b") == ("a", "b")


def test_diff_replaces_identity_and_updates_wait_settings(provider) -> None:
    """Identity inputs replace; wait settings update in place; nothing changed means no diff."""
    old = props(task_id="a" * 32, wait=True)
    assert provider.diff("x", old, dict(old)).changes is False
    moved = provider.diff("x", old, {**old, "task_id": "b" * 32})
    assert moved.changes and moved.replaces == ["task_id"]
    relaxed = provider.diff("x", old, {**old, "timeout": 99})
    assert relaxed.changes and relaxed.replaces == []


def test_update_keeps_outputs_without_api_calls(provider, emulator) -> None:
    """update only records new inputs: no request, outputs kept."""
    before = emulator.request_counts()["total"]
    olds = {**props(task_id="a" * 32), "status": "SUCCESS", "name": "n"}
    outs = provider.update("x", olds, {**props(task_id="a" * 32), "timeout": 300}).outs
    assert outs["status"] == "SUCCESS" and outs["timeout"] == 300
    assert emulator.request_counts()["total"] == before


def test_delete_is_a_no_op(provider, emulator) -> None:
    """delete never calls the API."""
    before = emulator.request_counts()["total"]
    provider.delete("inst-p/" + "a" * 32, {})
    assert emulator.request_counts()["total"] == before


def test_check_reports_failures_and_tolerates_unknowns(provider) -> None:
    """check lists every bad input by property; unknown (preview) values pass."""
    result = provider.check({}, {"instance_id": "bad/id", "timeout": "soon", "wait": "maybe"})
    bad = {f.property for f in result.failures}
    assert {"instance_id", "timeout", "wait", "task_id"} <= bad
    ok = provider.check({}, {"instance_id": UNKNOWN, "task_id": UNKNOWN, "timeout": "5m"})
    assert ok.failures == []
    from pulumi.output import UNKNOWN as UNKNOWN_VALUE

    also_ok = provider.check(
        {},
        {
            "instance_id": "inst",
            "task_id": UNKNOWN_VALUE,
            "poll_interval": UNKNOWN_VALUE,
            "max_poll_interval": "10s",
        },
    )
    assert also_ok.failures == []


def test_missing_credentials_is_a_configuration_error(emulator, clean_env) -> None:
    """Without AK/SK in config or environment, create explains which settings to provide."""
    p = BackgroundTaskProvider()
    p.configure(
        ConfigureRequest(
            Config(
                {
                    "huaweicloud:projectId": TEST_PROJECT,
                    "huaweicloud:endpoints": f'{{"dms": "{emulator.url}"}}',
                },
                "proj",
            )
        )
    )
    with pytest.raises(ConfigurationError) as info:
        p.create(props(task_id="a" * 32))
    assert "huaweicloud:accessKey" in str(info.value) and "HW_ACCESS_KEY" in str(info.value)


def test_environment_credentials_are_used(emulator, clean_env) -> None:
    """HW_ACCESS_KEY / HW_SECRET_KEY in the provider's environment are enough."""
    clean_env.setenv("HW_ACCESS_KEY", TEST_AK)
    clean_env.setenv("HW_SECRET_KEY", TEST_SK)
    clean_env.setenv("HW_PROJECT_ID", TEST_PROJECT)
    clean_env.setenv("HW_DMS_ENDPOINT", emulator.url)
    tid = emulator.add_task("inst-p")
    p = BackgroundTaskProvider()
    p.configure(ConfigureRequest(Config({}, "proj")))
    outs = p.create(props(task_id=tid)).outs
    assert outs is not None and outs["status"] == "SUCCESS"


def test_debug_logging_to_stderr_hides_secrets(emulator, clean_env, capfd) -> None:
    """PULUMI_DMS_TASKS_LOG=DEBUG logs requests to stderr; no credential appears in them."""
    import logging

    clean_env.setenv("PULUMI_DMS_TASKS_LOG", "DEBUG")
    tid = emulator.add_task("inst-p")
    p = BackgroundTaskProvider()
    p.configure(emulator_config(emulator.url))
    try:
        p.create(props(task_id=tid))
        err = capfd.readouterr().err
        assert f"/tasks/{tid}" in err and "200" in err
        assert TEST_SK not in err
    finally:
        logger = logging.getLogger("pulumi_dms_tasks")
        for h in list(logger.handlers):
            logger.removeHandler(h)
        logger.setLevel(logging.NOTSET)


def test_by_name_resource_is_stable_across_runs(provider, emulator) -> None:
    """A task_name resource does not diff against its own found task id, and update keeps that id."""
    emulator.add_task("inst-p", name="changeRetentionPolicy")
    news = props(task_name="changeRetentionPolicy", wait=False)
    outs = provider.create(dict(news)).outs
    assert provider.diff("x", outs, dict(news)).changes is False
    relaxed = provider.diff("x", outs, {**news, "timeout": 60})
    assert relaxed.changes and relaxed.replaces == []
    updated = provider.update("x", outs, {**news, "timeout": 60}).outs
    assert updated["task_id"] == outs["task_id"] and updated["timeout"] == 60
    renamed = provider.diff("x", outs, {**news, "task_name": "modifyAutoTopic"})
    assert renamed.replaces == ["task_name"]


# The provider blob that version 0.1.0 (before internals became private modules) wrote into every
# state, made with the SDK's own serialize_provider(); refresh of an existing stack unpickles it.
STATE_BLOB_0_1_0 = (
    "gASVPgAAAAAAAACMGXB1bHVtaV9kbXNfdGFza3MucHJvdmlkZXKUjBZCYWNrZ3JvdW5kVGFza1Byb3ZpZGVylJOUKYGUfZRiLg=="
)


def test_a_provider_pickled_by_an_earlier_version_still_refreshes(emulator, clean_env) -> None:
    """State written before the clean-up unpickles to today's provider, which reads the task."""
    import base64

    restored = dill.loads(base64.b64decode(STATE_BLOB_0_1_0))
    assert type(restored) is BackgroundTaskProvider
    restored.configure(emulator_config(emulator.url))
    tid = emulator.add_task("inst-p")
    outs = restored.read(f"inst-p/{tid}", props(task_id=tid)).outs
    assert outs is not None and outs["status"] == "SUCCESS"
