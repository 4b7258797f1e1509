"""The DMS emulator over real sockets: wire shapes, timelines, faults, auth, admin API, load."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks._canonical import canonical_request, sign_string, string_to_sign
from pulumi_dms_tasks.emulator import (
    DEMO_INSTANCE_ID,
    DEMO_TASK_FAILS,
    DEMO_TASK_OLD,
    DEMO_TASK_SUCCEEDS,
    Emulator,
)
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

HEX32 = re.compile(r"[0-9a-f]{32}")
API_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
T0 = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
INSTANCE = "inst-1"


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def signed_session(
    ak: str = TEST_AK, sk: str = TEST_SK, *, token: str | None = None, clock: Any = None
) -> requests.Session:
    """A requests session that signs every call the way the vendor SDK does."""
    session = requests.Session()
    session.auth = AkSkAuth(ak, sk, token, clock=clock)
    session.headers["Content-Type"] = "application/json"
    return session


def tasks_url(
    emu: Emulator, instance: str = INSTANCE, task: str | None = None, *, project: str | None = None
) -> str:
    base = f"{emu.url}/v2/{project or emu.project_id}/instances/{instance}/tasks"
    return base if task is None else f"{base}/{task}"


@pytest.fixture()
def api() -> Iterator[requests.Session]:
    with signed_session() as session:
        yield session


@pytest.fixture()
def clocked() -> Iterator[tuple[Emulator, ManualClock, requests.Session]]:
    """An emulator on a manual clock, with a session signing on the same clock."""
    clock = ManualClock()
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, clock=clock) as emu:
        with signed_session(clock=clock) as session:
            yield emu, clock, session


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error_code"], body["error_msg"]


# -- show / list / delete ---------------------------------------------------------------------


def test_show_returns_one_task_with_every_field_a_string(emulator: Emulator, api: requests.Session) -> None:
    """Show answers {"task_count": "1", "tasks": [task]} with all task fields as strings."""
    task_id = emulator.add_task(INSTANCE, params={"eip": "1.2.3.4", "n": 2}, user_name="alice", user_id="u-1")
    response = api.get(tasks_url(emulator, task=task_id))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["task_count"] == "1"
    (task,) = body["tasks"]
    assert set(task) == {"id", "name", "user_name", "user_id", "params", "status", "created_at", "updated_at"}
    assert all(isinstance(value, str) for value in task.values())
    assert task["id"] == task_id and HEX32.fullmatch(task_id)
    assert task["name"] == "bindInstancePublicIp"
    assert (task["user_name"], task["user_id"]) == ("alice", "u-1")
    assert task["params"] == '{"eip":"1.2.3.4","n":2}'
    assert task["status"] == "SUCCESS"
    assert API_TIME.fullmatch(task["created_at"]) and API_TIME.fullmatch(task["updated_at"])


@pytest.mark.parametrize(
    ("params", "wire"), [('{"raw": true}', '{"raw": true}'), (None, ""), ("not json", "not json")]
)
def test_params_strings_are_sent_verbatim(
    emulator: Emulator, api: requests.Session, params: Any, wire: str
) -> None:
    """A params string is passed through as given; no params is an empty string."""
    task_id = emulator.add_task(INSTANCE, params=params)
    assert api.get(tasks_url(emulator, task=task_id)).json()["tasks"][0]["params"] == wire


def test_list_is_newest_first_and_counts_all_matches_as_a_string(
    emulator: Emulator, api: requests.Session
) -> None:
    """List orders by created_at descending and task_count is the total, not the page size."""
    ids = [emulator.add_task(INSTANCE, created_at=T0 + timedelta(minutes=i)) for i in range(12)]
    body = api.get(tasks_url(emulator)).json()
    assert body["task_count"] == "12"
    assert [t["id"] for t in body["tasks"]] == list(reversed(ids))[:10]


def test_list_pages_with_start_and_limit_cover_every_task_once(
    emulator: Emulator, api: requests.Session
) -> None:
    """Paging with start += len(tasks) visits all 25 tasks exactly once, newest first."""
    ids = [emulator.add_task(INSTANCE, created_at=T0 + timedelta(seconds=i)) for i in range(25)]
    seen: list[str] = []
    start = 1
    while True:
        body = api.get(tasks_url(emulator), params={"start": start, "limit": 7}).json()
        assert body["task_count"] == "25"
        seen += [t["id"] for t in body["tasks"]]
        start += len(body["tasks"])
        if start - 1 >= int(body["task_count"]):
            break
    assert seen == list(reversed(ids))
    beyond = api.get(tasks_url(emulator), params={"start": 26, "limit": 10}).json()
    assert beyond == {"task_count": "25", "tasks": []}


def test_list_accepts_offset_as_an_alias_of_start(emulator: Emulator, api: requests.Session) -> None:
    """offset=3 returns the same page as start=3, and so does sending both with the same value."""
    for i in range(5):
        emulator.add_task(INSTANCE, created_at=T0 + timedelta(seconds=i))
    by_start = api.get(tasks_url(emulator), params={"start": 3, "limit": 2}).json()
    by_offset = api.get(tasks_url(emulator), params={"offset": 3, "limit": 2}).json()
    by_both = api.get(tasks_url(emulator), params={"offset": 3, "start": 3, "limit": 2}).json()
    first = api.get(tasks_url(emulator), params={"limit": 2}).json()
    assert by_offset == by_start == by_both and len(by_start["tasks"]) == 2
    assert by_start["tasks"] != first["tasks"]


def test_list_start_or_offset_zero_means_the_first_task(emulator: Emulator, api: requests.Session) -> None:
    """The vendor's pages give the range as >= 0: 0 lists from the first task, like 1."""
    for i in range(3):
        emulator.add_task(INSTANCE, created_at=T0 + timedelta(seconds=i))
    one = api.get(tasks_url(emulator), params={"start": 1, "limit": 2}).json()
    for name in ("start", "offset"):
        assert api.get(tasks_url(emulator), params={name: 0, "limit": 2}).json() == one


