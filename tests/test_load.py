"""Concurrency: many simultaneous calls through one client and through several, none lost or mixed up."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pulumi_dms_tasks._client import DmsClient
from pulumi_dms_tasks._models import Task
from pulumi_dms_tasks.emulator import Emulator
from tests.helpers import TEST_AK, TEST_PROJECT, TEST_SK

STATUSES = ["SUCCESS", "FAILED", "CANCELLED", "EXECUTING", "CREATED"]


def client_for(emulator: Emulator, **kwargs: Any) -> DmsClient:
    """A client for the emulator; no retries, so a lost request cannot be hidden by a retry."""
    return DmsClient(
        endpoint=emulator.url,
        project_id=TEST_PROJECT,
        ak=TEST_AK,
        sk=TEST_SK,
        env={},
        max_retries=0,
        read_timeout=30,
        **kwargs,
    )


def seed(emulator: Emulator, instances: int, per_instance: int) -> dict[tuple[str, str], dict[str, Any]]:
    """Tasks with distinct names, params and statuses; returns what each should look like."""
    expected = {}
    for i in range(instances):
        instance_id = f"inst-load-{i}"
        for n in range(per_instance):
            status = STATUSES[n % len(STATUSES)]
            timeline: list[Mapping[str, Any]] = (
                [{"status": status, "after": 0}]
                if status != "CREATED"
                else [{"status": "SUCCESS", "after": 3600}]
            )
            task_id = emulator.add_task(
                instance_id, name=f"task{i}x{n}", params={"i": i, "n": n}, timeline=timeline
            )
            expected[(instance_id, task_id)] = {
                "name": f"task{i}x{n}",
                "params": {"i": i, "n": n},
                "status": status,
            }
    return expected


def matches(task: Task, instance_id: str, task_id: str, want: dict[str, Any]) -> bool:
    return (
        task.id == task_id
        and task.instance_id == instance_id
        and task.name == want["name"]
        and task.params == want["params"]
        and task.status == want["status"]
    )


def test_two_hundred_concurrent_calls_through_one_client(emulator: Emulator) -> None:
    """200 show_task calls from 32 threads sharing one client all return the right task; 200 reach the server."""
    expected = seed(emulator, instances=4, per_instance=10)
    keys = list(expected)
    with client_for(emulator) as client:

        def call(i: int) -> bool:
            instance_id, task_id = keys[i % len(keys)]
            return matches(
                client.show_task(instance_id, task_id), instance_id, task_id, expected[(instance_id, task_id)]
            )

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(call, range(200)))
    assert results == [True] * 200
    counts = emulator.request_counts()
    assert (counts["total"], counts["by_operation"]["show"], counts["rejected"]) == (200, 200, 0)
    assert all(entry["status"] == 200 for entry in counts["log"])


def test_two_hundred_concurrent_calls_from_several_clients(emulator: Emulator) -> None:
    """200 mixed show/list/progress calls over 5 clients at once are all answered correctly; none lost."""
    expected = seed(emulator, instances=5, per_instance=6)
    keys = list(expected)
    clients = [client_for(emulator) for _ in range(5)]

    def call(i: int) -> str:
        client = clients[i % len(clients)]
        instance_id, task_id = keys[(i * 7) % len(keys)]
        if i % 10 == 0:
            tasks = client.list_tasks(instance_id)
            want = {t for (iid, t) in expected if iid == instance_id}
            return "list" if {t.id for t in tasks} == want and len(tasks) == len(want) else "bad list"
        if i % 10 == 1:
            progress = client.task_progress(instance_id, task_id)
            return "progress" if progress is not None and progress.step_list else "bad progress"
        task = client.show_task(instance_id, task_id)
        return "show" if matches(task, instance_id, task_id, expected[(instance_id, task_id)]) else "bad show"

    try:
        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(call, range(200)))
    finally:
        for client in clients:
            client.close()
    assert sorted(set(results)) == ["list", "progress", "show"], [r for r in results if r.startswith("bad")]
    counts = emulator.request_counts()
    assert counts["by_operation"] == {
        "show": results.count("show"),
        "list": results.count("list"),
        "progress": results.count("progress"),
        "delete": 0,
    }
    assert (counts["total"], counts["rejected"]) == (200, 0)
