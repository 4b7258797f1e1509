"""The vendor SDKs of all three DMS engines talk to the emulator unchanged.

Kafka, RabbitMQ and RocketMQ share the background-task API (same paths, same models in
``huaweicloudsdkkafka``, ``huaweicloudsdkrabbitmq``, ``huaweicloudsdkrocketmq``); RabbitMQ has no
progress API. Each engine's own client runs against an emulator instance of that engine: show,
list with paging and a time window, delete, progress where it exists, 401 and 404 with the
shapes each SDK exposes.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig

from pulumi_dms_tasks import AkSkAuth, DmsClient
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

INSTANCE = "22222222-3333-4444-5555-666666666666"
BASE = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
SDKS = {
    "kafka": ("huaweicloudsdkkafka.v2", "KafkaClient"),
    "rabbitmq": ("huaweicloudsdkrabbitmq.v2", "RabbitMQClient"),
    "rocketmq": ("huaweicloudsdkrocketmq.v2", "RocketMQClient"),
}
ENGINES = list(SDKS)


def sdk(engine: str) -> Any:
    return importlib.import_module(SDKS[engine][0])


def make_client(emu: Emulator, engine: str, sk: str = TEST_SK) -> Any:
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True  # plain http; keeps the SDK from looking for a CA bundle
    config.timeout = (5, 10)
    client_class = getattr(sdk(engine), SDKS[engine][1])
    return (
        client_class.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(TEST_AK, sk, TEST_PROJECT))
        .with_endpoints([emu.url])
        .build()
    )


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, emulator: Emulator) -> str:
    """An emulator instance of each engine."""
    emulator.add_instance(INSTANCE, engine=request.param)
    return str(request.param)


def raw_get(emu: Emulator, path: str) -> requests.Response:
    with requests.Session() as session:
        session.auth = AkSkAuth(TEST_AK, TEST_SK)
        return session.get(
            f"{emu.url}/v2/{emu.project_id}/instances/{INSTANCE}{path}",
            headers={"Content-Type": "application/json"},
        )


def test_show_returns_the_seeded_task_field_for_field(emulator: Emulator, engine: str) -> None:
    """ShowBackgroundTask of each engine's SDK returns exactly what the wire carries."""
    task_id = emulator.add_task(
        INSTANCE,
        name="bindInstancePublicIp",
        params={"public_ip_id": "eip-1"},
        user_name="bob",
        created_at=BASE,
    )
    response = make_client(emulator, engine).show_background_task(
        sdk(engine).ShowBackgroundTaskRequest(instance_id=INSTANCE, task_id=task_id)
    )
    (task,) = response.tasks
    assert response.task_count == "1"
    assert task.to_dict() == raw_get(emulator, f"/tasks/{task_id}").json()["tasks"][0]
    assert (task.id, task.name, task.user_name, task.params, task.status, task.created_at) == (
        task_id,
        "bindInstancePublicIp",
        "bob",
        '{"public_ip_id":"eip-1"}',
        "SUCCESS",
        "2024-05-06T07:08:09.123Z",
    )
    with DmsClient(endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK) as ours:
        mine = ours.show_task(INSTANCE, task_id)
    assert (mine.id, mine.name, mine.params_json, str(mine.status), mine.created_at_text) == (
        task.id,
        task.name,
        task.params,
        task.status,
        task.created_at,
    )


def test_list_pages_with_start_and_limit(emulator: Emulator, engine: str) -> None:
    """ListBackgroundTasks pages with start/limit, newest first, task_count the total, in a time window."""
    ids = [emulator.add_task(INSTANCE, created_at=BASE + timedelta(seconds=i)) for i in range(12)]
    emulator.add_task(INSTANCE, created_at=BASE - timedelta(days=2))  # outside the window below
    client, module = make_client(emulator, engine), sdk(engine)
    window = {"begin_time": "20240506000000", "end_time": "20240507000000"}
    first = client.list_background_tasks(
        module.ListBackgroundTasksRequest(instance_id=INSTANCE, start=1, limit=5, **window)
    )
    rest = client.list_background_tasks(
        module.ListBackgroundTasksRequest(instance_id=INSTANCE, start=6, limit=10, **window)
    )
    assert (first.task_count, rest.task_count) == ("12", "12")
    assert [t.id for t in first.tasks + rest.tasks] == list(reversed(ids))
    everything = client.list_background_tasks(
        module.ListBackgroundTasksRequest(instance_id=INSTANCE, limit=100)
    )
    assert everything.task_count == "13"