def test_list_with_start_and_offset_that_disagree_is_400_naming_both(
    emulator: Emulator, api: requests.Session
) -> None:
    """Two values for the same index are refused rather than one silently preferred."""
    emulator.add_task(INSTANCE)
    status, code, message = error_of(api.get(tasks_url(emulator), params={"start": 1, "offset": 11}))
    assert (status, code) == (400, "DMS.00400062")
    assert "start (1)" in message and "offset (11)" in message


def test_list_time_window_is_inclusive_on_created_at(emulator: Emulator, api: requests.Session) -> None:
    """begin_time/end_time (UTC, YYYYMMDDHHmmss) keep tasks created within the bounds, inclusive."""
    base = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    ids = {
        h: emulator.add_task(INSTANCE, created_at=base + timedelta(hours=h, milliseconds=500))
        for h in range(5)
    }
    body = api.get(
        tasks_url(emulator), params={"begin_time": "20240501130000", "end_time": "20240501150000"}
    ).json()
    assert body["task_count"] == "3"
    assert [t["id"] for t in body["tasks"]] == [ids[3], ids[2], ids[1]]
    only_begin = api.get(tasks_url(emulator), params={"begin_time": "20240501150000"}).json()
    assert [t["id"] for t in only_begin["tasks"]] == [ids[4], ids[3]]


def test_list_of_an_instance_without_tasks_is_empty(emulator: Emulator, api: requests.Session) -> None:
    """A known instance with no tasks lists task_count "0"."""
    emulator.add_instance("empty-inst")
    assert api.get(tasks_url(emulator, "empty-inst")).json() == {"task_count": "0", "tasks": []}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start": "-1"}, "start"),
        ({"start": "abc"}, "start"),
        ({"offset": "1.5"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"begin_time": "2024-01-01"}, "begin_time"),
        ({"end_time": "20241301000000"}, "end_time"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(
    emulator: Emulator, api: requests.Session, params: dict[str, str], named: str
) -> None:
    """An invalid start/offset/limit/begin_time/end_time is 400 DMS.00400062 naming it."""
    emulator.add_instance(INSTANCE)
    status, code, message = error_of(api.get(tasks_url(emulator), params=params))
    assert (status, code) == (400, "DMS.00400062")
    assert named in message


def test_delete_removes_the_record_with_an_empty_204(emulator: Emulator, api: requests.Session) -> None:
    """DELETE answers 204 without a body; the task is then gone from show and list."""
    keep = emulator.add_task(INSTANCE)
    task_id = emulator.add_task(INSTANCE)
    response = api.delete(tasks_url(emulator, task=task_id))
    assert response.status_code == 204 and response.content == b""
    assert error_of(api.get(tasks_url(emulator, task=task_id)))[:2] == (404, "DMS.00404023")
    assert [t["id"] for t in api.get(tasks_url(emulator)).json()["tasks"]] == [keep]
    assert error_of(api.delete(tasks_url(emulator, task=task_id)))[:2] == (404, "DMS.00404023")


# -- timelines and progress -------------------------------------------------------------------


def test_status_and_updated_at_follow_the_timeline(
    clocked: tuple[Emulator, ManualClock, requests.Session],
) -> None:
    """Before the first entry a task is CREATED; then each entry's status, with updated_at moving."""
    emu, clock, api = clocked
    task_id = emu.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 1}, {"status": "SUCCESS", "after": 2.5}]
    )

    def show() -> dict[str, str]:
        return api.get(tasks_url(emu, task=task_id)).json()["tasks"][0]

    first = show()
    assert (first["status"], first["created_at"], first["updated_at"]) == (
        "CREATED",
        "2024-01-02T03:04:05.678Z",
        "2024-01-02T03:04:05.678Z",
    )
    clock.advance(1)
    assert (show()["status"], show()["updated_at"]) == ("EXECUTING", "2024-01-02T03:04:06.678Z")
    clock.advance(1.4)
    assert show()["status"] == "EXECUTING"
    clock.advance(0.1)
    assert (show()["status"], show()["updated_at"]) == ("SUCCESS", "2024-01-02T03:04:08.178Z")
    assert show()["created_at"] == "2024-01-02T03:04:05.678Z"


def test_progress_tracks_the_timeline(clocked: tuple[Emulator, ManualClock, requests.Session]) -> None:
    """Progress gives percentage and remaining seconds to the terminal entry and one step per entry."""
    emu, clock, api = clocked
    task_id = emu.add_task(
        INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 10}]
    )
    url = tasks_url(emu, task=task_id) + "/progress"
    start_ms = int(T0.timestamp() * 1000)

    clock.advance(2.5)
    body = api.get(url).json()
    assert set(body) == {"progress_percentage", "remain_time", "step_list"}
    assert (body["progress_percentage"], body["remain_time"]) == (25, 8)
    assert body["step_list"] == [
        {"name": "EXECUTING", "statue": "IN_PROGRESS", "start_time": str(start_ms), "end_time": None},
        {"name": "SUCCESS", "statue": "WAITING", "start_time": None, "end_time": None},
    ]
    clock.advance(7.5)
    body = api.get(url).json()
    assert (body["progress_percentage"], body["remain_time"]) == (100, 0)
    assert [s["statue"] for s in body["step_list"]] == ["COMPLETED", "COMPLETED"]
    assert body["step_list"][0]["end_time"] == str(start_ms + 10_000)


