"""Bad inputs across every public entry point are refused before any request, naming field and expectation."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pulumi_dms_tasks._client import DmsClient
from pulumi_dms_tasks._errors import ConfigurationError, DmsError, InvalidInputError
from pulumi_dms_tasks._functions import get_background_task, list_background_tasks
from pulumi_dms_tasks.emulator import Emulator
from pulumi_dms_tasks.provider import BackgroundTaskProvider, validate_inputs
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

REPO = Path(__file__).resolve().parents[1]
INSTANCE = "inst-bad-1"
TASK = "0123456789abcdef0123456789abcdef"
ID_EXPECTED = "a non-empty string of letters, digits"
TIME_EXPECTED = "a datetime, an ISO 8601 timestamp or 'YYYYMMDDHHmmss' (UTC)"
DURATION_EXPECTED = "a positive duration"
PARAMS_EXPECTED = "a mapping of JSON values"


def _no_control_characters(text: str) -> bool:
    return not any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


@pytest.fixture()
def quiet_emulator(emulator: Emulator) -> Iterator[Emulator]:
    """The emulator with a task seeded, so a request that slipped through would succeed and be counted."""
    emulator.add_task(INSTANCE, task_id=TASK)
    before = emulator.request_counts()["total"]
    yield emulator
    assert emulator.request_counts()["total"] == before, "a bad input reached the emulator"


# -- DmsClient methods ---------------------------------------------------------------------------------

ClientCall = Callable[[DmsClient], Any]
CLIENT_CASES = [
    pytest.param(lambda c: c.show_task("", TASK), "instance_id", ID_EXPECTED, id="show-empty-instance"),
    pytest.param(lambda c: c.show_task(123, TASK), "instance_id", "got a int", id="show-int-instance"),
    pytest.param(lambda c: c.show_task(None, TASK), "instance_id", "got a NoneType", id="show-none-instance"),
    pytest.param(lambda c: c.show_task(INSTANCE, ""), "task_id", ID_EXPECTED, id="show-empty-task"),
    pytest.param(lambda c: c.show_task(INSTANCE, b"abc"), "task_id", "got a bytes", id="show-bytes-task"),
    pytest.param(lambda c: c.show_task(INSTANCE, "a/b"), "task_id", "no '/'", id="show-slash"),
    pytest.param(lambda c: c.show_task(INSTANCE, ".."), "task_id", "'..'", id="show-dotdot"),
    pytest.param(lambda c: c.show_task(".", TASK), "instance_id", ID_EXPECTED, id="show-dot-instance"),
    pytest.param(lambda c: c.show_task(INSTANCE, "abc?x=1"), "task_id", "'?'", id="show-question-mark"),
    pytest.param(lambda c: c.show_task(INSTANCE, "abc#frag"), "task_id", "'#'", id="show-hash"),
    pytest.param(lambda c: c.show_task(INSTANCE, "abc def"), "task_id", "whitespace", id="show-space"),
    pytest.param(
        lambda c: c.show_task(INSTANCE, " " + TASK), "task_id", "whitespace", id="show-leading-space"
    ),
    pytest.param(
        lambda c: c.show_task(INSTANCE, "abc\ndef"), "task_id", "control characters", id="show-newline"
    ),
    pytest.param(lambda c: c.show_task(INSTANCE, "abc\x00"), "task_id", "control characters", id="show-nul"),
    pytest.param(lambda c: c.show_task("инстанс", TASK), "instance_id", ID_EXPECTED, id="show-non-ascii"),
    pytest.param(
        lambda c: c.show_task(INSTANCE, "x" * 200), "task_id", "at most 128 characters", id="show-200-chars"
    ),
    pytest.param(
        lambda c: c.task_progress(INSTANCE, "%2e%2e"), "task_id", ID_EXPECTED, id="progress-encoded-dots"
    ),
    pytest.param(lambda c: c.delete_task(INSTANCE, "../tasks"), "task_id", "no '/'", id="delete-traversal"),
    pytest.param(lambda c: c.delete_task("a/b", TASK), "instance_id", "no '/'", id="delete-slash-instance"),
    pytest.param(
        lambda c: c.list_tasks("", begin_time=None), "instance_id", ID_EXPECTED, id="list-empty-instance"
    ),
    pytest.param(
        lambda c: c.list_tasks(INSTANCE, begin_time="yesterday"),
        "begin_time",
        TIME_EXPECTED,
        id="list-begin-word",
    ),
    pytest.param(
        lambda c: c.list_tasks(INSTANCE, end_time="2024-13-45"),
        "end_time",
        TIME_EXPECTED,
        id="list-end-bad-date",
    ),
    pytest.param(
        lambda c: c.list_tasks(INSTANCE, begin_time=20240101000000),
        "begin_time",
        TIME_EXPECTED,
        id="list-begin-int",
    ),
    pytest.param(
        lambda c: c.list_tasks(INSTANCE, end_time="   "), "end_time", TIME_EXPECTED, id="list-end-blank"
    ),
    pytest.param(
        lambda c: c.list_tasks(
            INSTANCE, begin_time="2024-02-01T00:00:00Z", end_time=datetime(2024, 1, 1, tzinfo=UTC)
        ),
        "begin_time",
        "a time not after end_time",
        id="list-begin-after-end",
    ),
    pytest.param(
        lambda c: c.iter_tasks(INSTANCE, page_size=0),
        "page_size",
        "a whole number from 1 to 100",
        id="page-size-0",
    ),
    pytest.param(
        lambda c: c.iter_tasks(INSTANCE, page_size=101),
        "page_size",
        "a whole number from 1 to 100",
        id="page-size-101",
    ),
    pytest.param(
        lambda c: c.iter_tasks(INSTANCE, page_size=True),
        "page_size",
        "a whole number from 1 to 100",
        id="page-size-bool",
    ),
    pytest.param(
        lambda c: c.iter_tasks(INSTANCE, page_size="10"),
        "page_size",
        "a whole number from 1 to 100",
        id="page-size-str",
    ),
    pytest.param(
        lambda c: c.iter_tasks(INSTANCE, page_size=2.5),
        "page_size",
        "a whole number from 1 to 100",
        id="page-size-float",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, ""), "name", "a non-empty task name", id="find-empty-name"
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, None), "name", "a non-empty task name", id="find-none-name"
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "bind\x07Ip"),
        "name",
        "printable characters",
        id="find-control-name",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "n" * 200),
        "name",
        "at most 128 printable",
        id="find-long-name",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "bindInstancePublicIp", since="last week"),
        "since",
        TIME_EXPECTED,
        id="find-bad-since",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, timeout=0),
        "timeout",
        DURATION_EXPECTED,
        id="wait-timeout-0",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, timeout=-1),
        "timeout",
        DURATION_EXPECTED,
        id="wait-timeout-negative",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, timeout="abc"),
        "timeout",
        DURATION_EXPECTED,
        id="wait-timeout-abc",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, timeout=True),
        "timeout",
        DURATION_EXPECTED,
        id="wait-timeout-bool",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, timeout=math.nan),
        "timeout",
        DURATION_EXPECTED,
        id="wait-timeout-nan",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, timeout="1h30"),
        "timeout",
        DURATION_EXPECTED,
        id="wait-timeout-no-unit",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, timeout="inf"),
        "timeout",
        DURATION_EXPECTED,
        id="wait-timeout-inf",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, poll_interval=0),
        "poll_interval",
        DURATION_EXPECTED,
        id="wait-poll-0",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, poll_interval=-1),
        "poll_interval",
        DURATION_EXPECTED,
        id="wait-poll-negative",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, poll_interval="abc"),
        "poll_interval",
        DURATION_EXPECTED,
        id="wait-poll-abc",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, poll_interval=True),
        "poll_interval",
        DURATION_EXPECTED,
        id="wait-poll-bool",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, poll_interval="-1s"),
        "poll_interval",
        DURATION_EXPECTED,
        id="wait-poll-minus-1s",
    ),
    pytest.param(
        lambda c: c.wait_for_task(INSTANCE, TASK, poll_interval=10, max_poll_interval=5),
        "max_poll_interval",
        "at least poll_interval (10s)",
        id="wait-max-below-min",
    ),
    pytest.param(lambda c: c.wait_for_task(INSTANCE, "a/b"), "task_id", "no '/'", id="wait-slash-task"),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "x", params_match="a=1"),
        "params_match",
        PARAMS_EXPECTED,
        id="find-params-str",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "x", params_match=[("a", 1)]),
        "params_match",
        PARAMS_EXPECTED,
        id="find-params-list",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "x", params_match={1: "a"}),
        "params_match",
        "string keys",
        id="find-params-int-key",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "x", params_match={"a": math.nan}),
        "params_match.a",
        "a finite number",
        id="find-params-nan",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "x", params_match={"a": {"b": object()}}),
        "params_match.a.b",
        "a JSON value",
        id="find-params-object",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "x", params_match={"a": {1, 2}}),
        "params_match.a",
        "a JSON value, got a set",
        id="find-params-set",
    ),
    pytest.param(
        lambda c: c.find_latest_task(INSTANCE, "x", params_match={f"k{i}": i for i in range(1001)}),
        "params_match",
        "at most 1000 values",
        id="find-params-huge",
    ),
    pytest.param(
        lambda c: c.wait_for_latest_task(INSTANCE, "x", params_match=5),
        "params_match",
        PARAMS_EXPECTED,
        id="wait-latest-params-int",
    ),
    pytest.param(
        lambda c: c.wait_for_latest_task(INSTANCE, "", timeout=5),
        "name",
        "a non-empty task name",
        id="wait-latest-empty-name",
    ),
    pytest.param(
        lambda c: c.wait_for_latest_task(INSTANCE, "x", timeout=0),
        "timeout",
        DURATION_EXPECTED,
        id="wait-latest-timeout-0",
    ),
    pytest.param(lambda c: c.wait_for_idle("a/b"), "instance_id", "no '/'", id="idle-slash-instance"),
    pytest.param(
        lambda c: c.wait_for_idle(INSTANCE, timeout="abc"),
        "timeout",
        DURATION_EXPECTED,
        id="idle-timeout-abc",
    ),
    pytest.param(
        lambda c: c.wait_for_idle(INSTANCE, poll_interval=-1),
        "poll_interval",
        DURATION_EXPECTED,
        id="idle-poll-negative",
    ),
    pytest.param(
        lambda c: c.wait_for_idle(INSTANCE, window="forever"),
        "window",
        DURATION_EXPECTED,
        id="idle-window-word",
    ),
    pytest.param(
        lambda c: c.wait_for_idle(INSTANCE, poll_interval=10, max_poll_interval=5),
        "max_poll_interval",
        "at least poll_interval (10s)",
        id="idle-max-below-min",
    ),
]


@pytest.mark.bad_input_cases(1)
@pytest.mark.parametrize(("call", "field", "expected"), CLIENT_CASES)
def test_client_methods_refuse_bad_arguments(
    quiet_emulator: Emulator, call: ClientCall, field: str, expected: str
) -> None:
    """A bad argument to a DmsClient method raises InvalidInputError naming it, with no request sent."""
    with DmsClient(
        endpoint=quiet_emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK, env={}
    ) as client:
        with pytest.raises(InvalidInputError) as info:
            call(client)
    exc = info.value
    text = str(exc)
    assert isinstance(exc, ValueError) and exc.field == field
    assert text.startswith(f"invalid {field}: expected ") and expected in text
    assert _no_control_characters(text) and len(text) < 500


# -- DmsClient construction ------------------------------------------------------------------------------

CONSTRUCTION_CASES = [
    pytest.param(
        {"endpoint": "ftp://x"},
        InvalidInputError,
        "endpoint",
        "an http:// or https:// URL",
        id="endpoint-ftp",
    ),
    pytest.param(
        {"endpoint": "https://dms.example.com/?a=1"},
        InvalidInputError,
        "endpoint",
        "no query or fragment",
        id="endpoint-query",
    ),
    pytest.param(
        {"endpoint": "https://dms.example.com/#x"},
        InvalidInputError,
        "endpoint",
        "no query or fragment",
        id="endpoint-fragment",
    ),
    pytest.param(
        {"endpoint": "https://user:pw@dms.example.com"},
        InvalidInputError,
        "endpoint",
        "no user info",
        id="endpoint-userinfo",
    ),
    pytest.param(
        {"endpoint": "http://127.0.0.1:99999"},
        InvalidInputError,
        "endpoint",
        "port 1-65535",
        id="endpoint-port",
    ),
    pytest.param(
        {"endpoint": "dms.example.com"},
        InvalidInputError,
        "endpoint",
        "an http:// or https:// URL",
        id="endpoint-no-scheme",
    ),
    pytest.param(
        {"endpoint": None, "region": None},
        ConfigurationError,
        "endpoint",
        "set a region",
        id="no-endpoint-no-region",
    ),
    pytest.param(
        {"endpoint": None, "region": "CN North 4"},
        InvalidInputError,
        "region",
        "a region id such as 'cn-north-4'",
        id="region-bad",
    ),
    pytest.param({"project_id": None}, ConfigurationError, "project_id", "no project id", id="no-project"),
    pytest.param({"project_id": "a/b"}, InvalidInputError, "project_id", ID_EXPECTED, id="project-slash"),
    pytest.param(
        {"ak": None, "sk": None},
        ConfigurationError,
        "huaweicloud:accessKey",
        "no access key",
        id="no-credentials",
    ),
    pytest.param({"sk": None}, ConfigurationError, "HW_SECRET_KEY", "no secret key", id="no-secret-key"),
    pytest.param(
        {"read_timeout": 0}, InvalidInputError, "read_timeout", DURATION_EXPECTED, id="read-timeout-0"
    ),
    pytest.param(
        {"connect_timeout": "soon"},
        InvalidInputError,
        "connect_timeout",
        DURATION_EXPECTED,
        id="connect-timeout-word",
    ),
    pytest.param(
        {"max_retries": -1},
        InvalidInputError,
        "max_retries",
        "a whole number >= 0 and <= 20",
        id="retries-negative",
    ),
    pytest.param(
        {"max_retries": 99},
        InvalidInputError,
        "max_retries",
        "a whole number >= 0 and <= 20",
        id="retries-99",
    ),
    pytest.param(
        {"max_retries": True}, InvalidInputError, "max_retries", "a whole number >= 0", id="retries-bool"
    ),
]


@pytest.mark.bad_input_cases(1)
@pytest.mark.parametrize(("overrides", "error", "field", "expected"), CONSTRUCTION_CASES)
def test_client_construction_refuses_bad_settings(
    quiet_emulator: Emulator, overrides: dict[str, Any], error: type[DmsError], field: str, expected: str
) -> None:
    """Unusable settings fail DmsClient() with an error naming the setting and what would do."""
    kwargs: dict[str, Any] = {
        "endpoint": quiet_emulator.url,
        "project_id": TEST_PROJECT,
        "ak": TEST_AK,
        "sk": TEST_SK,
    }
    kwargs.update(overrides)
    with pytest.raises(error) as info:
        DmsClient(env={}, **kwargs)
    text = str(info.value)
    assert type(info.value) is error
    if isinstance(info.value, InvalidInputError):
        assert info.value.field == field and text.startswith(f"invalid {field}: expected ")
    assert field in text and expected in text
    assert TEST_SK not in text


# -- the dynamic provider's check --------------------------------------------------------------------

GOOD = {"instance_id": INSTANCE, "task_id": TASK}
PROVIDER_CASES = [
    pytest.param(
        {"task_id": TASK}, "instance_id", "expected the DMS instance id, got nothing", id="missing-instance"
    ),
    pytest.param({**GOOD, "instance_id": "bad/id"}, "instance_id", ID_EXPECTED, id="instance-slash"),
    pytest.param(
        {**GOOD, "task_name": "bindInstancePublicIp"},
        "task_name",
        "either task_id or task_name, not both",
        id="both",
    ),
    pytest.param(
        {"instance_id": INSTANCE}, "task_id", "task_id or task_name (one of them is required)", id="neither"
    ),
    pytest.param({**GOOD, "task_id": "x" * 200}, "task_id", "at most 128 characters", id="task-too-long"),
    pytest.param(
        {"instance_id": INSTANCE, "task_name": "   "}, "task_name", "a non-empty task name", id="blank-name"
    ),
    pytest.param(
        {**GOOD, "since": "2024-01-01T00:00:00Z"},
        "since",
        "only together with task_name",
        id="since-without-name",
    ),
    pytest.param(
        {"instance_id": INSTANCE, "task_name": "x", "since": "last tuesday"},
        "since",
        TIME_EXPECTED,
        id="since-bad",
    ),
    pytest.param({**GOOD, "wait": "maybe"}, "wait", "a boolean (true or false)", id="wait-maybe"),
    pytest.param({**GOOD, "timeout": "soon"}, "timeout", DURATION_EXPECTED, id="timeout-word"),
    pytest.param({**GOOD, "timeout": -5}, "timeout", DURATION_EXPECTED, id="timeout-negative"),
    pytest.param(
        {**GOOD, "poll_interval": 10, "max_poll_interval": 5},
        "max_poll_interval",
        "at least poll_interval",
        id="max-below-min",
    ),
    pytest.param(
        {**GOOD, "region": "North China"}, "region", "a region id such as 'cn-north-4'", id="region-bad"
    ),
    pytest.param(
        {**GOOD, "endpoint": "ftp://x"}, "endpoint", "an http:// or https:// URL", id="endpoint-ftp"
    ),
    pytest.param({**GOOD, "project_id": "p?x"}, "project_id", ID_EXPECTED, id="project-question-mark"),
]


@pytest.mark.bad_input_cases(1)
@pytest.mark.parametrize(("props", "field", "expected"), PROVIDER_CASES)
def test_provider_check_reports_bad_inputs(
    quiet_emulator: Emulator, props: dict[str, Any], field: str, expected: str
) -> None:
    """The dynamic provider's check names the bad property and what it expected, without any request."""
    failures = validate_inputs(props)
    assert any(prop == field and expected in reason for prop, reason in failures), failures
    assert all(reason.startswith(f"invalid {prop}: expected ") for prop, reason in failures)
    result = BackgroundTaskProvider().check({}, props)
    assert [(f.property, f.reason) for f in result.failures] == failures


