"""Property tests: whatever body arrives, parsing either succeeds or raises InvalidResponseError."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from pulumi_dms_tasks._client import DmsClient, _api_error, _Reply, parse_body
from pulumi_dms_tasks._errors import ApiError, InvalidResponseError
from pulumi_dms_tasks._models import TaskList, TaskProgress

PROPS = settings(database=None, max_examples=300, deadline=None)
CONTEXT = {"instance_id": "inst-1", "task_id": "t-1"}
KEYS = [
    "task_count",
    "tasks",
    "id",
    "name",
    "status",
    "params",
    "params_json",
    "created_at",
    "updated_at",
    "created_at_text",
    "updated_at_text",
    "user_name",
    "user_id",
    "instance_id",
    "progress_percentage",
    "remain_time",
    "step_list",
    "statue",
    "start_time",
    "end_time",
    "error",
    "error_code",
    "error_msg",
    "errorCode",
    "errorMsg",
    "code",
    "message",
    "request_id",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            "SUCCESS",
            "FAILED",
            "2020-06-15T08:55:53.606Z",
            "20200615085553",
            "1592211353606",
            "{}",
            '{"a":1}',
            "[1,2]",
            "null",
            "9" * 30,
            "-1",
            "NaN",
            "2020-13-45T99:99:99Z",
        ]
    )
)
keys = st.sampled_from(KEYS) | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)
task_like = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8).map(lambda d: {"id": "t-1", **d})
step_like = st.dictionaries(
    st.sampled_from(["name", "statue", "status", "start_time", "end_time"]), json_values, max_size=5
)
envelopes = st.fixed_dictionaries(
    {"task_count": json_values, "tasks": st.lists(task_like | json_values, max_size=4)}
) | st.dictionaries(keys, json_values, max_size=6)
progress_like = st.fixed_dictionaries(
    {
        "progress_percentage": json_values,
        "remain_time": json_values,
        "step_list": st.lists(step_like | json_values, max_size=4),
    }
)
bodies = json_values | envelopes | progress_like


def _check_invalid(exc: InvalidResponseError, operation: str) -> None:
    text = str(exc)
    assert exc.operation == operation and text.startswith(f"{operation}: invalid response: HTTP 200 ")
    assert "request_id=rid-1" in text and len(text) < 2000


@PROPS
@given(body=bodies)
@example(body={"task_count": 1e999, "tasks": []})
@example(body={"tasks": [{"id": "x", "created_at": 1e300}]})
@example(body={"tasks": [{"id": "x", "created_at": 10**400}]})
@example(body={"tasks": [{"id": "x", "params": "[" * 100_000}]})
@example(body={"tasks": [{"id": ""}]})
@example(body={"task_count": "9" * 5000})
def test_parse_body_task_list_only_raises_invalid_response(body: Any) -> None:
    """TaskList parsing of any JSON value returns a TaskList or raises InvalidResponseError."""
    try:
        result = parse_body(
            TaskList, body, operation="list_tasks", status=200, request_id="rid-1", context=CONTEXT
        )
    except InvalidResponseError as exc:
        _check_invalid(exc, "list_tasks")
    else:
        assert isinstance(result, TaskList) and isinstance(result.task_count, int)
        assert all(isinstance(t.id, str) and t.id for t in result.tasks)


@PROPS
@given(body=bodies)
@example(body={"progress_percentage": "lots", "step_list": "nope"})
@example(body={"step_list": [{"start_time": 10**400}]})
def test_parse_body_progress_only_raises_invalid_response(body: Any) -> None:
    """TaskProgress parsing of any JSON value returns a TaskProgress or raises InvalidResponseError."""
    try:
        result = parse_body(
            TaskProgress, body, operation="task_progress", status=200, request_id="rid-1", context=CONTEXT
        )
    except InvalidResponseError as exc:
        _check_invalid(exc, "task_progress")
    else:
        assert isinstance(result, TaskProgress)
        result.current_step  # noqa: B018 - must not raise either


def _response(data: bytes, content_type: str | None, status: int = 200) -> _Reply:
    """A response as the client holds it once read from the wire (status, headers, body bytes)."""
    headers = {"X-Request-Id": "rid-1"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return _Reply(status, CaseInsensitiveDict(headers), data, False)


raw_bodies = (
    st.binary(max_size=400)
    | bodies.map(lambda v: json.dumps(v).encode("utf-8"))
    | bodies.map(lambda v: json.dumps(v).encode("utf-16"))
    | st.tuples(bodies, st.integers(min_value=0, max_value=200)).map(
        lambda p: json.dumps(p[0]).encode()[: p[1]]
    )
    | st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass"))
)
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json;charset=UTF-8",
        "text/plain; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; charset=bogus-charset",
    ]
)
CLIENT = DmsClient(endpoint="http://127.0.0.1:9", project_id="p", ak="AK", sk="SK", env={})


@PROPS
@given(data=raw_bodies, content_type=content_types)
@example(data=b"[" * 100_000, content_type="application/json")
@example(data=b'{"tasks":[' * 50_000, content_type=None)
@example(data=b'\xef\xbb\xbf{"tasks": []}', content_type="application/json")
@example(data=b"\xff\xfe\x00", content_type=None)
@example(data=b"", content_type="application/json")
@example(data=b"NaN", content_type="application/json")
def test_decoding_any_bytes_only_raises_invalid_response(data: bytes, content_type: str | None) -> None:
    """The client's JSON decoding plus model parsing of any bytes yields a model or InvalidResponseError."""
    for model, operation in ((TaskList, "list_tasks"), (TaskProgress, "task_progress")):
        try:
            result = CLIENT._parse(operation, _response(data, content_type), model, CONTEXT)
        except InvalidResponseError as exc:
            _check_invalid(exc, operation)
        else:
            assert isinstance(result, model)


@PROPS
@given(
    data=raw_bodies,
    content_type=content_types,
    status=st.sampled_from([400, 401, 403, 404, 429, 500, 502, 503]),
)
@example(data=b"[" * 100_000, content_type="application/json", status=500)
@example(data=b'{"error": {"error_code": {"x": 1}, "error_msg": [1]}}', content_type=None, status=400)
def test_error_bodies_always_become_an_api_error(data: bytes, content_type: str | None, status: int) -> None:
    """Any error body, however broken, maps to an ApiError carrying the status instead of raising."""
    error = _api_error("show_task", _response(data, content_type, status), CONTEXT)
    assert isinstance(error, ApiError) and error.status == status
    assert str(error).startswith(f"show_task failed: HTTP {status} ")
    assert error.error_code is None or isinstance(error.error_code, str)
