"""A local emulator of the Huawei Cloud DMS background-task API, for tests and demos.

It is a real HTTP/1.1 server on loopback that speaks the cloud's wire contract, so our client and
the vendor SDK (``huaweicloudsdkkafka.v2.KafkaClient``) talk to it unchanged:

* cloud API, every call signed with ``SDK-HMAC-SHA256`` (checked by
  :func:`pulumi_dms_tasks.emulator._verify.verify_request`):
  ``GET/DELETE /v2/{project_id}/instances/{instance_id}/tasks/{task_id}``,
  ``GET /v2/{project_id}/instances/{instance_id}/tasks?start=&limit=&begin_time=&end_time=``,
  ``GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}/progress``;
* admin API, unsigned, loopback-only and JSON-only (no cross-site calls), under ``/_emulator/``: seed instances and tasks with
  scripted timelines, re-time tasks, queue faults, read request counters, reset; make a change
  that starts a task now and answers 204 without a task id (``instances/{id}/changes``), keep an
  instance busy with several running tasks (``instances/{id}/busy``).

Instances have an engine: ``kafka`` (the default), ``rabbitmq`` or ``rocketmq``. The engines share
the task API; RabbitMQ instances have no progress API and answer that path with the gateway's
404 ``APIGW.0101``, like any path the gateway does not know.

Error codes: 401 ``APIGW.0301`` (bad signature, unknown AK, bad token) / ``APIGW.0303`` (date skew);
404 ``APIGW.0101`` (no such API); 403 ``DMS.00403003`` (another project); 404 ``DMS.00404022``
(unknown instance); 404 ``DMS.00404023`` (unknown task, or a task without progress: what the real
service answers for an unknown well-formed task id is undocumented); 400 ``DMS.00400070`` (task id
not 32 lower-case hex); 400 ``DMS.00400062`` (bad list parameter). Injected faults add 429
``APIGW.0308`` and 5xx ``DMS.00500000``.

Usage::

    with Emulator(ak="AK", sk="SK", project_id="p") as emu:
        task_id = emu.add_task("inst-1", timeline=[{"status": "EXECUTING", "after": 0},
                                                   {"status": "SUCCESS", "after": 2.5}])
        emu.add_fault("status", status=503, count=2)
        ...  # point a client at emu.url

Or from a shell: ``DMS_EMULATOR_SK=SK python -m pulumi_dms_tasks.emulator --port 0 --ak AK --project-id p``
(or ``--sk-file FILE``; ``--sk SK`` works too but shows the key to ``ps``).
"""

from __future__ import annotations

from ._demo import (
    DEMO_INSTANCE_ID,
    DEMO_INSTANCE_ID_2,
    DEMO_TASK_CANCELLED,
    DEMO_TASK_FAILS,
    DEMO_TASK_OLD,
    DEMO_TASK_SLOW,
    DEMO_TASK_SUCCEEDS,
)
from ._faults import FAULT_KINDS, OPERATIONS
from ._runner import Emulator, run_emulator

__all__ = [
    "DEMO_INSTANCE_ID",
    "DEMO_INSTANCE_ID_2",
    "DEMO_TASK_CANCELLED",
    "DEMO_TASK_FAILS",
    "DEMO_TASK_OLD",
    "DEMO_TASK_SLOW",
    "DEMO_TASK_SUCCEEDS",
    "FAULT_KINDS",
    "OPERATIONS",
    "Emulator",
    "run_emulator",
]
