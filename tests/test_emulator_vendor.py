"""The vendor SDK (huaweicloudsdkkafka) talks to the emulator unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkkafka.v2 import (
    DeleteBackgroundTaskRequest,
    KafkaClient,
    ListBackgroundTasksRequest,
    ShowBackgroundTaskProgressRequest,
    ShowBackgroundTaskRequest,
)

from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

INSTANCE = "11111111-2222-3333-4444-555555555555"
BASE = datetime(2024, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)


def make_client(emu: Emulator, sk: str = TEST_SK) -> KafkaClient:
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True  # plain http; keeps the SDK from looking for a CA bundle
    config.timeout = (5, 10)
    return (
        KafkaClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(TEST_AK, sk, TEST_PROJECT))
        .with_endpoints([emu.url])
        .build()
    )


@pytest.fixture()
def client(emulator: Emulator) -> Iterator[KafkaClient]:
    yield make_client(emulator)


def raw_show(emu: Emulator, task_id: str) -> dict:
    with requests.Session() as session:
        session.auth = AkSkAuth(TEST_AK, TEST_SK)
        url = f"{emu.url}/v2/{emu.project_id}/instances/{INSTANCE}/tasks/{task_id}"
        return session.get(url, headers={"Content-Type": "application/json"}).json()


def test_show_returns_the_seeded_task_field_for_field(emulator: Emulator, client: KafkaClient) -> None:
    """ShowBackgroundTask returns exactly what the wire carries, every field a string."""
    task_id = emulator.add_task(
        INSTANCE, name="modifyAutoTopic", params={"enable": True}, user_name="alice", created_at=BASE
    )
    response = client.show_background_task(ShowBackgroundTaskRequest(instance_id=INSTANCE, task_id=task_id))
    assert response.task_count == "1"
    (task,) = response.tasks
    assert task.to_dict() == raw_show(emulator, task_id)["tasks"][0]
    assert (task.id, task.name, task.user_name, task.params, task.status) == (
        task_id,
        "modifyAutoTopic",
        "alice",
        '{"enable":true}',
        "SUCCESS",
    )
    assert task.created_at == task.updated_at == "2024-03-04T05:06:07.890Z"


def test_list_pages_through_all_tasks(emulator: Emulator, client: KafkaClient) -> None:
    """ListBackgroundTasks pages with start/limit, newest first, task_count the total."""
    ids = [emulator.add_task(INSTANCE, created_at=BASE + timedelta(seconds=i)) for i in range(15)]
    first = client.list_background_tasks(ListBackgroundTasksRequest(instance_id=INSTANCE, start=1, limit=10))
    second = client.list_background_tasks(
        ListBackgroundTasksRequest(instance_id=INSTANCE, start=11, limit=10)
    )
    assert (first.task_count, second.task_count) == ("15", "15")
    assert [t.id for t in first.tasks + second.tasks] == list(reversed(ids))
    default = client.list_background_tasks(ListBackgroundTasksRequest(instance_id=INSTANCE))
    assert len(default.tasks) == 10


def test_list_filters_on_a_time_window(emulator: Emulator, client: KafkaClient) -> None:
    """begin_time/end_time sent by the SDK select tasks created in the window."""
    old = emulator.add_task(INSTANCE, created_at=BASE - timedelta(days=1))
    new = emulator.add_task(INSTANCE, created_at=BASE)
    request = ListBackgroundTasksRequest(
        instance_id=INSTANCE, begin_time="20240304000000", end_time="20240305000000"
    )
    response = client.list_background_tasks(request)
    assert (response.task_count, [t.id for t in response.tasks]) == ("1", [new])
    assert old != new


def test_progress_is_readable_by_the_sdk(emulator: Emulator, client: KafkaClient) -> None:
    """ShowBackgroundTaskProgress parses percentage, remaining time and steps."""
    task_id = emulator.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 600}]
    )
    response = client.show_background_task_progress(
        ShowBackgroundTaskProgressRequest(instance_id=INSTANCE, task_id=task_id)
    )
    assert 0 <= response.progress_percentage < 100 and 0 < response.remain_time <= 600
    assert [(s.name, s.statue) for s in response.step_list] == [
        ("EXECUTING", "IN_PROGRESS"),
        ("SUCCESS", "WAITING"),
    ]
    assert isinstance(response.step_list[0].start_time, int)


def test_delete_then_show_is_404(emulator: Emulator, client: KafkaClient) -> None:
    """DeleteBackgroundTask succeeds and the task is then unknown (404 DMS.00404023)."""
    task_id = emulator.add_task(INSTANCE)
    client.delete_background_task(DeleteBackgroundTaskRequest(instance_id=INSTANCE, task_id=task_id))
    with pytest.raises(ClientRequestException) as caught:
        client.show_background_task(ShowBackgroundTaskRequest(instance_id=INSTANCE, task_id=task_id))
    assert (caught.value.status_code, caught.value.error_code) == (404, "DMS.00404023")


def test_wrong_secret_key_is_401_apigw_0301(emulator: Emulator) -> None:
    """A client with the wrong secret key gets ClientRequestException 401 APIGW.0301 with a request id."""
    emulator.add_instance(INSTANCE)
    with pytest.raises(ClientRequestException) as caught:
        make_client(emulator, sk="not-the-secret").list_background_tasks(
            ListBackgroundTasksRequest(instance_id=INSTANCE)
        )
    assert (caught.value.status_code, caught.value.error_code) == (401, "APIGW.0301")
    assert len(caught.value.request_id) == 32


@pytest.mark.parametrize(
    ("instance", "task_id", "status", "code"),
    [
        ("no-such-instance", "0" * 32, 404, "DMS.00404022"),
        (INSTANCE, "0" * 32, 404, "DMS.00404023"),
        (INSTANCE, "NOT-A-TASK-ID", 400, "DMS.00400070"),
    ],
)
def test_unknown_ids_raise_client_errors(
    emulator: Emulator, client: KafkaClient, instance: str, task_id: str, status: int, code: str
) -> None:
    """Unknown instances and tasks are 404s, malformed task ids 400s, with DMS codes."""
    emulator.add_instance(INSTANCE)
    with pytest.raises(ClientRequestException) as caught:
        client.show_background_task(ShowBackgroundTaskRequest(instance_id=instance, task_id=task_id))
    assert (caught.value.status_code, caught.value.error_code) == (status, code)


def test_server_errors_raise_server_response_exception(emulator: Emulator, client: KafkaClient) -> None:
    """An injected 503 reaches the SDK as ServerResponseException with the DMS error code."""
    emulator.add_instance(INSTANCE)
    emulator.add_fault("status", status=503)
    with pytest.raises(ServerResponseException) as caught:
        client.list_background_tasks(ListBackgroundTasksRequest(instance_id=INSTANCE))
    assert (caught.value.status_code, caught.value.error_code) == (503, "DMS.00500000")
