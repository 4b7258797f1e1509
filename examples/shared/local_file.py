"""``LocalFile``: a stand-in for "the infrastructure that must wait" in the demo and examples.

It writes a file on create and removes it on delete, so whether it was created (and when) is
visible without any cloud account. In a real program this would be a Kafka topic, a DNS record...
Its module must be importable by the provider process, which unpickles the provider by reference
and runs in the project directory: the root demo imports it as ``examples.shared.local_file`` (its
project directory is the repository root), ``examples/gate_on_success`` has a link to it, the
end-to-end tests copy it into their project directories, and inline Automation API programs put
this folder on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pulumi
import pulumi.dynamic


class LocalFileProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        path = props["path"]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(props["content"])
        return pulumi.dynamic.CreateResult(id_=path, outs={**props, "written_at": time.time()})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        changed = [k for k in ("path", "content") if olds.get(k) != news.get(k)]
        # Same path: the old file must go first, or deleting it would remove the new one.
        return pulumi.dynamic.DiffResult(
            changes=bool(changed), replaces=changed, delete_before_replace="path" not in changed
        )

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        if os.path.exists(id_):
            os.remove(id_)


class LocalFile(pulumi.dynamic.Resource, module="local", name="File"):
    path: pulumi.Output[str]
    content: pulumi.Output[str]
    written_at: pulumi.Output[float]

    def __init__(
        self,
        name: str,
        *,
        path: pulumi.Input[str],
        content: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            LocalFileProvider(), name, {"path": path, "content": content, "written_at": None}, opts
        )
