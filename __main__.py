"""The demo: a Kafka public-IP binding task gates what must come after it.

Stack config (``make demo`` sets it with ``pulumi config set``; see README):
  huaweicloud:accessKey / secretKey (secret) / projectId / endpoints {"dms": URL}
  demo:instanceId   the Kafka instance
  demo:taskId       the task that binds the public IP (runs for a few seconds)
  demo:outputDir    where the stand-in "dependent resource" writes its file (default .demo)
"""

from __future__ import annotations

import os

import pulumi

# The project directory is on sys.path for the program and for the provider process (its working
# directory), so the shared example module imports from there as a package.
from examples.shared.local_file import LocalFile
from pulumi_dms_tasks import BackgroundTask, get_background_task_output


def program() -> None:
    config = pulumi.Config("demo")
    instance_id = config.require("instanceId")
    output_dir = config.get("outputDir") or ".demo"

    # Wait for the public IP to be bound; a FAILED task fails `pulumi up` right here.
    public_ip = BackgroundTask(
        "bind-public-ip",
        instance_id=instance_id,
        task_id=config.require("taskId"),
        timeout="2m",
        poll_interval="1s",
        max_poll_interval="4s",
    )

    # Only created once the task succeeded (depends_on), e.g. a topic for external clients.
    after = LocalFile(
        "topic-for-external-clients",
        path=os.path.join(output_dir, "after-public-ip.txt"),
        content=pulumi.Output.concat(
            "created after task ", public_ip.task_id, " reached ", public_ip.status, "\n"
        ),
        opts=pulumi.ResourceOptions(depends_on=[public_ip]),
    )

    # The newest retention change, looked up by name (no waiting: it finished long ago).
    retention = BackgroundTask(
        "latest-retention-change", instance_id=instance_id, task_name="changeRetentionPolicy", wait=False
    )

    # Reading a task as data, once the wait is over (the status is unknown during preview, so
    # preview does not read it).
    looked_up = get_background_task_output(
        instance_id, pulumi.Output.all(public_ip.task_id, public_ip.status).apply(lambda values: values[0])
    )

    pulumi.export(
        "public_ip_task",
        {
            "task_id": public_ip.task_id,
            "name": public_ip.name,
            "status": public_ip.status,
            "succeeded": public_ip.succeeded,
            "params": public_ip.params,
            "created_at": public_ip.created_at,
            "updated_at": public_ip.updated_at,
            "duration_seconds": public_ip.duration_seconds,
        },
    )
    pulumi.export("dependent_file", after.path)
    pulumi.export("retention_task_status", retention.status)
    pulumi.export("retention_params", retention.params)
    pulumi.export("looked_up_status", looked_up.status)


if __name__ == "__main__":
    program()
