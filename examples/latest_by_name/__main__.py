"""The newest task with a given name (e.g. the last public-IP binding) since a point in time."""

from __future__ import annotations

import pulumi

from pulumi_dms_tasks import BackgroundTask


def program() -> None:
    config = pulumi.Config("example")
    latest = BackgroundTask(
        "latest-public-ip-binding",
        instance_id=config.require("instanceId"),
        task_name=config.get("taskName") or "bindInstancePublicIp",
        since=config.get("since"),
        timeout="5m",
        poll_interval="1s",
    )
    pulumi.export("task_id", latest.task_id)
    pulumi.export("status", latest.status)
    pulumi.export("params", latest.params)


if __name__ == "__main__":
    program()
