"""Gate a resource on a task's success: the file is written only if the task reaches SUCCESS."""

from __future__ import annotations

import os

import pulumi

# local_file.py sits next to this program (a link to examples/shared): the program and the
# provider process, which runs in this directory, both import it from here.
from local_file import LocalFile

from pulumi_dms_tasks import BackgroundTask


def program() -> None:
    config = pulumi.Config("example")
    task = BackgroundTask(
        "resize",
        instance_id=config.require("instanceId"),
        task_id=config.require("taskId"),
        timeout=config.get("timeout") or "10m",
        poll_interval="1s",
        max_poll_interval="5s",
    )
    gated = LocalFile(
        "gated",
        path=os.path.join(config.require("outputDir"), "gated.txt"),
        content=pulumi.Output.concat("task ", task.task_id, " is ", task.status, "\n"),
        opts=pulumi.ResourceOptions(depends_on=[task]),
    )
    pulumi.export("status", task.status)
    pulumi.export("name", task.name)
    pulumi.export("params", task.params)
    pulumi.export("created_at", task.created_at)
    pulumi.export("updated_at", task.updated_at)
    pulumi.export("gated_path", gated.path)


if __name__ == "__main__":
    program()