def test_progress_marks_a_failed_step(clocked: tuple[Emulator, ManualClock, requests.Session]) -> None:
    """A task that reached FAILED reports 100 % with its last step FAILED."""
    emu, clock, api = clocked
    task_id = emu.add_task(
        INSTANCE,
        timeline=[
            {"status": "EXECUTING", "after": 0, "step": "restart"},
            {"status": "FAILED", "after": 4, "step": "done"},
        ],
    )
    clock.advance(5)
    body = api.get(tasks_url(emu, task=task_id) + "/progress").json()
    assert body["progress_percentage"] == 100
    assert [(s["name"], s["statue"]) for s in body["step_list"]] == [
        ("restart", "COMPLETED"),
        ("done", "FAILED"),
    ]


def test_progress_is_404_for_a_task_without_progress(emulator: Emulator, api: requests.Session) -> None:
    """A task created with progress=False has no progress record (404 DMS-style error)."""
    task_id = emulator.add_task(INSTANCE, progress=False)
    status, code, _ = error_of(api.get(tasks_url(emulator, task=task_id) + "/progress"))
    assert (status, code) == (404, "DMS.00404023")


def test_set_timeline_changes_a_task_future(clocked: tuple[Emulator, ManualClock, requests.Session]) -> None:
    """Re-timing a task through the handle or the admin API changes what show returns."""
    emu, clock, api = clocked
    task_id = emu.add_task(INSTANCE, timeline=[{"status": "EXECUTING", "after": 0}])
    clock.advance(5)
    emu.set_timeline(
        INSTANCE, task_id, [{"status": "EXECUTING", "after": 0}, {"status": "FAILED", "after": 3}]
    )
    assert api.get(tasks_url(emu, task=task_id)).json()["tasks"][0]["status"] == "FAILED"
    response = requests.put(
        f"{emu.url}/_emulator/instances/{INSTANCE}/tasks/{task_id}/timeline",
        json={"timeline": [{"status": "SUCCESS", "after": 4}]},
    )
    assert response.status_code == 200
    show = api.get(tasks_url(emu, task=task_id)).json()["tasks"][0]
    assert (show["status"], show["updated_at"]) == ("SUCCESS", "2024-01-02T03:04:09.678Z")
    with pytest.raises(KeyError):
        emu.set_timeline(INSTANCE, "f" * 32, [])


def test_first_read_timeline_waits_for_the_first_read(
    clocked: tuple[Emulator, ManualClock, requests.Session],
) -> None:
    """timeline_start="first_read": the timeline runs from the first show, however late it comes."""
    emu, clock, api = clocked
    task_id = emu.add_task(
        INSTANCE,
        timeline_start="first_read",
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 10}],
    )
    clock.advance(60)  # a slow set-up: a timeline counted from creation would be over by now
    assert emu.task(INSTANCE, task_id)["status"] == "EXECUTING"  # type: ignore[index]  # the handle does not start it
    first = api.get(tasks_url(emu, task=task_id)).json()["tasks"][0]
    assert (first["status"], first["created_at"], first["updated_at"]) == (
        "EXECUTING",
        "2024-01-02T03:04:05.678Z",
        "2024-01-02T03:05:05.678Z",
    )
    clock.advance(6)
    body = api.get(tasks_url(emu, task=task_id) + "/progress").json()
    assert (body["progress_percentage"], body["remain_time"]) == (60, 4)
    clock.advance(4)
    done = api.get(tasks_url(emu, task=task_id)).json()["tasks"][0]
    assert (done["status"], done["updated_at"]) == ("SUCCESS", "2024-01-02T03:05:15.678Z")


@pytest.mark.parametrize("first_call", ["list", "progress"])
def test_first_read_timeline_starts_on_a_list_or_progress_read(
    clocked: tuple[Emulator, ManualClock, requests.Session], first_call: str
) -> None:
    """A list page that holds the task, or its progress, counts as its first read too."""
    emu, clock, api = clocked
    task_id = emu.add_task(
        INSTANCE,
        timeline_start="first_read",
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 5}],
    )
    clock.advance(30)
    api.get(
        tasks_url(emu) if first_call == "list" else tasks_url(emu, task=task_id) + "/progress"
    ).raise_for_status()
    clock.advance(4)
    assert api.get(tasks_url(emu, task=task_id)).json()["tasks"][0]["status"] == "EXECUTING"
    clock.advance(1)
    assert api.get(tasks_url(emu)).json()["tasks"][0]["status"] == "SUCCESS"


def test_first_read_timeline_through_the_admin_api(
    clocked: tuple[Emulator, ManualClock, requests.Session],
) -> None:
    """The admin API takes "timeline_start" and refuses any other value naming the field."""
    emu, clock, api = clocked
    admin = f"{emu.url}/_emulator/instances/{INSTANCE}/tasks"
    created = requests.post(
        admin,
        json={
            "timeline_start": "first_read",
            "timeline": [{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 3}],
        },
    )
    assert created.status_code == 201
    clock.advance(20)
    assert api.get(tasks_url(emu, task=created.json()["id"])).json()["tasks"][0]["status"] == "EXECUTING"
    bad = requests.post(admin, json={"timeline_start": "first_call"})
    assert bad.status_code == 400 and bad.json()["field"] == "timeline_start"
    assert "first_read" in bad.json()["error_msg"]


