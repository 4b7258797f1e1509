"""``EmulatedChange``: a stand-in for a real DMS change (binding a public IP, a resize...) in e2e programs.

Its create and update call the emulator's admin API, which starts the change's tasks now and,
like Kafka's public-access switch, answers without a task id: the program has to find the task
by name, time and params. ``path`` is ``"changes"`` (one task per body in ``bodies``) or
``"busy"`` (``bodies[0]`` is ``{"tasks": [...]}``: several tasks that keep the instance busy).
Copied next to the program, so the provider process can import it (the provider is pickled by
reference).
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pulumi
import pulumi.dynamic


def _post(url: str, body: Any) -> bytes:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


class EmulatedChangeProvider(pulumi.dynamic.ResourceProvider):
    def _apply(self, props: dict[str, Any]) -> dict[str, Any]:
        url = f"{props['admin_url']}/_emulator/instances/{props['instance_id']}/{props['path']}"
        for body in props["bodies"]:
            _post(url, body)
            time.sleep(0.01)  # the next body's task is strictly newer
        return {**props, "applied_at": time.time()}

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult(
            id_=f"{props['instance_id']}/{props['path']}", outs=self._apply(props)
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        return pulumi.dynamic.DiffResult(changes=olds.get("bodies") != news.get("bodies"))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=self._apply(news))


class EmulatedChange(pulumi.dynamic.Resource, module="emulated", name="Change"):
    applied_at: pulumi.Output[float]

    def __init__(
        self,
        name: str,
        *,
        admin_url: str,
        instance_id: str,
        path: str,
        bodies: list[Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            EmulatedChangeProvider(),
            name,
            {
                "admin_url": admin_url,
                "instance_id": instance_id,
                "path": path,
                "bodies": bodies,
                "applied_at": None,
            },
            opts,
        )
