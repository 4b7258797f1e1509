"""Our models against the vendor SDKs' response models, fed the same JSON bodies.

The vendor side goes through each engine's client ``sync_response_handler`` (which calls its
``deserialize``), i.e. exactly what a user of ``huaweicloudsdkkafka``, ``huaweicloudsdkrabbitmq``
or ``huaweicloudsdkrocketmq`` gets back from ``show_background_task`` / ``list_background_tasks``
(and ``show_background_task_progress`` where the SDK has it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from huaweicloudsdkkafka.v2 import KafkaClient
from huaweicloudsdkrabbitmq.v2 import RabbitMQClient
from huaweicloudsdkrocketmq.v2 import RocketMQClient

from pulumi_dms_tasks._models import Task, TaskList, TaskProgress

# One client class per DMS engine; the same task models in each SDK.
SDK_CLIENTS: dict[str, Any] = {"kafka": KafkaClient, "rabbitmq": RabbitMQClient, "rocketmq": RocketMQClient}

RESPONSE_TYPES = ["ShowBackgroundTaskResponse", "ListBackgroundTasksResponse"]

EXAMPLE_TASK = {
    "id": "8abfa7b272adc5b40172b73130065ae7",
    "name": "bindInstancePublicIp",
    "user_name": "paas_dms",
    "user_id": "0ba73df6f6a74b2d9b2fa3c3a1bb1d1c",
    "params": '{"public_bandwidth":5,"enable_public_ip":true,"public_ip_id":"6b2a6a1e-8a3e-4d4e-9b1a-0b9e0f2c5e11"}',
    "status": "SUCCESS",
    "created_at": "2020-06-15T08:55:53.606Z",
    "updated_at": "2020-06-15T08:56:21.010Z",
}


def _task(**fields: Any) -> dict[str, Any]:
    return {**EXAMPLE_TASK, **fields}


BODIES: dict[str, dict[str, Any]] = {
    "documented-example": {"task_count": "1", "tasks": [EXAMPLE_TASK]},
    "several-tasks-page-of-larger-total": {
        "task_count": "25",
        "tasks": [
            _task(
                id="a" * 32,
                name="modifyAutoTopic",
                status="EXECUTING",
                params='{"enable_auto_topic":true}',
                updated_at="2024-01-02T03:04:05.000Z",
                created_at="2024-01-02T03:00:00.001Z",
            ),
            _task(
                id="b" * 32,
                name="changeRetentionPolicy",
                status="FAILED",
                params='{"retention_policy":"time_base"}',
            ),
            _task(id="c" * 32, name="kafkaResetConsumerOffset", status="CANCELLED", params="{}"),
            _task(id="d" * 32, name="unbindInstancePublicIp", status="DELETED"),
            _task(id="e" * 32, name="kafkaConfigModify", status="CREATED"),
        ],
    },
    "unknown-status": {"task_count": "1", "tasks": [_task(status="ROLLING_BACK")]},
    "empty-params": {"task_count": "1", "tasks": [_task(params="")]},
    "params-json-list": {"task_count": "1", "tasks": [_task(params='[{"broker":1},{"broker":2}]')]},
    "params-not-json": {"task_count": "1", "tasks": [_task(params="enable_public_ip=true; bandwidth=5")]},
    "params-json-scalar": {"task_count": "1", "tasks": [_task(params='"just a string"')]},
    "params-nested-floats-escapes": {
        "task_count": "1",
        "tasks": [_task(params='{"a":{"b":[1.5,2e3,null]},"\\u00fc":"\\u4efb\\u52a1","c":false}')],
    },
    "extra-unknown-fields": {
        "task_count": "1",
        "request_id": "req-1",
        "next": None,
        "tasks": [_task(instance_name="kafka-1", progress=50, tags=[{"k": "v"}])],
    },
    "missing-optional-fields": {"task_count": "1", "tasks": [{"id": "8abfa7b272adc5b40172b73130065ae7"}]},
    "unicode": {
        "task_count": "1",
        "tasks": [_task(name="绑定公网IP", user_name="张三-ü", params='{"描述":"über 任务 🚀"}')],
    },
    "timestamps-offset-and-no-fraction": {
        "task_count": "1",
        "tasks": [_task(created_at="2020-06-15T16:55:53+08:00", updated_at="2020-06-15T08:56:21Z")],
    },
    "empty-page": {"task_count": "0", "tasks": []},
    "null-fields": {"task_count": "1", "tasks": [_task(params=None, user_name=None, updated_at=None)]},
}


def vendor_parse(body: dict[str, Any], response_type: str, engine: str = "kafka") -> Any:
    """What the engine's vendor SDK returns to its user for this JSON body."""
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(body).encode("utf-8")
    response.headers["Content-Type"] = "application/json;charset=UTF-8"
    response.encoding = "utf-8"
    return SDK_CLIENTS[engine]().sync_response_handler(response, response_type, None, None)