def test_demo_tasks_have_fixed_ids_and_finish_on_schedule() -> None:
    """demo=True seeds fixed ids that succeed at 3 s and fail at 4 s, next to an old finished task."""
    clock = ManualClock()
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, clock=clock, demo=True) as emu:
        with signed_session(clock=clock) as api:

            def statuses() -> dict[str, str]:
                tasks = api.get(tasks_url(emu, DEMO_INSTANCE_ID)).json()["tasks"]
                return {t["id"]: t["status"] for t in tasks}

            assert statuses() == {
                DEMO_TASK_SUCCEEDS: "EXECUTING",
                DEMO_TASK_FAILS: "EXECUTING",
                DEMO_TASK_OLD: "SUCCESS",
            }
            clock.advance(3)
            assert statuses()[DEMO_TASK_SUCCEEDS] == "SUCCESS" and statuses()[DEMO_TASK_FAILS] == "EXECUTING"
            clock.advance(1)
            assert statuses()[DEMO_TASK_FAILS] == "FAILED"


# -- faults -----------------------------------------------------------------------------------


def test_status_fault_answers_huawei_shaped_error_with_retry_after(
    emulator: Emulator, api: requests.Session
) -> None:
    """A status fault returns that status, a DMS/APIGW error body and Retry-After, then normal answers."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=503, retry_after=2)
    emulator.add_fault("status", status=429)
    first = api.get(tasks_url(emulator, task=task_id))
    assert (first.status_code, first.headers["Retry-After"]) == (503, "2")
    assert first.json() == {"error_code": "DMS.00500000", "error_msg": "Internal error"}
    second = api.get(tasks_url(emulator, task=task_id))
    assert second.status_code == 429 and "Retry-After" not in second.headers
    assert second.json()["error_code"] == "APIGW.0308"
    assert second.json()["request_id"] == second.headers["X-Request-Id"]
    assert api.get(tasks_url(emulator, task=task_id)).status_code == 200


def test_faults_are_fifo_counted_and_filtered_by_operation(emulator: Emulator, api: requests.Session) -> None:
    """Faults for one operation leave others alone, are served count times in FIFO order, and are counted."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=500, count=2, operation="list")
    emulator.add_fault("status", status=502, operation="list")
    assert api.get(tasks_url(emulator, task=task_id)).status_code == 200
    assert [api.get(tasks_url(emulator)).status_code for _ in range(4)] == [500, 500, 502, 200]
    counts = emulator.request_counts()
    assert counts["faults_served"] == 3
    assert counts["by_operation"] == {"show": 1, "list": 4, "progress": 0, "delete": 0}
    assert [entry["fault"] for entry in counts["log"]] == [None, "status", "status", "status", None]


def test_faults_are_not_consumed_by_rejected_calls(emulator: Emulator) -> None:
    """An unsigned call is refused with 401 and leaves the queued fault for the next signed call."""
    emulator.add_instance(INSTANCE)
    emulator.add_fault("status", status=500)
    assert requests.get(tasks_url(emulator)).status_code == 401
    with signed_session() as api:
        assert api.get(tasks_url(emulator)).status_code == 500
    counts = emulator.request_counts()
    assert (counts["rejected"], counts["faults_served"], counts["total"]) == (1, 1, 2)


