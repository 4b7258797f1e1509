"""The vendor's Go and Java SDKs, as their users would use them (``KafkaClient``, basic AK/SK
credentials, the emulator's URL as endpoint), against the emulator: show, list page by page,
progress (Go), and the 401/404 shapes. The peers (tests/peers) print what their SDK returned.

Built with the machine's Go and Maven into a cache outside the clone; skipped, with the reason,
where a toolchain is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from pulumi_dms_tasks import DmsClient
from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks.emulator import Emulator
from tests.peers.build import Peer, PeerUnavailableError, build_go, build_java

AK = "AKSDKPEERS0000000001"
SK = "sk-Sdk-Peers-Secret-0123456789abcdefXYZ"
PROJECT = "fedcba9876543210fedcba9876543210"
INSTANCE = "22222222-3333-4444-5555-666666666666"
MISSING = "0" * 32
PAGE_SIZE = 4
REQUEST_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, Any]]:
    """One emulator with 15 tasks: 12 old ones, one to show, one running, one not started yet."""
    with Emulator(ak=AK, sk=SK, project_id=PROJECT) as emu:
        base = datetime.now(UTC) - timedelta(hours=2)
        for i in range(12):
            emu.add_task(INSTANCE, name="changeRetentionPolicy", created_at=base + timedelta(minutes=i))
        shown = emu.add_task(
            INSTANCE,
            name="modifyAutoTopic",
            params={"enable": True},
            user_name="alice",
            created_at=base + timedelta(minutes=30),
        )
        running = emu.add_task(
            INSTANCE,
            name="kafkaResize",
            timeline=[
                {"status": "EXECUTING", "after": 0, "step": "pre_check"},
                {"status": "SUCCESS", "after": 3600, "step": "disk_expansion"},
            ],
        )
        waiting = emu.add_task(
            INSTANCE,
            name="kafkaResize",
            timeline=[
                {"status": "EXECUTING", "after": 3600, "step": "pre_check"},
                {"status": "SUCCESS", "after": 7200, "step": "disk_expansion"},
            ],
        )
        plan = {
            "endpoint": emu.url,
            "ak": AK,
            "sk": SK,
            "wrong_sk": SK + "-wrong",
            "project_id": PROJECT,
            "instance_id": INSTANCE,
            "task_id": shown,
            "running_task_id": running,
            "waiting_task_id": waiting,
            "missing_task_id": MISSING,
            "page_size": PAGE_SIZE,
        }
        with DmsClient(endpoint=emu.url, project_id=PROJECT, ak=AK, sk=SK) as client:
            listed = [t.id for t in client.list_tasks(INSTANCE)]
        yield {"emu": emu, "plan": plan, "listed": listed, "shown": shown}


def _peer(build: Any) -> Peer:
    try:
        return build()
    except PeerUnavailableError as exc:
        pytest.skip(str(exc))


def _run(world: dict[str, Any], peer: Peer) -> dict[str, Any]:
    emu: Emulator = world["emu"]
    before = emu.request_counts()
    result = peer.run(world["plan"])
    after = emu.request_counts()
    result["_rejected"] = after["rejected"] - before["rejected"]
    return result


@pytest.fixture(scope="module")
def go_result(world: dict[str, Any]) -> dict[str, Any]:
    return _run(world, _peer(build_go))


@pytest.fixture(scope="module")
def java_result(world: dict[str, Any]) -> dict[str, Any]:
    return _run(world, _peer(build_java))


def _wire_task(emu: Emulator, task_id: str) -> dict[str, str]:
    with requests.Session() as session:
        session.auth = AkSkAuth(AK, SK)
        url = f"{emu.url}/v2/{PROJECT}/instances/{INSTANCE}/tasks/{task_id}"
        body: dict[str, Any] = session.get(
            url, headers={"Content-Type": "application/json"}, timeout=10
        ).json()
        return body["tasks"][0]


def _error_shape(outcome: dict[str, Any], status: int, code: str) -> None:
    assert outcome["ok"] is False, outcome
    assert (outcome["status_code"], outcome["error_code"]) == (status, code)
    assert outcome["error_message"]
    assert REQUEST_ID.fullmatch(outcome["request_id"])


# -- Go SDK (huaweicloud-sdk-go-v3 v0.1.207) ---------------------------------------------------------


def test_go_sdk_reads_a_task_field_for_field(world: dict[str, Any], go_result: dict[str, Any]) -> None:
    """ShowBackgroundTask decodes every field as the wire carries it."""
    show = go_result["show"]
    assert show["ok"], show
    assert show["response"]["task_count"] == "1"
    assert show["response"]["tasks"] == [_wire_task(world["emu"], world["shown"])]


def test_go_sdk_signs_without_host_and_is_served(go_result: dict[str, Any]) -> None:
    """The Go signer leaves Host (and Content-Type) unsigned; every good-key call is accepted."""
    signed = set(go_result["wire"]["signed_headers"])
    assert signed == {"user-agent;x-project-id;x-sdk-date"}
    assert go_result["_rejected"] == 1  # the wrong-secret call only


def test_go_sdk_lists_every_task_paging_by_offset(world: dict[str, Any], go_result: dict[str, Any]) -> None:
    """ListBackgroundTasks with offset += len(tasks): all 15 tasks, newest first, in pages of 4."""
    listing = go_result["list"]
    assert listing["ok"], listing
    assert listing["ids"] == world["listed"] and len(set(listing["ids"])) == 15
    assert [p["offset"] for p in listing["pages"]] == [1, 5, 9, 13]
    assert [q for q in go_result["wire"]["queries"] if q] == [
        f"limit={PAGE_SIZE}&offset={o}" for o in (1, 5, 9, 13)
    ]


def test_go_sdk_reads_progress_of_a_task_not_started(go_result: dict[str, Any]) -> None:
    """Progress of a queued task (every step WAITING, no times yet) decodes in the Go SDK."""
    progress = go_result["progress_waiting"]
    assert progress["ok"], progress
    body = progress["response"]
    assert body["progress_percentage"] == 0 and body["remain_time"] > 3000
    assert body["step_list"] == [
        {"name": "pre_check", "statue": "WAITING"},
        {"name": "disk_expansion", "statue": "WAITING"},
    ]


def test_go_sdk_reads_progress_of_a_running_task(go_result: dict[str, Any]) -> None:
    """A started step's times are epoch milliseconds as JSON strings (the API page's table types
    them String, as the Go SDK's model does); the Go SDK decodes them."""
    progress = go_result["progress_running"]
    assert progress["ok"], progress
    steps = progress["response"]["step_list"]
    assert steps[0]["statue"] in ("IN_PROGRESS", "COMPLETED")
    assert str(steps[0]["start_time"]).isdigit() and int(steps[0]["start_time"]) > 1_500_000_000_000


