"""The gates a real DMS change needs: the task my change started, then an idle instance before the next change.

1. ``bind-public-ip`` makes a change that answers without a task id (and someone else's change of
   the same name, other params, right after it);
2. ``public-ip-bound`` finds the task this change started (name, params, not older than this run)
   and waits for it;
3. ``resize`` keeps the instance busy with several tasks;
4. ``idle-before-next-change`` waits until none runs; only then is ``next-change`` created.
"""

import datetime
import os

import pulumi
from emulated_change import EmulatedChange
from local_file import LocalFile

from pulumi_dms_tasks import BackgroundTask, InstanceIdle

started = datetime.datetime.now(datetime.UTC)  # before this run changes anything
config = pulumi.Config("test")
instance_id = config.require("instanceId")
public_ip = config.require("publicIpId")
admin = config.require("adminUrl")
busy_seconds = float(config.get("busySeconds") or "3")

bind = EmulatedChange(
    "bind-public-ip",
    admin_url=admin,
    instance_id=instance_id,
    path="changes",
    bodies=[
        {
            "name": "bindInstancePublicIp",
            "params": {"public_ip_id": public_ip, "enable_public_ip": True},
            "timeline": [{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": 3}],
        },
        {
            "name": "bindInstancePublicIp",
            "params": {"public_ip_id": "someone-elses-eip"},
            "timeline": [{"status": "EXECUTING", "after": 0}, {"status": "FAILED", "after": 1}],
        },
    ],
)
bound = BackgroundTask(
    "public-ip-bound",
    instance_id=instance_id,
    task_name="bindInstancePublicIp",
    params_match={"public_ip_id": public_ip},
    since=started,
    triggers=[public_ip],
    timeout="1m",
    poll_interval="0.5s",
    max_poll_interval="1s",
    opts=pulumi.ResourceOptions(depends_on=[bind]),
)
resize = EmulatedChange(
    "resize",
    admin_url=admin,
    instance_id=instance_id,
    path="busy",
    bodies=[
        {
            "tasks": [
                {"name": "kafkaConfigModify", "seconds": busy_seconds / 2, "params": {"for": public_ip}},
                {
                    "name": "resizeInstance",
                    "seconds": busy_seconds,
                    "final": "FAILED",
                    "params": {"for": public_ip},
                },
            ]
        }
    ],
    opts=pulumi.ResourceOptions(depends_on=[bound]),
)
idle = InstanceIdle(
    "idle-before-next-change",
    instance_id=instance_id,
    timeout=config.get("idleTimeout") or "1m",
    triggers=[public_ip],
    poll_interval="0.5s",
    max_poll_interval="1s",
    opts=pulumi.ResourceOptions(depends_on=[resize]),
)
next_change = LocalFile(
    "next-change",
    path=os.path.join(config.require("outputDir"), "next-change.txt"),
    content=pulumi.Output.concat(public_ip, " after ", idle.idle_at),
    opts=pulumi.ResourceOptions(depends_on=[idle]),
)
pulumi.export("task_id", bound.task_id)
pulumi.export("task_status", bound.status)
pulumi.export("task_params", bound.params)
pulumi.export("idle_at", idle.idle_at)
pulumi.export("waited_for", idle.waited_for)
pulumi.export("next_change_written_at", next_change.written_at)