def our_parse(body: dict[str, Any]) -> TaskList:
    """What our models give for the same bytes."""
    return TaskList.model_validate(json.loads(json.dumps(body)))


def instant(text: str) -> datetime:
    """An independent reading of an API timestamp (strptime, not our parser)."""
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise AssertionError(f"test body has an unexpected timestamp {text!r}")


def assert_same_task(vendor: Any, ours: Task) -> None:
    assert ours.id == vendor.id
    # Our defaults for an absent name/status are "" where the vendor has None.
    assert ours.name == (vendor.name if vendor.name is not None else "")
    assert ours.status == (vendor.status if vendor.status is not None else "")
    assert ours.user_name == vendor.user_name
    assert ours.user_id == vendor.user_id
    assert ours.params_json == vendor.params
    if vendor.params:
        try:
            decoded = json.loads(vendor.params)
        except ValueError:
            decoded = None
        # Our parsed params are the JSON object, None for anything that is not a JSON object.
        assert ours.params == (decoded if isinstance(decoded, dict) else None)
    else:
        assert ours.params is None
    for key in ("created_at", "updated_at"):
        text = getattr(vendor, key)
        assert getattr(ours, f"{key}_text") == text
        parsed = getattr(ours, key)
        if text is None:
            assert parsed is None
        else:
            assert parsed is not None and parsed.tzinfo is not None
            assert parsed == instant(text)


@pytest.mark.parametrize("engine", list(SDK_CLIENTS))
@pytest.mark.parametrize("response_type", RESPONSE_TYPES)
@pytest.mark.parametrize("name", list(BODIES), ids=list(BODIES))
def test_same_fields_as_vendor(name: str, response_type: str, engine: str) -> None:
    """Our TaskList and each engine's vendor response model agree on every field of the same body."""
    body = BODIES[name]
    vendor = vendor_parse(body, response_type, engine)
    ours = our_parse(body)
    assert type(vendor).__name__ == response_type
    assert isinstance(vendor.task_count, str)
    assert ours.task_count == int(vendor.task_count)
    assert len(ours.tasks) == len(vendor.tasks or [])
    for vendor_task, our_task in zip(vendor.tasks or [], ours.tasks, strict=True):
        assert_same_task(vendor_task, our_task)


def test_there_are_at_least_eight_bodies() -> None:
    """The comparison runs on at least eight distinct bodies."""
    assert len({json.dumps(b, sort_keys=True) for b in BODIES.values()}) >= 8


def test_documented_example_values() -> None:
    """The documented example reads as the documented task on both sides."""
    vendor = vendor_parse(BODIES["documented-example"], "ShowBackgroundTaskResponse")
    ours = our_parse(BODIES["documented-example"])
    assert vendor.tasks[0].name == ours.tasks[0].name == "bindInstancePublicIp"
    assert vendor.tasks[0].status == ours.tasks[0].status == "SUCCESS"
    assert ours.tasks[0].succeeded
    assert ours.tasks[0].created_at == datetime(2020, 6, 15, 8, 55, 53, 606000, tzinfo=UTC)
    assert ours.tasks[0].params == {
        "public_bandwidth": 5,
        "enable_public_ip": True,
        "public_ip_id": "6b2a6a1e-8a3e-4d4e-9b1a-0b9e0f2c5e11",
    }


def test_extra_fields_ignored_by_vendor_kept_by_us() -> None:
    """Unknown fields do not break either side; the vendor drops them, we keep them as extras."""
    body = BODIES["extra-unknown-fields"]
    vendor = vendor_parse(body, "ListBackgroundTasksResponse")
    ours = our_parse(body)
    assert not hasattr(vendor.tasks[0], "instance_name")
    assert ours.tasks[0].model_extra == {"instance_name": "kafka-1", "progress": 50, "tags": [{"k": "v"}]}
    assert ours.model_extra is not None and ours.model_extra["request_id"] == "req-1"


