"""Demo data with fixed ids, for ``--demo`` and ``run_emulator(demo=True)``.

Times are relative to when the emulator starts:

====================================  ==================================  ==========================
instance                              task id                             life
====================================  ==================================  ==========================
11111111-2222-3333-4444-555555555555  d0000000000000000000000000000001    EXECUTING, SUCCESS at 3 s
11111111-2222-3333-4444-555555555555  d0000000000000000000000000000002    EXECUTING, FAILED at 4 s
11111111-2222-3333-4444-555555555555  d0000000000000000000000000000003    SUCCESS two days ago
66666666-7777-8888-9999-aaaaaaaaaaaa  d0000000000000000000000000000004    CREATED, EXECUTING at 1 s,
                                                                          SUCCESS at 30 s
66666666-7777-8888-9999-aaaaaaaaaaaa  d0000000000000000000000000000005    CANCELLED a day ago, no
                                                                          progress record
====================================  ==================================  ==========================
"""

from __future__ import annotations

from datetime import timedelta

from ._specs import TaskSpec
from ._state import Store
from ._timeline import TimelineEntry

__all__ = [
    "DEMO_INSTANCE_ID",
    "DEMO_INSTANCE_ID_2",
    "DEMO_TASK_CANCELLED",
    "DEMO_TASK_FAILS",
    "DEMO_TASK_OLD",
    "DEMO_TASK_SLOW",
    "DEMO_TASK_SUCCEEDS",
    "describe_demo",
    "seed_demo",
]

DEMO_INSTANCE_ID = "11111111-2222-3333-4444-555555555555"
DEMO_INSTANCE_ID_2 = "66666666-7777-8888-9999-aaaaaaaaaaaa"
DEMO_TASK_SUCCEEDS = "d0000000000000000000000000000001"
DEMO_TASK_FAILS = "d0000000000000000000000000000002"
DEMO_TASK_OLD = "d0000000000000000000000000000003"
DEMO_TASK_SLOW = "d0000000000000000000000000000004"
DEMO_TASK_CANCELLED = "d0000000000000000000000000000005"

_E = TimelineEntry


def seed_demo(store: Store) -> None:
    """Add the demo instances and tasks, timed from the store's current clock."""
    now = store.now()
    # (instance, id, name, params, timeline, created offset, progress)
    tasks = [
        (
            DEMO_INSTANCE_ID,
            DEMO_TASK_OLD,
            "changeRetentionPolicy",
            '{"retention_policy":"time_base"}',
            (_E("EXECUTING", 0), _E("SUCCESS", 42)),
            timedelta(days=-2),
            True,
        ),
        (
            DEMO_INSTANCE_ID,
            DEMO_TASK_SUCCEEDS,
            "bindInstancePublicIp",
            '{"public_bandwidth":"100"}',
            (_E("EXECUTING", 0, "bindEip"), _E("SUCCESS", 3, "done")),
            timedelta(0),
            True,
        ),
        (
            DEMO_INSTANCE_ID,
            DEMO_TASK_FAILS,
            "modifyAutoTopic",
            '{"enable_auto_topic":"true"}',
            (_E("EXECUTING", 0, "restartBrokers"), _E("FAILED", 4, "done")),
            timedelta(0),
            True,
        ),
        (
            DEMO_INSTANCE_ID_2,
            DEMO_TASK_CANCELLED,
            "unbindInstancePublicIp",
            "",
            (_E("CANCELLED", 0),),
            timedelta(days=-1),
            False,
        ),
        (
            DEMO_INSTANCE_ID_2,
            DEMO_TASK_SLOW,
            "kafkaConfigModify",
            '{"configs":"log.retention.hours=72"}',
            (_E("EXECUTING", 1, "applyConfig"), _E("SUCCESS", 30, "done")),
            timedelta(0),
            True,
        ),
    ]
    for instance_id, task_id, name, params, timeline, offset, progress in tasks:
        store.add_task(
            instance_id,
            TaskSpec(
                name=name,
                params_json=params,
                user_name="demo-user",
                timeline=timeline,
                created_at=now + offset,
                progress=progress,
                task_id=task_id,
            ),
        )


def describe_demo() -> list[str]:
    """One line per demo task, for the CLI to print."""
    return [
        f"demo instance {DEMO_INSTANCE_ID}: task {DEMO_TASK_SUCCEEDS} EXECUTING -> SUCCESS at +3s",
        f"demo instance {DEMO_INSTANCE_ID}: task {DEMO_TASK_FAILS} EXECUTING -> FAILED at +4s",
        f"demo instance {DEMO_INSTANCE_ID}: task {DEMO_TASK_OLD} SUCCESS two days ago",
        f"demo instance {DEMO_INSTANCE_ID_2}: task {DEMO_TASK_SLOW} CREATED -> EXECUTING at +1s -> SUCCESS at +30s",
        f"demo instance {DEMO_INSTANCE_ID_2}: task {DEMO_TASK_CANCELLED} CANCELLED a day ago (no progress)",
    ]