def test_delay_fault_answers_late_but_correctly(emulator: Emulator, api: requests.Session) -> None:
    """A delay fault sleeps before the normal answer (and can trip a client read timeout)."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("delay", delay=0.3)
    began = time.monotonic()
    response = api.get(tasks_url(emulator, task=task_id))
    assert time.monotonic() - began >= 0.3
    assert response.json()["tasks"][0]["id"] == task_id
    emulator.add_fault("delay", delay=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(tasks_url(emulator, task=task_id), timeout=(2, 0.2))


def test_drop_fault_closes_the_connection_without_a_response(
    emulator: Emulator, api: requests.Session
) -> None:
    """A drop fault hangs up with nothing sent; the client sees a connection error."""
    emulator.add_instance(INSTANCE)
    emulator.add_fault("drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get(tasks_url(emulator))
    assert api.get(tasks_url(emulator)).status_code == 200


def test_malformed_fault_sends_invalid_json(emulator: Emulator, api: requests.Session) -> None:
    """A malformed fault is a 200 whose body is '{not json'."""
    emulator.add_instance(INSTANCE)
    emulator.add_fault("malformed")
    response = api.get(tasks_url(emulator))
    assert (response.status_code, response.content) == (200, b"{not json")
    with pytest.raises(ValueError):
        response.json()


def test_truncated_fault_sends_half_a_document_with_matching_length(
    emulator: Emulator, api: requests.Session
) -> None:
    """A truncated fault is a complete HTTP 200 whose JSON body stops half way."""
    task_id = emulator.add_task(INSTANCE)
    full = api.get(tasks_url(emulator, task=task_id)).content
    emulator.add_fault("truncated")
    response = api.get(tasks_url(emulator, task=task_id))
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) == len(full) // 2
    assert full.startswith(response.content)
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_short_read_fault_promises_more_bytes_than_it_sends(emulator: Emulator) -> None:
    """A short_read fault declares a Content-Length, sends fewer bytes and closes the connection."""
    emulator.add_task(INSTANCE)
    emulator.add_fault("short_read")
    url = tasks_url(emulator)
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json", "Host": parts.netloc}
    headers.update(AkSkAuth(TEST_AK, TEST_SK).signature_headers("GET", url, headers))
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", parts.path, headers=headers)
        response = conn.getresponse()
        declared = int(response.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
        assert 0 < len(caught.value.partial) < declared
    finally:
        conn.close()
    with signed_session() as api, pytest.raises(requests.exceptions.RequestException):
        emulator.add_fault("short_read")
        api.get(url)


def test_wrong_shape_fault_sends_valid_json_of_the_wrong_shape(
    emulator: Emulator, api: requests.Session
) -> None:
    """A wrong_shape fault is a 200 with {"tasks": "nope"}."""
    emulator.add_instance(INSTANCE)
    emulator.add_fault("wrong_shape")
    response = api.get(tasks_url(emulator))
    assert (response.status_code, response.json()) == (200, {"tasks": "nope"})


def test_faults_queued_through_the_admin_api(emulator: Emulator, api: requests.Session) -> None:
    """POST /_emulator/faults queues faults the same way the handle does."""
    emulator.add_instance(INSTANCE)
    response = requests.post(
        f"{emulator.url}/_emulator/faults", json={"kind": "status", "status": 504, "count": 2}
    )
    assert response.status_code == 201
    assert [api.get(tasks_url(emulator)).status_code for _ in range(3)] == [504, 504, 200]


# -- authentication -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ak", "sk", "fragment"),
    [(TEST_AK, "wrong-secret", "signature"), ("AKUNKNOWN00000000000", TEST_SK, "access key")],
)
def test_bad_credentials_are_401_apigw_0301(emulator: Emulator, ak: str, sk: str, fragment: str) -> None:
    """A wrong secret key or an unknown access key is refused with 401 APIGW.0301 and a request id."""
    emulator.add_instance(INSTANCE)
    with signed_session(ak, sk) as session:
        response = session.get(tasks_url(emulator))
    status, code, message = error_of(response)
    assert (status, code) == (401, "APIGW.0301") and fragment in message
    assert response.json()["request_id"] == response.headers["X-Request-Id"]
    assert emulator.request_counts()["rejected"] == 1


def test_signed_headers_edited_after_signing_is_refused(emulator: Emulator) -> None:
    """Dropping host from SignedHeaders after signing breaks the signature: 401 APIGW.0301."""
    emulator.add_instance(INSTANCE)
    url = tasks_url(emulator)
    headers = {"Content-Type": "application/json"}
    signed = AkSkAuth(TEST_AK, TEST_SK).signature_headers("GET", url, headers)
    signed["Authorization"] = signed["Authorization"].replace("content-type;host;", "content-type;")
    status, code, message = error_of(requests.get(url, headers={**headers, **signed}))
    assert (status, code) == (401, "APIGW.0301") and "signature" in message


def test_host_left_unsigned_like_the_go_sdk_is_accepted(emulator: Emulator) -> None:
    """A signature over X-Project-Id and X-Sdk-Date only (what the Go SDK signs) is served."""
    emulator.add_instance(INSTANCE)
    url = tasks_url(emulator)
    date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Type": "application/json", "X-Project-Id": TEST_PROJECT, "X-Sdk-Date": date}
    names = ["x-project-id", "x-sdk-date"]
    canonical = canonical_request("GET", urlsplit(url).path, [], headers, names, None)
    signature = sign_string(TEST_SK, string_to_sign(canonical, date))
    headers["Authorization"] = (
        f"SDK-HMAC-SHA256 Access={TEST_AK}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    response = requests.get(url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {"task_count": "0", "tasks": []}
    # The project in the path is signed: the same headers on another project's path are refused.
    other = url.replace(TEST_PROJECT, "f" * 32)
    assert error_of(requests.get(other, headers=headers, timeout=10))[:2] == (401, "APIGW.0301")


def test_missing_authorization_is_refused(emulator: Emulator) -> None:
    """An unsigned call gets 401 APIGW.0301."""
    emulator.add_instance(INSTANCE)
    assert error_of(requests.get(tasks_url(emulator)))[:2] == (401, "APIGW.0301")


@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_skewed_date_is_401_apigw_0303(emulator: Emulator, skew: timedelta) -> None:
    """An X-Sdk-Date more than 15 minutes off is refused with APIGW.0303."""
    emulator.add_instance(INSTANCE)
    with signed_session(clock=lambda: datetime.now(UTC) + skew) as session:
        assert error_of(session.get(tasks_url(emulator)))[:2] == (401, "APIGW.0303")


def test_security_token_is_required_when_configured() -> None:
    """With a security token configured, calls without it or with another are refused."""
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, security_token="tok+en/with=chars") as emu:
        emu.add_instance(INSTANCE)
        with signed_session(token="tok+en/with=chars") as good:
            assert good.get(tasks_url(emu)).status_code == 200
        for token in (None, "another-token"):
            with signed_session(token=token) as bad:
                assert error_of(bad.get(tasks_url(emu)))[:2] == (401, "APIGW.0301")


# -- errors -----------------------------------------------------------------------------------


def test_another_project_is_403_naming_it(emulator: Emulator, api: requests.Session) -> None:
    """A project id that is not the emulator's gets 403 DMS.00403003 naming that project."""
    emulator.add_instance(INSTANCE)
    status, code, message = error_of(api.get(tasks_url(emulator, project="f" * 32)))
    assert (status, code) == (403, "DMS.00403003") and "f" * 32 in message