def test_missing_task_count_vendor_none_ours_zero() -> None:
    """A body without task_count: the vendor leaves None, we read 0."""
    body = {"tasks": [EXAMPLE_TASK]}
    vendor = vendor_parse(body, "ListBackgroundTasksResponse")
    assert vendor.task_count is None
    assert our_parse(body).task_count == 0
    assert our_parse(body).tasks[0].id == vendor.tasks[0].id


def test_numeric_task_count_vendor_text_ours_int() -> None:
    """A task_count sent as a JSON number is '3' for the vendor and 3 for us."""
    body = {"task_count": 3, "tasks": []}
    assert vendor_parse(body, "ListBackgroundTasksResponse").task_count == "3"
    assert our_parse(body).task_count == 3


def test_params_sent_as_json_object_differs_from_vendor_text() -> None:
    """params sent as an object: the vendor gives Python's str() of a dict, we keep real JSON."""
    params = {"enable_public_ip": True, "public_bandwidth": 5}
    body = {"task_count": "1", "tasks": [_task(params=params)]}
    vendor = vendor_parse(body, "ListBackgroundTasksResponse")
    ours = our_parse(body)
    assert vendor.tasks[0].params == str(params)  # "{'enable_public_ip': True, ...}", not JSON
    assert ours.tasks[0].params == params
    assert ours.tasks[0].params_json is not None
    assert json.loads(ours.tasks[0].params_json) == params


def test_empty_timestamp_vendor_empty_text_ours_none() -> None:
    """An empty created_at is '' for the vendor and None (no text, no datetime) for us."""
    body = {"task_count": "1", "tasks": [_task(created_at="")]}
    vendor = vendor_parse(body, "ListBackgroundTasksResponse")
    ours = our_parse(body)
    assert vendor.tasks[0].created_at == ""
    assert ours.tasks[0].created_at is None and ours.tasks[0].created_at_text is None
    assert ours.tasks[0].duration_seconds is None


PROGRESS_BODIES: dict[str, dict[str, Any]] = {
    "running": {
        "progress_percentage": 40,
        "remain_time": 12,
        "step_list": [
            {
                "name": "bind EIP",
                "statue": "COMPLETED",
                "start_time": 1718441753606,
                "end_time": 1718441760000,
            },
            {
                "name": "restart broker",
                "statue": "IN_PROGRESS",
                "start_time": 1718441760000,
                "end_time": None,
            },
            {"name": "check", "statue": "WAITING", "start_time": None, "end_time": None},
        ],
    },
    "done-no-steps": {"progress_percentage": 100, "remain_time": 0, "step_list": []},
    "sparse": {"progress_percentage": None, "step_list": None, "extra": "kept"},
}


@pytest.mark.parametrize("engine", ["kafka", "rocketmq"])
@pytest.mark.parametrize("name", list(PROGRESS_BODIES))
def test_progress_same_fields_as_vendor(name: str, engine: str) -> None:
    """Kafka's and RocketMQ's progress models and our TaskProgress agree (RabbitMQ has no progress API)."""
    body = PROGRESS_BODIES[name]
    vendor = vendor_parse(body, "ShowBackgroundTaskProgressResponse", engine)
    ours = TaskProgress.model_validate(json.loads(json.dumps(body)))
    assert ours.progress_percentage == vendor.progress_percentage
    assert ours.remain_time == vendor.remain_time
    steps = vendor.step_list or []
    assert [(s.name, s.status, s.start_time, s.end_time) for s in ours.step_list] == [
        (v.name, v.statue, v.start_time, v.end_time) for v in steps
    ]


def test_rabbitmq_sdk_has_no_progress_call() -> None:
    """The RabbitMQ SDK has no progress call or model: the API does not exist for that engine."""
    import huaweicloudsdkrabbitmq.v2 as rabbitmq

    assert not hasattr(RabbitMQClient, "show_background_task_progress")
    assert not hasattr(rabbitmq, "ShowBackgroundTaskProgressResponse")
