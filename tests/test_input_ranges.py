"""check rejects every input create would reject, naming the field and the valid range; no credential
in any message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from pulumi_dms_tasks._client import DmsClient
from pulumi_dms_tasks._errors import ConfigurationError, DmsError, InvalidInputError
from pulumi_dms_tasks._functions import get_background_task, list_background_tasks
from pulumi_dms_tasks._validation import parse_duration, parse_time, validate_endpoint
from pulumi_dms_tasks.emulator import Emulator
from pulumi_dms_tasks.provider import BackgroundTaskProvider, validate_inputs
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

INSTANCE = "inst-ranges-1"
PASSWORD = "PASSWORD-s3cr3t"

# (props added to a valid by-id or by-name resource, the field check and create must both name)
BAD_PROPS = [
    pytest.param(
        {"task_name": "bindInstancePublicIp", "since": "0001-01-01T00:00:00+01:00"},
        "since",
        id="since-year-1-plus-1h",
    ),
    pytest.param(
        {"task_name": "bindInstancePublicIp", "since": "9999-12-31T23:59:59-01:00"},
        "since",
        id="since-year-9999-minus-1h",
    ),
    pytest.param(
        {"task_name": "bindInstancePublicIp", "since": "1969-12-31T23:59:59Z"},
        "since",
        id="since-before-1970",
    ),
    pytest.param({"endpoint": "http://[::1"}, "endpoint", id="endpoint-broken-ipv6"),
    pytest.param({"endpoint": "http://127.0.0.1:0"}, "endpoint", id="endpoint-port-0"),
    pytest.param({"endpoint": "http://127.0.0.1:65536"}, "endpoint", id="endpoint-port-65536"),
    pytest.param({"endpoint": f"http://user:{PASSWORD}@127.0.0.1:1"}, "endpoint", id="endpoint-userinfo"),
    pytest.param({"poll_interval": 1e300}, "poll_interval", id="poll-1e300"),
    pytest.param({"poll_interval": 10**400}, "poll_interval", id="poll-10e400"),
    pytest.param({"timeout": "99999999999h"}, "timeout", id="timeout-huge-string"),
    pytest.param({"max_poll_interval": 2}, "max_poll_interval", id="max-below-default-poll"),
    pytest.param({"max_poll_interval": 1e300, "poll_interval": 1}, "max_poll_interval", id="max-1e300"),
]


@pytest.fixture()
def provider(emulator: Emulator, clean_env: pytest.MonkeyPatch) -> BackgroundTaskProvider:
    p = BackgroundTaskProvider()
    p.configure(
        ConfigureRequest(
            Config(
                {
                    "huaweicloud:accessKey": TEST_AK,
                    "huaweicloud:secretKey": TEST_SK,
                    "huaweicloud:projectId": TEST_PROJECT,
                    "huaweicloud:endpoints": json.dumps({"dms": emulator.url}),
                },
                "proj",
            )
        )
    )
    return p


def _props(extra: dict[str, Any], task_id: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        "instance_id": INSTANCE,
        "timeout": 5,
        "poll_interval": 0.2 if "max_poll_interval" not in extra else None,
    }
    if "task_name" not in extra:
        props["task_id"] = task_id
    props.update(extra)
    return {k: v for k, v in props.items() if v is not None}


@pytest.mark.parametrize(("extra", "field"), BAD_PROPS)
def test_check_rejects_what_create_rejects(
    provider: BackgroundTaskProvider, emulator: Emulator, extra: dict[str, Any], field: str
) -> None:
    """check names the field with the valid range; create refuses the same input before any request."""
    task_id = emulator.add_task(INSTANCE, name="bindInstancePublicIp")
    props = _props(extra, task_id)
    failures = provider.check({}, props).failures
    assert [f.property for f in failures] == [field], failures
    reason = failures[0].reason
    assert reason.startswith(f"invalid {field}: expected ") and PASSWORD not in reason
    before = emulator.request_counts()["total"]
    with pytest.raises(InvalidInputError) as info:
        provider.create(props)
    assert info.value.field == field and PASSWORD not in str(info.value)
    assert emulator.request_counts()["total"] == before


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0001-01-01T00:00:00+01:00", "1970-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59Z"),
        ("00010101000000", "1970-01-01T00:00:00Z"),
    ],
)
def test_times_outside_the_range_name_the_range(value: str, expected: str) -> None:
    """since/begin_time/end_time: the message gives the valid range."""
    with pytest.raises(InvalidInputError) as info:
        parse_time(value, "since")
    assert expected in str(info.value) and info.value.field == "since"


def test_times_at_the_ends_of_the_range_are_accepted() -> None:
    """The first and last instants of the range parse, as UTC."""
    assert parse_time("1970-01-01T00:00:00Z", "since").year == 1970
    assert parse_time("9999-12-31T23:59:59Z", "since").year == 9999
    assert parse_time("2024-01-01T08:00:00+08:00", "since").isoformat() == "2024-01-01T00:00:00+00:00"


@pytest.mark.parametrize("value", [1e300, 10**400, "1e300", "9" * 400, "99999999999h", 8 * 24 * 3600])
def test_durations_past_the_range_name_the_range(value: Any) -> None:
    """A duration longer than 7 days is refused with the range, never an OverflowError."""
    with pytest.raises(InvalidInputError) as info:
        parse_duration(value, "poll_interval")
    assert "up to 7 days" in str(info.value) and info.value.field == "poll_interval"
    assert parse_duration(7 * 24 * 3600, "timeout") == 604800


def test_client_and_functions_refuse_the_same_inputs(
    emulator: Emulator, clean_env: pytest.MonkeyPatch
) -> None:
    """DmsClient methods and the functions refuse them with InvalidInputError too, before any request."""
    clean_env.setenv("HW_ACCESS_KEY", TEST_AK)
    clean_env.setenv("HW_SECRET_KEY", TEST_SK)
    clean_env.setenv("HW_PROJECT_ID", TEST_PROJECT)
    clean_env.setenv("HW_DMS_ENDPOINT", emulator.url)
    with DmsClient() as client:
        calls = [
            (lambda: client.find_latest_task(INSTANCE, "x", since="9999-12-31T23:59:59-01:00"), "since"),
            (lambda: client.list_tasks(INSTANCE, begin_time="0001-01-01T00:00:00+01:00"), "begin_time"),
            (lambda: client.wait_for_task(INSTANCE, "t1", poll_interval=1e300), "poll_interval"),
            (lambda: client.wait_for_task(INSTANCE, "t1", timeout=10**400), "timeout"),
            (lambda: client.wait_for_task(INSTANCE, "t1", max_poll_interval=2), "max_poll_interval"),
            (
                lambda: get_background_task(INSTANCE, task_name="x", since="0001-01-01T00:00:00+01:00"),
                "since",
            ),
            (lambda: get_background_task(INSTANCE, "t1", wait=True, poll_interval=10**400), "poll_interval"),
            (lambda: list_background_tasks(INSTANCE, end_time="9999-12-31T23:59:59-01:00"), "end_time"),
        ]
        for call, field in calls:
            with pytest.raises(InvalidInputError) as info:
                call()
            assert info.value.field == field, str(info.value)
    assert emulator.request_counts()["total"] == 0


@pytest.mark.parametrize(
    "endpoint",
    [
        f"http://user:{PASSWORD}@127.0.0.1:8080",
        f"http://:{PASSWORD}@example.com",
        f"https://user:{PASSWORD}/x@example.com",  # a raw '/' in the password
        f"http://user:{PASSWORD}@[::1",
        f"http://user:{PASSWORD}@host:99999",
        f"ftp://user:{PASSWORD}@host",
    ],
)
def test_an_endpoint_password_is_never_echoed(endpoint: str, clean_env: pytest.MonkeyPatch) -> None:
    """validate_endpoint, DmsClient, HW_DMS_ENDPOINT and check refuse userinfo without showing it."""
    with pytest.raises(InvalidInputError) as info:
        validate_endpoint(endpoint)
    assert PASSWORD not in str(info.value) and "endpoint" in str(info.value)
    with pytest.raises(DmsError) as info2:
        DmsClient(endpoint=endpoint, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={})
    assert PASSWORD not in str(info2.value)
    with pytest.raises((InvalidInputError, ConfigurationError)) as info3:
        DmsClient(project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={"HW_DMS_ENDPOINT": endpoint})
    assert PASSWORD not in str(info3.value) and "HW_DMS_ENDPOINT" in str(info3.value)
    failures = validate_inputs({"instance_id": INSTANCE, "task_id": "t1", "endpoint": endpoint})
    assert [p for p, _ in failures] == ["endpoint"] and PASSWORD not in failures[0][1]