def test_provider_check_accepts_good_inputs_and_skips_unknowns() -> None:
    """Valid inputs, and values unknown at preview time, produce no check failures."""
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert validate_inputs({**GOOD, "wait": "true", "timeout": "20m", "poll_interval": "500ms"}) == []
    assert (
        validate_inputs({"instance_id": unknown, "task_name": "x", "since": unknown, "timeout": unknown})
        == []
    )


# -- functions --------------------------------------------------------------------------------------

FUNCTION_CASES = [
    pytest.param(lambda: get_background_task("", TASK), "instance_id", ID_EXPECTED, id="get-empty-instance"),
    pytest.param(
        lambda: get_background_task(INSTANCE),
        "task_id",
        "exactly one of task_id and task_name",
        id="get-neither",
    ),
    pytest.param(
        lambda: get_background_task(INSTANCE, TASK, task_name="x"),
        "task_id",
        "exactly one of task_id and task_name",
        id="get-both",
    ),
    pytest.param(lambda: get_background_task(INSTANCE, "a/b"), "task_id", "no '/'", id="get-slash-task"),
    pytest.param(
        lambda: get_background_task(INSTANCE, task_name=""),
        "task_name",
        "a non-empty task name",
        id="get-empty-name",
    ),
    pytest.param(
        lambda: get_background_task(INSTANCE, TASK, timeout="abc"),
        "timeout",
        DURATION_EXPECTED,
        id="get-bad-timeout",
    ),
    pytest.param(
        lambda: get_background_task(INSTANCE, TASK, poll_interval=0),
        "poll_interval",
        DURATION_EXPECTED,
        id="get-bad-poll",
    ),
    pytest.param(
        lambda: get_background_task(INSTANCE, task_name="x", since="never"),
        "since",
        TIME_EXPECTED,
        id="get-bad-since",
    ),
    pytest.param(
        lambda: get_background_task(INSTANCE, TASK, region="Mars"),
        "region",
        "a region id",
        id="get-bad-region",
    ),
    pytest.param(lambda: list_background_tasks("a b"), "instance_id", "whitespace", id="list-space-instance"),
    pytest.param(
        lambda: list_background_tasks(INSTANCE, name=""),
        "name",
        "a non-empty task name",
        id="list-empty-name",
    ),
    pytest.param(
        lambda: list_background_tasks(INSTANCE, begin_time="soon"),
        "begin_time",
        TIME_EXPECTED,
        id="list-bad-begin",
    ),
    pytest.param(
        lambda: list_background_tasks(INSTANCE, endpoint="ftp://x"),
        "endpoint",
        "an http:// or https:// URL",
        id="list-bad-endpoint",
    ),
]