@pytest.mark.parametrize(
    "suffix", ["", "/0123456789abcdef0123456789abcdef", "/0123456789abcdef0123456789abcdef/progress"]
)
def test_unknown_instance_is_404_dms_00404022(emulator: Emulator, api: requests.Session, suffix: str) -> None:
    """Every operation on an unknown instance is 404 DMS.00404022."""
    status, code, message = error_of(api.get(tasks_url(emulator, "no-such-instance") + suffix))
    assert (status, code, message) == (404, "DMS.00404022", "The instance does not exist")


def test_unknown_task_is_404_dms_00404023(emulator: Emulator, api: requests.Session) -> None:
    """A well-formed unknown task id is 404 DMS.00404023 for show, progress and delete."""
    emulator.add_instance(INSTANCE)
    url = tasks_url(emulator, task="0" * 32)
    for response in (api.get(url), api.get(url + "/progress"), api.delete(url)):
        assert error_of(response) == (404, "DMS.00404023", "The task does not exist")


@pytest.mark.parametrize(
    "task_id", ["0123456789ABCDEF0123456789ABCDEF", "abc", "01234567-89ab-cdef-0123-456789abcdef", "g" * 32]
)
def test_malformed_task_id_is_400_dms_00400070(
    emulator: Emulator, api: requests.Session, task_id: str
) -> None:
    """A task id that is not 32 lower-case hex is 400 DMS.00400070."""
    emulator.add_instance(INSTANCE)
    assert error_of(api.get(tasks_url(emulator, task=task_id)))[:2] == (400, "DMS.00400070")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/{p}/instances"),
        ("POST", "/v2/{p}/instances/i/tasks"),
        ("PUT", "/v2/{p}/instances/i/tasks/" + "a" * 32),
        ("GET", "/"),
    ],
)
def test_unknown_api_is_404_apigw_0101(
    emulator: Emulator, api: requests.Session, method: str, path: str
) -> None:
    """An unknown path or method is the gateway's 404 APIGW.0101, even before authentication."""
    url = emulator.url + path.format(p=emulator.project_id)
    for session in (api, requests.Session()):
        status, code, message = error_of(session.request(method, url))
        assert (status, code) == (404, "APIGW.0101")
        assert message == "The API does not exist or has not been published in the environment"


