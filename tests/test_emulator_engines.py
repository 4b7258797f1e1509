"""Emulator instances have an engine; changes start tasks "now"; an instance can be kept busy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from pulumi_dms_tasks import AkSkAuth
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

T0 = datetime(2024, 7, 8, 9, 10, 11, 250000, tzinfo=UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def clocked() -> Iterator[tuple[Emulator, ManualClock, requests.Session]]:
    clock = ManualClock()
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, clock=clock) as emu:
        with requests.Session() as session:
            session.auth = AkSkAuth(TEST_AK, TEST_SK, clock=clock)
            session.headers["Content-Type"] = "application/json"
            yield emu, clock, session


def admin(emu: Emulator, path: str, body: Any = None, method: str = "POST") -> requests.Response:
    return requests.request(method, f"{emu.url}/_emulator/{path}", json=body)


def tasks_url(emu: Emulator, instance: str, task: str | None = None) -> str:
    base = f"{emu.url}/v2/{emu.project_id}/instances/{instance}/tasks"
    return base if task is None else f"{base}/{task}"


def test_instances_get_an_engine_through_the_admin_api(emulator: Emulator) -> None:
    """POST instances takes {"instance_id", "engine"}; Kafka is the default; GET lists each engine."""
    assert admin(emulator, "instances", {"instance_id": "rabbit-1", "engine": "rabbitmq"}).json() == {
        "instance_id": "rabbit-1",
        "engine": "rabbitmq",
        "created": True,
    }
    assert admin(emulator, "instances", {"instance_id": "rocket-1", "engine": "rocketmq"}).status_code == 201
    assert admin(emulator, "instances", {"instance_id": "kafka-1"}).json()["engine"] == "kafka"
    emulator.add_task("auto-1")  # a task's instance, created on the fly, is a Kafka instance
    assert admin(emulator, "instances", method="GET").json()["engines"] == {
        "rabbit-1": "rabbitmq",
        "rocket-1": "rocketmq",
        "kafka-1": "kafka",
        "auto-1": "kafka",
    }
    again = admin(emulator, "instances", {"instance_id": "rabbit-1", "engine": "rabbitmq"})
    assert again.status_code == 200 and again.json()["created"] is False
    clash = admin(emulator, "instances", {"instance_id": "rabbit-1", "engine": "kafka"})
    assert (
        clash.status_code == 409
        and clash.json()["field"] == "engine"
        and "rabbitmq" in clash.json()["error_msg"]
    )
    assert emulator.engine("rocket-1") == "rocketmq" and emulator.engine("nothing") is None
    with pytest.raises(ValueError, match="engine"):
        emulator.add_instance("rabbit-1", engine="rocketmq")
    with pytest.raises(ValueError, match="engine"):
        emulator.add_instance("x-1", engine="activemq")


@pytest.mark.parametrize(("engine", "progress"), [("kafka", True), ("rocketmq", True), ("rabbitmq", False)])
def test_progress_exists_for_kafka_and_rocketmq_only(emulator: Emulator, engine: str, progress: bool) -> None:
    """RabbitMQ instances answer the progress path with the gateway's 404 APIGW.0101; the others serve it."""
    emulator.add_instance("inst-e", engine=engine)
    task_id = emulator.add_task("inst-e", timeline=[{"status": "EXECUTING", "after": 0}])
    with requests.Session() as api:
        api.auth = AkSkAuth(TEST_AK, TEST_SK)
        answer = api.get(tasks_url(emulator, "inst-e", task_id) + "/progress")
        assert api.get(tasks_url(emulator, "inst-e", task_id)).json()["tasks"][0]["status"] == "EXECUTING"
    if progress:
        assert answer.status_code == 200 and answer.json()["progress_percentage"] == 0
    else:
        assert answer.status_code == 404 and answer.json()["error_code"] == "APIGW.0101"
    assert emulator.request_counts()["by_operation"]["progress"] == 1


def test_a_change_starts_its_task_at_the_admin_call(
    clocked: tuple[Emulator, ManualClock, requests.Session],
) -> None:
    """POST changes answers 204 with no body, like the cloud; the task exists from that moment on."""
    emu, clock, api = clocked
    emu.add_instance("inst-c")
    assert api.get(tasks_url(emu, "inst-c")).json()["task_count"] == "0"
    clock.advance(30)
    answer = admin(
        emu, "instances/inst-c/changes", {"name": "bindInstancePublicIp", "params": {"public_ip_id": "eip-1"}}
    )
    assert (answer.status_code, answer.content) == (204, b"")
    (task,) = api.get(tasks_url(emu, "inst-c")).json()["tasks"]
    assert (task["name"], task["params"], task["status"]) == (
        "bindInstancePublicIp",
        '{"public_ip_id":"eip-1"}',
        "EXECUTING",
    )
    assert task["created_at"] == "2024-07-08T09:10:41.250Z"
    clock.advance(3)  # the default: done 3 s after the change
    assert api.get(tasks_url(emu, "inst-c", task["id"])).json()["tasks"][0]["status"] == "SUCCESS"
    custom = emu.start_change("inst-c", name="modifyAutoTopic", timeline=[{"status": "FAILED", "after": 1}])
    clock.advance(1)
    assert emu.task("inst-c", custom)["status"] == "FAILED"  # type: ignore[index]


def test_busy_keeps_an_instance_busy_with_several_tasks(
    clocked: tuple[Emulator, ManualClock, requests.Session],
) -> None:
    """POST busy starts several tasks at once, each EXECUTING until its own end and final status."""
    emu, clock, api = clocked
    created = admin(
        emu,
        "instances/inst-b/busy",
        {
            "tasks": [
                {"name": "kafkaConfigModify", "seconds": 2},
                {
                    "name": "resizeInstance",
                    "seconds": 5,
                    "final": "FAILED",
                    "params": {"new_storage_space": 600},
                },
            ]
        },
    )
    assert created.status_code == 201
    ids = created.json()["ids"]
    more = emu.keep_busy("inst-b", [{"name": "restartInstance", "seconds": 8}])

    def statuses() -> dict[str, str]:
        return {t["id"]: t["status"] for t in api.get(tasks_url(emu, "inst-b")).json()["tasks"]}

    assert statuses() == {ids[0]: "EXECUTING", ids[1]: "EXECUTING", more[0]: "EXECUTING"}
    clock.advance(2)
    assert statuses() == {ids[0]: "SUCCESS", ids[1]: "EXECUTING", more[0]: "EXECUTING"}
    clock.advance(3)
    assert statuses() == {ids[0]: "SUCCESS", ids[1]: "FAILED", more[0]: "EXECUTING"}
    clock.advance(3)
    assert set(statuses().values()) == {"SUCCESS", "FAILED"}
