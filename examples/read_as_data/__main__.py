"""Read tasks as data: a function call that never waits, and the read-path data source."""

from __future__ import annotations

import pulumi

from pulumi_dms_tasks import BackgroundTask, get_background_task_output, list_background_tasks_output


def program() -> None:
    config = pulumi.Config("example")
    instance_id = config.require("instanceId")
    task_id = config.require("taskId")

    # A function: reads once during preview and up, returns plain values in an Output.
    task = get_background_task_output(instance_id, task_id)
    pulumi.export("status", task.status)
    pulumi.export("params", task.params)
    pulumi.export("task", task.apply(lambda t: t.to_dict()))

    # All public-IP tasks of the instance, newest first.
    listed = list_background_tasks_output(instance_id, name="bindInstancePublicIp")
    pulumi.export("public_ip_task_ids", listed.apply(lambda r: [t.task_id for t in r.tasks]))

    # A data source: read on every preview and up; destroy only forgets it.
    existing = BackgroundTask.get("existing", f"{instance_id}/{task_id}")
    pulumi.export("data_source_status", existing.status)


if __name__ == "__main__":
    program()
