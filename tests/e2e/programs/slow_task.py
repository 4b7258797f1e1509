"""One BackgroundTask waiting on a task that stays running: what Ctrl-C and a killed CLI interrupt."""

import pulumi

from pulumi_dms_tasks import BackgroundTask

config = pulumi.Config("test")
BackgroundTask(
    "slow-task",
    instance_id=config.require("instanceId"),
    task_id=config.require("taskId"),
    timeout="10m",
    poll_interval="0.5s",
    max_poll_interval="1s",
)
