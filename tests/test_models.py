"""Our pydantic models of the DMS background-task bodies, on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from pulumi_dms_tasks._models import Task, TaskList, TaskProgress, TaskStatus, format_api_timestamp

DOCUMENTED = ["CREATED", "EXECUTING", "SUCCESS", "FAILED", "DELETED", "CANCELLED"]


def task(**fields: object) -> Task:
    return Task.model_validate({"id": "8abfa7b272adc5b40172b73130065ae7", **fields})


# -- status ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", DOCUMENTED)
def test_documented_status_parses_to_enum_member(status: str) -> None:
    """Each documented status becomes the TaskStatus member, not a plain str."""
    parsed = task(status=status).status
    assert type(parsed) is TaskStatus
    assert parsed is TaskStatus(status)


def test_success_is_the_enum_member() -> None:
    """'SUCCESS' parses to TaskStatus.SUCCESS itself (the smart-union pitfall is avoided)."""
    assert task(status="SUCCESS").status is TaskStatus.SUCCESS


@pytest.mark.parametrize("status", ["ROLLING_BACK", "success", "Success ", "PENDING"])
def test_unknown_status_kept_as_plain_text(status: str) -> None:
    """An undocumented status is kept verbatim as a str and is not terminal."""
    t = task(status=status)
    assert type(t.status) is str
    assert t.status == status
    assert not t.is_terminal and not t.succeeded and not t.failed


@pytest.mark.parametrize(
    ("status", "terminal", "succeeded", "failed"),
    [
        ("SUCCESS", True, True, False),
        ("FAILED", True, False, True),
        ("CANCELLED", True, False, True),
        ("DELETED", True, False, True),
        ("CREATED", False, False, False),
        ("EXECUTING", False, False, False),
        ("SOMETHING_NEW", False, False, False),
    ],
)
def test_status_classification(status: str, terminal: bool, succeeded: bool, failed: bool) -> None:
    """SUCCESS succeeds; FAILED/CANCELLED/DELETED fail; CREATED/EXECUTING/unknown are pending."""
    t = task(status=status)
    assert (t.is_terminal, t.succeeded, t.failed) == (terminal, succeeded, failed)


@pytest.mark.parametrize("status", [None, ""])
def test_missing_or_null_status_is_empty_and_pending(status: object) -> None:
    """A null or empty status reads as '' and is not terminal."""
    body = {"id": "x"} if status is None else {"id": "x", "status": status}
    t = Task.model_validate(body)
    assert t.status == ""
    assert not t.is_terminal


# -- timestamps and duration ----------------------------------------------------------------------


def test_api_timestamp_parsed_as_aware_utc_and_text_kept() -> None:
    """'2020-06-15T08:55:53.606Z' becomes an aware UTC datetime; the raw text is kept."""
    t = task(created_at="2020-06-15T08:55:53.606Z")
    assert t.created_at == datetime(2020, 6, 15, 8, 55, 53, 606000, tzinfo=UTC)
    assert t.created_at.utcoffset() == timedelta(0)
    assert t.created_at_text == "2020-06-15T08:55:53.606Z"


@pytest.mark.parametrize("text", ["2020-06-15T08:55:53.606", "2020-06-15 08:55:53.606"])
def test_naive_timestamp_read_as_utc(text: str) -> None:
    """A timestamp without zone is read as UTC, not local time."""
    parsed = task(created_at=text).created_at
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert parsed == datetime(2020, 6, 15, 8, 55, 53, 606000, tzinfo=UTC)


def test_offset_timestamp_keeps_the_instant() -> None:
    """A timestamp with an offset denotes the same instant as its UTC form."""
    parsed = task(created_at="2020-06-15T16:55:53.606+08:00").created_at
    assert parsed == datetime(2020, 6, 15, 8, 55, 53, 606000, tzinfo=UTC)


def test_epoch_milliseconds_accepted() -> None:
    """Epoch milliseconds (number or digit string) are read as UTC instants."""
    expected = datetime(2020, 6, 15, 8, 55, 53, 606000, tzinfo=UTC)
    assert task(created_at=1592211353606).created_at == expected
    assert task(created_at="1592211353606").created_at == expected


def test_duration_seconds() -> None:
    """duration_seconds is updated_at minus created_at, across offsets."""
    t = task(created_at="2020-06-15T08:55:53.606Z", updated_at="2020-06-15T10:56:21.010+02:00")
    assert t.duration_seconds == pytest.approx(27.404)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"created_at": "2020-06-15T08:55:53.606Z"},
        {"updated_at": "2020-06-15T08:55:53.606Z"},
        {"created_at": "", "updated_at": "2020-06-15T08:55:53.606Z"},
    ],
)
def test_duration_none_when_a_timestamp_is_missing(fields: dict[str, str]) -> None:
    """duration_seconds is None unless both timestamps are present."""
    assert task(**fields).duration_seconds is None


def test_format_api_timestamp_matches_the_wire_form() -> None:
    """format_api_timestamp writes UTC with milliseconds and 'Z', like the API."""
    plus8 = timezone(timedelta(hours=8))
    assert (
        format_api_timestamp(datetime(2020, 6, 15, 16, 55, 53, 606789, tzinfo=plus8))
        == "2020-06-15T08:55:53.606Z"
    )


# -- params -----------------------------------------------------------------------------------------


def test_params_json_object_parsed_and_raw_text_kept() -> None:
    """A JSON-object params string is parsed into a dict; params_json keeps the exact text."""
    raw = '{"public_bandwidth": 5, "enable_public_ip": true}'
    t = task(params=raw)
    assert t.params == {"public_bandwidth": 5, "enable_public_ip": True}
    assert t.params_json == raw


@pytest.mark.parametrize("raw", ["", "   ", "[1, 2]", '"text"', "not json {", "null", "42"])
def test_params_not_a_json_object_is_none_and_body_still_valid(raw: str) -> None:
    """Empty, non-JSON or non-object params give params=None without failing the body."""
    t = task(params=raw)
    assert t.params is None
    assert t.params_json == raw


# -- the list envelope -----------------------------------------------------------------------------


def test_task_count_string_parsed_to_int() -> None:
    """task_count '3' becomes the int 3, and it is the total, not the page length."""
    page = TaskList.model_validate({"task_count": "3", "tasks": [{"id": "a"}]})
    assert page.task_count == 3
    assert len(page.tasks) == 1


@pytest.mark.parametrize("body", [{}, {"task_count": None, "tasks": None}, {"task_count": "", "tasks": []}])
def test_empty_envelope_reads_as_no_tasks(body: dict[str, object]) -> None:
    """A missing/null/empty task_count and tasks read as 0 and []."""
    page = TaskList.model_validate(body)
    assert page.task_count == 0
    assert page.tasks == []


@pytest.mark.parametrize(
    "body",
    [
        {"task_count": "1", "tasks": [{"name": "bindInstancePublicIp", "status": "SUCCESS"}]},
        {"task_count": "1", "tasks": [{"id": ""}]},
        {"task_count": "1", "tasks": [{"id": None}]},
        {"task_count": "abc", "tasks": []},
        {"task_count": "1", "tasks": {"id": "a"}},
        {"task_count": "1", "tasks": "a"},
        {"task_count": "1", "tasks": ["a"]},
    ],
    ids=["task-without-id", "empty-id", "null-id", "count-abc", "tasks-dict", "tasks-str", "task-not-object"],
)
def test_invalid_bodies_raise_validation_error(body: dict[str, object]) -> None:
    """Bodies that cannot describe tasks raise pydantic's ValidationError."""
    with pytest.raises(ValidationError):
        TaskList.model_validate(body)


