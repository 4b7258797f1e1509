"""The BackgroundTask resource and the package surface, with Pulumi's mocks (no engine)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC

import pulumi
import pytest

import pulumi_dms_tasks


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.created: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.created.append(args)
        outs = dict(args.inputs)
        outs.update({"status": "SUCCESS", "name": "bindInstancePublicIp", "succeeded": True})
        rid = args.resource_id or f"{args.inputs.get('instance_id')}/{args.inputs.get('task_id')}"
        return rid, outs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@pytest.fixture()
def mocks():
    m = Mocks()
    pulumi.runtime.set_mocks(m, preview=False)
    yield m


@pulumi.runtime.test
def test_resource_type_token_inputs_and_outputs(mocks: Mocks):
    """The resource registers as pulumi-python:dynamic/dms:BackgroundTask with its inputs and Output attributes."""
    from pulumi_dms_tasks import BackgroundTask

    task = BackgroundTask("t", instance_id="inst", task_id="abc", timeout="5m")

    def check(values):
        status, instance, rid = values
        assert status == "SUCCESS" and instance == "inst" and rid == "inst/abc"
        reg = next(a for a in mocks.created if a.name == "t")
        assert reg.typ == "pulumi-python:dynamic/dms:BackgroundTask"
        assert reg.inputs["timeout"] == "5m" and reg.inputs["task_id"] == "abc"
        assert "__provider" in reg.inputs

    return pulumi.Output.all(task.status, task.instance_id, task.id).apply(check)


@pulumi.runtime.test
def test_args_class_form_is_equivalent(mocks: Mocks):
    """BackgroundTaskArgs gives the same registration as keyword inputs."""
    from pulumi_dms_tasks import BackgroundTask, BackgroundTaskArgs

    task = BackgroundTask(
        "t2", BackgroundTaskArgs(instance_id="inst", task_name="modifyAutoTopic", wait=False)
    )

    def check(_):
        reg = next(a for a in mocks.created if a.name == "t2")
        assert reg.inputs["task_name"] == "modifyAutoTopic" and reg.inputs["wait"] is False

    return task.status.apply(check)


@pulumi.runtime.test
def test_get_is_a_read_of_an_existing_task(mocks: Mocks):
    """BackgroundTask.get registers a read (data source) with the id instance/task."""
    from pulumi_dms_tasks import BackgroundTask

    task = BackgroundTask.get("existing", "inst/abc")

    def check(rid):
        reg = next(a for a in mocks.created if a.name == "existing")
        assert reg.resource_id == "inst/abc" and rid == "inst/abc"

    return task.id.apply(check)


@pulumi.runtime.test
def test_params_match_and_triggers_are_registered_as_inputs(mocks: Mocks):
    """params_match (nested) and triggers reach the provider as inputs, a datetime since as ISO text."""
    from datetime import datetime

    from pulumi_dms_tasks import BackgroundTask

    started = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    task = BackgroundTask(
        "by-name",
        instance_id="inst",
        task_name="bindInstancePublicIp",
        since=started,
        params_match={"public_ip_id": "eip-1", "opts": {"enable": True}},
        triggers=["eip-1", 2],
    )

    def check(_):
        reg = next(a for a in mocks.created if a.name == "by-name")
        assert reg.inputs["params_match"] == {"public_ip_id": "eip-1", "opts": {"enable": True}}
        assert reg.inputs["triggers"] == ["eip-1", 2] and reg.inputs["since"] == "2024-05-06T07:08:09+00:00"

    return task.status.apply(check)


@pulumi.runtime.test
def test_instance_idle_type_token_and_inputs(mocks: Mocks):
    """InstanceIdle registers as pulumi-python:dynamic/dms:InstanceIdle; the Args form is equivalent."""
    from pulumi_dms_tasks import InstanceIdle, InstanceIdleArgs

    gate = InstanceIdle("gate", instance_id="inst", timeout="10m", poll_interval="10s", triggers={"rev": 1})
    other = InstanceIdle("gate2", InstanceIdleArgs(instance_id="inst", timeout=60))

    def check(_):
        reg = next(a for a in mocks.created if a.name == "gate")
        assert reg.typ == "pulumi-python:dynamic/dms:InstanceIdle"
        assert reg.inputs["timeout"] == "10m" and reg.inputs["triggers"] == {"rev": 1}
        assert (
            "__provider" in reg.inputs and "waited_for" not in reg.inputs
        )  # an output, unknown until created
        assert next(a for a in mocks.created if a.name == "gate2").inputs["timeout"] == 60

    return pulumi.Output.all(gate.instance_id, other.instance_id).apply(check)


def test_constructor_rejects_wrong_arguments() -> None:
    """Unknown inputs, missing instance_id and mixed forms are TypeErrors naming the problem."""
    from pulumi_dms_tasks import BackgroundTask, BackgroundTaskArgs

    # Each call is wrong on purpose: the type checker refuses it too, the runtime must say why.
    with pytest.raises(TypeError, match="taskid"):
        BackgroundTask("x", instance_id="i", taskid="t")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="instance_id"):
        BackgroundTask("x", task_id="t")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="not both"):
        BackgroundTask("x", BackgroundTaskArgs(instance_id="i", task_id="t"), task_name="n")  # type: ignore[call-overload]
    from pulumi_dms_tasks import InstanceIdle

    with pytest.raises(TypeError, match="InstanceIdle got unexpected input"):
        InstanceIdle("x", instance_id="i", task_name="n")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="InstanceIdle needs instance_id"):
        InstanceIdle("x")  # type: ignore[call-overload]


def test_import_has_no_side_effects_and_is_lazy() -> None:
    """Importing the package (and the client) does not import Pulumi, start threads or read config."""
    code = (
        "import sys, threading, pulumi_dms_tasks; from pulumi_dms_tasks import DmsClient; "
        "print('pulumi' in sys.modules, threading.active_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "1"]


def test_public_names_resolve() -> None:
    """Every name in __all__ resolves, and the package ships py.typed and pulumi-plugin.json."""
    from importlib import resources

    for name in pulumi_dms_tasks.__all__:
        assert getattr(pulumi_dms_tasks, name) is not None
    files = resources.files("pulumi_dms_tasks")
    assert (files / "py.typed").is_file()
    assert (files / "pulumi-plugin.json").read_text().strip() == '{"resource": false}'