def test_delete_then_show_is_404(emulator: Emulator, engine: str) -> None:
    """DeleteBackgroundTask succeeds, then the task is unknown: 404 DMS.00404023 with a request id."""
    task_id = emulator.add_task(INSTANCE)
    client, module = make_client(emulator, engine), sdk(engine)
    client.delete_background_task(module.DeleteBackgroundTaskRequest(instance_id=INSTANCE, task_id=task_id))
    with pytest.raises(ClientRequestException) as caught:
        client.show_background_task(module.ShowBackgroundTaskRequest(instance_id=INSTANCE, task_id=task_id))
    assert (caught.value.status_code, caught.value.error_code) == (404, "DMS.00404023")
    assert len(caught.value.request_id) == 32


def test_wrong_secret_key_is_401_apigw_0301(emulator: Emulator, engine: str) -> None:
    """A client of each engine with the wrong secret key gets 401 APIGW.0301 and the gateway's request id."""
    module = sdk(engine)
    with pytest.raises(ClientRequestException) as caught:
        make_client(emulator, engine, sk="not-the-secret").list_background_tasks(
            module.ListBackgroundTasksRequest(instance_id=INSTANCE)
        )
    assert (caught.value.status_code, caught.value.error_code) == (401, "APIGW.0301")
    assert "signature" in caught.value.error_msg and len(caught.value.request_id) == 32


def test_unknown_instance_is_404_dms_00404022(emulator: Emulator, engine: str) -> None:
    """An instance the emulator does not know answers 404 DMS.00404022 to each SDK."""
    module = sdk(engine)
    with pytest.raises(ClientRequestException) as caught:
        make_client(emulator, engine).list_background_tasks(
            module.ListBackgroundTasksRequest(instance_id="no-such-instance")
        )
    assert (caught.value.status_code, caught.value.error_code) == (404, "DMS.00404022")


@pytest.mark.parametrize("engine", ["kafka", "rocketmq"], indirect=True)
def test_progress_where_the_engine_has_it(emulator: Emulator, engine: str) -> None:
    """Kafka's and RocketMQ's SDKs read a running task's progress: percentage, time left, steps."""
    task_id = emulator.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 600}]
    )
    module = sdk(engine)
    response = make_client(emulator, engine).show_background_task_progress(
        module.ShowBackgroundTaskProgressRequest(instance_id=INSTANCE, task_id=task_id)
    )
    assert 0 <= response.progress_percentage < 100 and 0 < response.remain_time <= 600
    assert [(s.name, s.statue) for s in response.step_list] == [
        ("EXECUTING", "IN_PROGRESS"),
        ("SUCCESS", "WAITING"),
    ]


@pytest.mark.parametrize("engine", ["rabbitmq"], indirect=True)
def test_rabbitmq_has_no_progress_api(emulator: Emulator, engine: str) -> None:
    """A RabbitMQ instance answers the progress path as the gateway answers an unknown path.

    Its SDK has no such call; a signed request gets 404 APIGW.0101 with the request id in the body,
    exactly like a path the gateway does not know, and our client reads that as "no progress".
    """
    task_id = emulator.add_task(INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}])
    assert not hasattr(make_client(emulator, engine), "show_background_task_progress")
    answer = raw_get(emulator, f"/tasks/{task_id}/progress")
    unknown_path = raw_get(emulator, f"/tasks/{task_id}/no-such-api")
    assert answer.status_code == unknown_path.status_code == 404
    body, other = answer.json(), unknown_path.json()
    assert body["error_code"] == other["error_code"] == "APIGW.0101"
    assert body["error_msg"] == other["error_msg"]
    assert body["request_id"] == answer.headers["X-Request-Id"]
    with DmsClient(endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK) as ours:
        assert ours.task_progress(INSTANCE, task_id) is None
