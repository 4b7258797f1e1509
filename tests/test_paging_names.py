"""The list's first-index parameter has two names (``start``, ``offset``): the client pages right
on a server that honours either one only, and on the emulator, which honours both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from pulumi_dms_tasks import DmsClient
from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK
from tests.one_name_server import OneNameServer, run_one_name_server

INSTANCE = "11111111-2222-3333-4444-555555555555"
OTHER = {"start": "offset", "offset": "start"}


@pytest.fixture(params=["start", "offset"], ids=["start-only", "offset-only"])
def one_name(request: pytest.FixtureRequest) -> Iterator[OneNameServer]:
    with run_one_name_server(
        request.param, ak=TEST_AK, sk=TEST_SK, project_id=TEST_PROJECT, instance_id=INSTANCE, task_count=25
    ) as server:
        yield server


def _first_ids(server: OneNameServer, **params: int) -> list[str]:
    with requests.Session() as session:
        session.auth = AkSkAuth(TEST_AK, TEST_SK)
        url = f"{server.url}/v2/{TEST_PROJECT}/instances/{INSTANCE}/tasks"
        response = session.get(url, params={**params, "limit": 7}, timeout=10)
        response.raise_for_status()
        return [t["id"] for t in response.json()["tasks"]]


def test_the_server_really_ignores_the_other_name(one_name: OneNameServer) -> None:
    """Control: the honoured name moves the page, the other name alone gives the first page again."""
    first_page = one_name.task_ids()[:7]
    assert _first_ids(one_name, **{one_name.honours: 8}) == one_name.task_ids()[7:14]
    assert _first_ids(one_name, **{OTHER[one_name.honours]: 8}) == first_page


def test_client_pages_through_every_task_on_a_one_name_server(one_name: OneNameServer) -> None:
    """All 25 tasks, newest first, once each, in 4 pages of 7: whichever name the server knows."""
    with DmsClient(endpoint=one_name.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK) as client:
        ids = [t.id for t in client.iter_tasks(INSTANCE, page_size=7)]
    assert ids == one_name.task_ids()
    assert [q[one_name.honours] for q in one_name.queries] == ["1", "8", "15", "22"]


def test_client_sends_both_names_with_the_same_value(emulator: Emulator) -> None:
    """On the emulator (both names honoured, disagreeing values refused) paging still covers all."""
    base = datetime.now(UTC) - timedelta(hours=1)
    seeded = [emulator.add_task(INSTANCE, created_at=base + timedelta(seconds=i)) for i in range(12)]
    with DmsClient(endpoint=emulator.url, project_id=TEST_PROJECT, ak=TEST_AK, sk=TEST_SK) as client:
        ids = [t.id for t in client.iter_tasks(INSTANCE, page_size=5)]
    assert ids == list(reversed(seeded))
    log = [e["query"] for e in emulator.request_counts()["log"] if e["operation"] == "list"]
    assert log == [f"offset={s}&start={s}&limit=5" for s in (1, 6, 11)]
