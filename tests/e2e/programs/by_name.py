"""The newest task of a name since a time (BackgroundTask with task_name), gating a LocalFile."""

import os

import pulumi
from local_file import LocalFile

from pulumi_dms_tasks import BackgroundTask

config = pulumi.Config("test")
task = BackgroundTask(
    "latest",
    instance_id=config.require("instanceId"),
    task_name=config.require("taskName"),
    since=config.require("since"),
    timeout="1m",
    poll_interval="0.5s",
    max_poll_interval="2s",
)
marker = LocalFile(
    "dependent",
    path=os.path.join(config.require("outputDir"), "dependent.txt"),
    content=pulumi.Output.concat(task.task_id, " ", task.status),
    opts=pulumi.ResourceOptions(depends_on=[task]),
)
pulumi.export("task_id", task.task_id)
pulumi.export("status", task.status)
pulumi.export("params", task.params)
pulumi.export("dependent_path", marker.path)