@pytest.mark.bad_input_cases(1)
@pytest.mark.parametrize(("call", "field", "expected"), FUNCTION_CASES)
def test_functions_refuse_bad_arguments(
    quiet_emulator: Emulator,
    clean_env: pytest.MonkeyPatch,
    call: Callable[[], Any],
    field: str,
    expected: str,
) -> None:
    """get_background_task / list_background_tasks refuse bad arguments before any request."""
    # Settings that work: were a bad argument passed on, the request would reach the emulator.
    for key, value in {
        "HW_DMS_ENDPOINT": quiet_emulator.url,
        "HW_PROJECT_ID": TEST_PROJECT,
        "HW_ACCESS_KEY": TEST_AK,
        "HW_SECRET_KEY": TEST_SK,
    }.items():
        clean_env.setenv(key, value)
    with pytest.raises(InvalidInputError) as info:
        call()
    text = str(info.value)
    assert info.value.field == field and text.startswith(f"invalid {field}: expected ") and expected in text


def test_functions_work_with_the_same_settings(emulator: Emulator, clean_env: pytest.MonkeyPatch) -> None:
    """The environment used above is good: a valid call does reach the emulator."""
    emulator.add_task(INSTANCE, task_id=TASK)
    for key, value in {
        "HW_DMS_ENDPOINT": emulator.url,
        "HW_PROJECT_ID": TEST_PROJECT,
        "HW_ACCESS_KEY": TEST_AK,
        "HW_SECRET_KEY": TEST_SK,
    }.items():
        clean_env.setenv(key, value)
    assert get_background_task(INSTANCE, TASK).status == "SUCCESS"
    assert emulator.request_counts()["by_operation"]["show"] == 1