def test_go_sdk_gets_the_gateway_401_shape(go_result: dict[str, Any]) -> None:
    """A wrong secret key: ServiceResponseError 401 APIGW.0301 with the request id."""
    _error_shape(go_result["unauthorized"], 401, "APIGW.0301")


def test_go_sdk_gets_the_dms_404_shape(go_result: dict[str, Any]) -> None:
    """An unknown task id: ServiceResponseError 404 DMS.00404023 with the request id."""
    _error_shape(go_result["not_found"], 404, "DMS.00404023")


# -- Java SDK (huaweicloud-sdk-kafka 3.1.143) --------------------------------------------------------


def test_java_sdk_reads_a_task_field_for_field(world: dict[str, Any], java_result: dict[str, Any]) -> None:
    """showBackgroundTask decodes every field as the wire carries it."""
    show = java_result["show"]
    assert show["ok"], show
    assert show["response"] == {"task_count": "1", "tasks": [_wire_task(world["emu"], world["shown"])]}


def test_java_sdk_signs_host_and_is_served(java_result: dict[str, Any]) -> None:
    """The Java signer adds and signs Host; every good-key call is accepted."""
    assert {w["signed_headers"] for w in java_result["wire"]} == {"host;user-agent;x-project-id;x-sdk-date"}
    assert java_result["_rejected"] == 1


def test_java_sdk_lists_every_task_paging_by_start(
    world: dict[str, Any], java_result: dict[str, Any]
) -> None:
    """listBackgroundTasks with start += size: all 15 tasks, newest first, in pages of 4."""
    listing = java_result["list"]
    assert listing["ok"], listing
    assert listing["ids"] == world["listed"]
    assert [p["start"] for p in listing["pages"]] == [1, 5, 9, 13]
    assert [w["query"] for w in java_result["wire"] if w["query"]] == [
        f"start={s}&limit={PAGE_SIZE}" for s in (1, 5, 9, 13)
    ]


def test_java_sdk_gets_the_gateway_401_shape(java_result: dict[str, Any]) -> None:
    """A wrong secret key: ClientRequestException 401 APIGW.0301 with the request id."""
    _error_shape(java_result["unauthorized"], 401, "APIGW.0301")
    assert java_result["unauthorized"]["error_type"] == "ClientRequestException"


def test_java_sdk_gets_the_dms_404_shape(java_result: dict[str, Any]) -> None:
    """An unknown task id: ClientRequestException 404 DMS.00404023 with the request id."""
    _error_shape(java_result["not_found"], 404, "DMS.00404023")
    assert java_result["not_found"]["error_type"] == "ClientRequestException"
