"""A task id that is unknown during preview (it comes from another resource's output)."""

import os

import pulumi
from local_file import LocalFile

from pulumi_dms_tasks import BackgroundTask

config = pulumi.Config("test")
first = LocalFile("first", path=os.path.join(config.require("outputDir"), "first.txt"), content="x")
task_id = first.written_at.apply(lambda _: config.require("taskId"))
task = BackgroundTask("task", instance_id=config.require("instanceId"), task_id=task_id, poll_interval="0.5s")
pulumi.export("status", task.status)