def test_every_response_carries_a_fresh_request_id(emulator: Emulator, api: requests.Session) -> None:
    """Successes, errors, faults, admin calls and protocol errors all carry a new 32-hex X-Request-Id."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=500, operation="progress")
    responses = [
        api.get(tasks_url(emulator, task=task_id)),
        api.get(tasks_url(emulator)),
        api.get(tasks_url(emulator, task=task_id) + "/progress"),
        api.get(tasks_url(emulator, task="0" * 32)),
        api.get(emulator.url + "/nowhere"),
        requests.get(tasks_url(emulator)),
        requests.get(emulator.url + "/_emulator/requests"),
        api.delete(tasks_url(emulator, task=task_id)),
    ]
    ids = [r.headers["X-Request-Id"] for r in responses]
    address = (urlsplit(emulator.url).hostname, urlsplit(emulator.url).port)
    raw_requests = {
        b"NONSENSE\r\n\r\n": 400,
        b"GET / HTTP/2.0\r\n\r\n": 505,
        b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n": 400,
    }
    for raw_request, status in raw_requests.items():
        with socket.create_connection(address, timeout=5) as raw:
            raw.sendall(raw_request)
            head = raw.recv(65536).decode("latin-1")
        assert head.startswith(f"HTTP/1.1 {status}")
        ids.append(re.search(r"X-Request-Id: (\S+)", head).group(1))  # type: ignore[union-attr]
    assert all(HEX32.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_connections_are_kept_alive_and_every_body_has_a_length(emulator: Emulator) -> None:
    """Several calls run over one HTTP/1.1 connection, each response framed by Content-Length."""
    task_id = emulator.add_task(INSTANCE)
    parts = urlsplit(emulator.url)
    assert parts.hostname is not None
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    auth = AkSkAuth(TEST_AK, TEST_SK)
    sockets = set()
    try:
        for suffix in (f"/{task_id}", "", f"/{'0' * 32}", f"/{task_id}/progress"):
            target = f"/v2/{emulator.project_id}/instances/{INSTANCE}/tasks{suffix}"
            headers = {"Content-Type": "application/json", "Host": parts.netloc}
            headers.update(auth.signature_headers("GET", emulator.url + target, headers))
            conn.request("GET", target, headers=headers)
            response = conn.getresponse()
            body = response.read()
            assert response.version == 11 and not response.will_close
            assert int(response.headers["Content-Length"]) == len(body) > 0
            sockets.add(id(conn.sock))
    finally:
        conn.close()
    assert len(sockets) == 1


# -- load -------------------------------------------------------------------------------------


def test_two_hundred_parallel_requests_from_several_clients_all_succeed(emulator: Emulator) -> None:
    """200 concurrent signed calls over 4 sessions all get the right answer."""
    instances = [f"inst-{i}" for i in range(4)]
    tasks = {iid: [emulator.add_task(iid, params={"n": n}) for n in range(5)] for iid in instances}
    sessions = [signed_session() for _ in range(4)]
    for session in sessions:
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=16)
        session.mount("http://", adapter)

    def call(i: int) -> bool:
        session = sessions[i % len(sessions)]
        iid = instances[i % len(instances)]
        if i % 3 == 0:
            body = session.get(tasks_url(emulator, iid), timeout=30).json()
            return body["task_count"] == "5" and {t["id"] for t in body["tasks"]} == set(tasks[iid])
        task_id = tasks[iid][i % 5]
        body = session.get(tasks_url(emulator, iid, task_id), timeout=30).json()
        return body["tasks"][0]["id"] == task_id and body["tasks"][0]["params"] == f'{{"n":{i % 5}}}'

    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(call, range(200)))
    finally:
        for session in sessions:
            session.close()
    assert all(results)
    counts = emulator.request_counts()
    assert (counts["total"], counts["rejected"]) == (200, 0)


# -- admin API ----------------------------------------------------------------------------------


def test_admin_api_seeds_instances_and_tasks(emulator: Emulator, api: requests.Session) -> None:
    """POST instances (201) and tasks (201 with a 32-hex id) make them visible to the signed API."""
    admin = f"{emulator.url}/_emulator"
    assert requests.post(f"{admin}/instances", json={"instance_id": "adm-1"}).status_code == 201
    assert api.get(tasks_url(emulator, "adm-1")).json() == {"task_count": "0", "tasks": []}
    response = requests.post(
        f"{admin}/instances/adm-2/tasks",
        json={
            "name": "modifyAutoTopic",
            "params": '{"x":1}',
            "user_name": "bob",
            "timeline": [{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 600}],
            "created_at": "2024-01-02T03:04:05.006Z",
            "id": "ab" * 16,
        },
    )
    assert response.status_code == 201 and response.json() == {"id": "ab" * 16}
    task = api.get(tasks_url(emulator, "adm-2", "ab" * 16)).json()["tasks"][0]
    assert (task["name"], task["params"], task["user_name"]) == ("modifyAutoTopic", '{"x":1}', "bob")
    assert task["created_at"] == "2024-01-02T03:04:05.006Z"
    assert task["updated_at"] == "2024-01-02T03:14:05.006Z"
    duplicate = requests.post(f"{admin}/instances/adm-2/tasks", json={"id": "ab" * 16})
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "id"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("instances", {}, "instance_id"),
        ("instances", {"instance_id": ""}, "instance_id"),
        ("instances/i/tasks", {"timeline": "soon"}, "timeline"),
        ("instances/i/tasks", {"timeline": [{"status": "SUCCESS", "after": -1}]}, "timeline[0].after"),
        ("instances/i/tasks", {"timeline": [{"after": 1}]}, "timeline[0].status"),
        ("instances/i/tasks", {"params": 5}, "params"),
        ("instances/i/tasks", {"created_at": "yesterday"}, "created_at"),
        ("instances/i/tasks", {"progress": "yes"}, "progress"),
        ("instances/i/tasks", {"id": "XYZ"}, "id"),
        ("instances/i/tasks", {"nmae": "typo"}, "nmae"),
        ("instances/i/tasks", [1, 2], "body"),
        ("faults", {"kind": "explode"}, "kind"),
        ("faults", {}, "kind"),
        ("faults", {"kind": "status"}, "status"),
        ("faults", {"kind": "delay"}, "delay"),
        ("faults", {"kind": "drop", "operation": "create"}, "operation"),
        ("faults", {"kind": "drop", "count": 0}, "count"),
        ("instances", {"instance_id": "i", "engine": "kafka4"}, "engine"),
        ("instances/i/changes", {"created_at": "2024-01-02T03:04:05Z"}, "created_at"),
        ("instances/i/changes", {"id": "ab" * 16}, "id"),
        ("instances/i/changes", {"timeline": [{"after": 1}]}, "timeline[0].status"),
        ("instances/i/busy", {}, "tasks"),
        ("instances/i/busy", {"tasks": []}, "tasks"),
        ("instances/i/busy", {"tasks": [{"seconds": 0}]}, "tasks[0].seconds"),
        ("instances/i/busy", {"tasks": [{"seconds": 2}, {"final": "DONE"}]}, "tasks[1].final"),
        ("instances/i/busy", {"tasks": [{"timeline": []}]}, "tasks[0].timeline"),
        ("instances/i/busy", {"tasks": [{"name": ""}]}, "tasks[0].name"),
    ],
)
def test_admin_rejects_bad_bodies_naming_the_field(
    emulator: Emulator, path: str, body: Any, field: str
) -> None:
    """Invalid admin bodies are 400 with the offending field named."""
    response = requests.post(f"{emulator.url}/_emulator/{path}", json=body)
    assert response.status_code == 400
    assert response.json()["field"] == field and field in response.json()["error_msg"]
    assert emulator.request_counts()["total"] == 0


def test_admin_rejects_invalid_json(emulator: Emulator) -> None:
    """A body that is not JSON is 400 naming the body."""
    response = requests.post(
        f"{emulator.url}/_emulator/instances/i/tasks",
        data=b"{oops",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["field"] == "body"


def test_admin_requests_reports_counters_and_log(emulator: Emulator, api: requests.Session) -> None:
    """GET /_emulator/requests gives totals per operation, rejections, faults and a request log."""
    task_id = emulator.add_task(INSTANCE)
    api.get(tasks_url(emulator, task=task_id), params={"x": "1"})
    api.get(tasks_url(emulator, task=task_id) + "/progress")
    requests.get(tasks_url(emulator))
    body = requests.get(f"{emulator.url}/_emulator/requests").json()
    assert body["total"] == 3 and body["rejected"] == 1 and body["faults_served"] == 0
    assert body["by_operation"] == {"show": 1, "list": 1, "progress": 1, "delete": 0}
    assert [(e["method"], e["operation"], e["status"]) for e in body["log"]] == [
        ("GET", "show", 200),
        ("GET", "progress", 200),
        ("GET", "list", 401),
    ]
    assert body["log"][0]["path"] == f"/v2/{emulator.project_id}/instances/{INSTANCE}/tasks/{task_id}"


def test_admin_delete_state_forgets_everything(emulator: Emulator, api: requests.Session) -> None:
    """DELETE /_emulator/state (204) drops instances, tasks, faults and counters."""
    emulator.add_task(INSTANCE)
    emulator.add_fault("status", status=500, operation="show")
    api.get(tasks_url(emulator))
    assert requests.delete(f"{emulator.url}/_emulator/state").status_code == 204
    assert emulator.request_counts()["total"] == 0
    assert error_of(api.get(tasks_url(emulator)))[:2] == (404, "DMS.00404022")
    assert emulator.pending_faults() == []


def test_admin_timeline_of_unknown_task_is_404(emulator: Emulator) -> None:
    """Re-timing a task that does not exist is 404."""
    response = requests.put(
        f"{emulator.url}/_emulator/instances/i/tasks/{'0' * 32}/timeline", json={"timeline": []}
    )
    assert response.status_code == 404


def _non_loopback_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent; this only picks a route
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_admin_api_refuses_non_loopback_clients() -> None:
    """When listening on all interfaces, admin calls from a non-loopback address get 403."""
    address = _non_loopback_address()
    if address is None:
        pytest.skip("no non-loopback IPv4 address on this machine")
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, host="0.0.0.0") as emu:
        port = urlsplit(emu.url).port
        remote = requests.get(f"http://{address}:{port}/_emulator/requests", timeout=5)
        assert remote.status_code == 403
        assert requests.get(f"http://127.0.0.1:{port}/_emulator/requests", timeout=5).status_code == 200


# -- lifecycle and the Python handle --------------------------------------------------------------


def test_leaving_the_context_closes_the_port_even_with_idle_connections() -> None:
    """Exiting Emulator stops promptly with an idle keep-alive open, and the port refuses calls."""
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT) as emu:
        emu.add_instance(INSTANCE)
        idle = signed_session()
        assert idle.get(tasks_url(emu)).status_code == 200
        url = emu.url
        began = time.monotonic()
    assert time.monotonic() - began < 3
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/_emulator/requests", timeout=2)
    idle.close()


def test_a_pending_delay_does_not_hold_up_shutdown() -> None:
    """Stopping the emulator while a delay fault is sleeping returns quickly."""
    with Emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT) as emu:
        emu.add_instance(INSTANCE)
        emu.add_fault("delay", delay=30)
        failure: list[BaseException] = []

        def slow_call() -> None:
            try:
                with signed_session() as session:
                    session.get(tasks_url(emu), timeout=10)
            except requests.RequestException as exc:
                failure.append(exc)

        worker = threading.Thread(target=slow_call)
        worker.start()
        deadline = time.monotonic() + 5
        while emu.request_counts()["faults_served"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        began = time.monotonic()
    assert time.monotonic() - began < 3
    worker.join(5)
    assert failure and isinstance(failure[0], requests.exceptions.ConnectionError)


def test_handle_validates_its_arguments(emulator: Emulator) -> None:
    """Bad task or fault arguments raise ValueError naming the argument."""
    with pytest.raises(ValueError, match=r"timeline\[0\]\.after"):
        emulator.add_task(INSTANCE, timeline=[{"status": "SUCCESS", "after": "later"}])
    with pytest.raises(ValueError, match="task_id"):
        emulator.add_task(INSTANCE, task_id="NOT-HEX")
    with pytest.raises(ValueError, match="timeline_start"):
        emulator.add_task(INSTANCE, timeline_start="first")
    with pytest.raises(ValueError, match="kind"):
        emulator.add_fault("explode")
    with pytest.raises(ValueError, match="status"):
        emulator.add_fault("status", status=200)
    with pytest.raises(ValueError, match="port"):
        with Emulator(ak="a", sk="s", project_id="p", port=70000):
            pass


def test_handle_describes_the_running_emulator(emulator: Emulator) -> None:
    """The handle exposes url/endpoint, project id and access key, never the secret."""
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emulator.url)
    assert (emulator.project_id, emulator.ak) == (TEST_PROJECT, TEST_AK)
    assert TEST_SK not in repr(emulator)
    task_id = emulator.add_task(INSTANCE, task_id="c" * 32)
    assert task_id == "c" * 32 and emulator.task(INSTANCE, task_id)["status"] == "SUCCESS"  # type: ignore[index]


def test_add_task_validates_like_the_admin_api(emulator: Emulator) -> None:
    """A task refused by the admin API is refused by add_task too, naming the same field."""
    admin = requests.post(
        f"{emulator.url}/_emulator/instances/{INSTANCE}/tasks", json={"name": ""}, timeout=5
    )
    assert admin.status_code == 400 and "name" in admin.text
    with pytest.raises(ValueError, match="name"):
        emulator.add_task(INSTANCE, name="")
    with pytest.raises(ValueError, match=r"timeline\[0\]\.after"):
        emulator.add_task(INSTANCE, timeline=[{"status": "SUCCESS", "after": 1e308}])
    assert emulator.request_counts()["total"] == 0 or emulator.task(INSTANCE, "0" * 32) is None


def test_run_emulator_still_works_but_is_deprecated() -> None:
    """Programs written against the old README keep working, with a DeprecationWarning."""
    from pulumi_dms_tasks.emulator import run_emulator

    with pytest.warns(DeprecationWarning, match="Emulator"):
        context = run_emulator(ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT)
    with context as emu:
        task_id = emu.add_task(INSTANCE)
        assert emu.task(INSTANCE, task_id)["status"] == "SUCCESS"  # type: ignore[index]