# -- the emulator CLI ----------------------------------------------------------------------------------

GOOD_FLAGS = ["--ak", TEST_AK, "--sk", TEST_SK, "--project-id", TEST_PROJECT]
CLI_CASES = [
    pytest.param(["--port", "70000", *GOOD_FLAGS], "--port", "out of range 0-65535", id="port-70000"),
    pytest.param(["--port", "http", *GOOD_FLAGS], "--port", "expected an integer", id="port-word"),
    pytest.param(
        ["--sk", TEST_SK, "--project-id", TEST_PROJECT],
        "--ak",
        "the following arguments are required",
        id="missing-ak",
    ),
    pytest.param(
        ["--ak", " ", "--sk", TEST_SK, "--project-id", TEST_PROJECT],
        "--ak",
        "must not be empty",
        id="blank-ak",
    ),
    pytest.param(
        ["--ak", TEST_AK, "--sk", TEST_SK],
        "--project-id",
        "the following arguments are required",
        id="missing-project",
    ),
]


@pytest.mark.bad_input_cases(1)
@pytest.mark.parametrize(("argv", "flag", "expected"), CLI_CASES)
def test_emulator_cli_refuses_bad_flags(
    quiet_emulator: Emulator, argv: list[str], flag: str, expected: str
) -> None:
    """The emulator CLI exits 2 naming the bad flag, prints nothing on stdout and never the secret."""
    proc = subprocess.run(
        [sys.executable, "-m", "pulumi_dms_tasks.emulator", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    last = proc.stderr.strip().splitlines()[-1]
    assert flag in last and expected in last, proc.stderr
    assert TEST_SK not in proc.stderr


def test_the_table_covers_at_least_thirty_cases() -> None:
    """The bad-input table is as broad as promised."""
    total = (
        len(CLIENT_CASES)
        + len(CONSTRUCTION_CASES)
        + len(PROVIDER_CASES)
        + len(FUNCTION_CASES)
        + len(CLI_CASES)
    )
    assert total >= 30
