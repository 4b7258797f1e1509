"""A BackgroundTask gating a LocalFile (the stand-in for what must wait), with every output exported."""

import os

import pulumi
from local_file import LocalFile

from pulumi_dms_tasks import BackgroundTask

config = pulumi.Config("test")
task = BackgroundTask(
    "task",
    instance_id=config.require("instanceId"),
    task_id=config.require("taskId"),
    timeout=config.get("timeout") or "2m",
    poll_interval="0.5s",
    max_poll_interval="2s",
    wait=config.get_bool("wait") if config.get("wait") is not None else True,
)
marker = LocalFile(
    "dependent",
    path=os.path.join(config.require("outputDir"), "dependent.txt"),
    content=task.status,
    opts=pulumi.ResourceOptions(depends_on=[task]),
)
pulumi.export("status", task.status)
pulumi.export("name", task.name)
pulumi.export("params", task.params)
pulumi.export("params_json", task.params_json)
pulumi.export("created_at", task.created_at)
pulumi.export("updated_at", task.updated_at)
pulumi.export("succeeded", task.succeeded)
pulumi.export("duration_seconds", task.duration_seconds)
pulumi.export("dependent_path", marker.path)