def test_unknown_fields_kept() -> None:
    """Unknown fields on a task and on the envelope are kept, not rejected."""
    page = TaskList.model_validate({"task_count": "1", "x": 1, "tasks": [{"id": "a", "instance_name": "k"}]})
    assert page.model_extra == {"x": 1}
    assert page.tasks[0].model_extra == {"instance_name": "k"}


def test_task_is_immutable() -> None:
    """A parsed Task cannot be modified in place."""
    t = task(status="EXECUTING")
    with pytest.raises(ValidationError):
        t.status = "SUCCESS"


# -- progress ---------------------------------------------------------------------------------------


def test_progress_parses_statue_into_status() -> None:
    """The vendor's 'statue' field is read into status; numbers given as text become ints."""
    progress = TaskProgress.model_validate(
        {
            "progress_percentage": "40",
            "remain_time": 120,
            "step_list": [
                {"name": "create", "statue": "COMPLETED", "start_time": "a", "end_time": "b"},
                {"name": "bind", "statue": "IN_PROGRESS"},
                {"name": "notify", "statue": "WAITING"},
            ],
        }
    )
    assert progress.progress_percentage == 40
    assert progress.remain_time == 120
    assert [s.status for s in progress.step_list] == ["COMPLETED", "IN_PROGRESS", "WAITING"]
    assert progress.step_list[0].start_time == "a"


def test_current_step_picks_in_progress_over_earlier_waiting() -> None:
    """current_step is the IN_PROGRESS step even when a WAITING step comes first."""
    progress = TaskProgress.model_validate(
        {"step_list": [{"name": "w", "statue": "WAITING"}, {"name": "run", "statue": "IN_PROGRESS"}]}
    )
    assert progress.current_step is not None and progress.current_step.name == "run"


def test_current_step_falls_back_to_first_waiting() -> None:
    """Without an IN_PROGRESS step, current_step is the first WAITING one."""
    progress = TaskProgress.model_validate(
        {
            "step_list": [
                {"name": "done", "statue": "COMPLETED"},
                {"name": "w1", "statue": "WAITING"},
                {"name": "w2", "statue": "WAITING"},
            ]
        }
    )
    assert progress.current_step is not None and progress.current_step.name == "w1"


@pytest.mark.parametrize(
    "steps", [[], None, [{"name": "a", "statue": "COMPLETED"}, {"name": "b", "statue": "FAILED"}]]
)
def test_current_step_none_when_nothing_runs_or_waits(steps: object) -> None:
    """current_step is None when no step is in progress or waiting."""
    assert TaskProgress.model_validate({"progress_percentage": 100, "step_list": steps}).current_step is None
