"""Through the real Pulumi CLI: inputs that would crash up fail preview instead; a redirecting or
trickling endpoint fails up within the resource's timeout, and nothing depending on it is created."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pulumi
import pytest
from local_file import LocalFile
from pulumi import automation as auto

from pulumi_dms_tasks import BackgroundTask
from tests.hostile import Reply, Seen, serve, task_body

TASK = "0123456789abcdef0123456789abcdef"


def program() -> None:
    config = pulumi.Config("test")
    extra = json.loads(config.get("extra") or "{}")
    task = BackgroundTask("task", instance_id="inst-e2e", **extra)
    LocalFile(
        "dependent",
        path=os.path.join(config.require("outputDir"), "dependent.txt"),
        content=task.status,
        opts=pulumi.ResourceOptions(depends_on=[task]),
    )


def test_preview_names_inputs_that_would_crash_up(make_stack, emulator) -> None:
    """since in year 1 (+01:00) and a max_poll_interval under the default poll_interval fail preview."""
    extra = {
        "task_name": "bindInstancePublicIp",
        "since": "0001-01-01T00:00:00+01:00",
        "max_poll_interval": "2s",
    }
    runner = make_stack(program, config={"test:extra": json.dumps(extra)})
    before = emulator.request_counts()["total"]
    with pytest.raises(auto.CommandError) as info:
        runner.stack.preview(color="never")
    text = str(info.value)
    assert "invalid since" in text and "1970-01-01T00:00:00Z" in text
    assert "invalid max_poll_interval" in text and "default poll_interval (5s)" in text
    assert emulator.request_counts()["total"] == before


def test_up_against_a_redirecting_endpoint_fails_and_the_target_sees_nothing(
    make_stack, tmp_path: Path
) -> None:
    """A 307 to another port fails up at once naming it; the would-be SUCCESS server gets no request."""
    with serve(lambda seen, reply: reply.json(task_body(TASK, "SUCCESS"))) as target:

        def redirect(seen: Seen, reply: Reply) -> None:
            reply.head(
                307, {"Location": target.url + seen.target, "Content-Length": "0", "Connection": "close"}
            )

        with serve(redirect) as origin:
            extra = {"task_id": TASK, "timeout": "2m"}
            runner = make_stack(program, config={"test:extra": json.dumps(extra)}, endpoint=origin.url)
            started = time.monotonic()
            with pytest.raises(auto.CommandError) as info:
                runner.stack.up(color="never")
            elapsed = time.monotonic() - started
        assert target.seen == []
    assert "HTTP 307" in str(info.value) and f"redirect to {target.url} refused" in str(info.value)
    assert elapsed < 60
    assert not (tmp_path / "out" / "dependent.txt").exists()


def test_up_against_a_trickling_endpoint_ends_at_the_timeout(make_stack, tmp_path: Path) -> None:
    """An endpoint trickling one byte a second cannot stretch a 5 s timeout: up fails in about that."""
    body = json.dumps(task_body(TASK, "EXECUTING")).encode()

    def trickle(seen: Seen, reply: Reply) -> None:
        reply.head(
            200, {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
        )
        reply.trickle(body, 1.0)

    with serve(trickle) as server:
        extra = {"task_id": TASK, "timeout": "5s", "poll_interval": "1s"}
        runner = make_stack(program, config={"test:extra": json.dumps(extra)}, endpoint=server.url)
        runner.stack.preview(color="never")  # the engine and provider are warm; what follows is the wait
        started = time.monotonic()
        with pytest.raises(auto.CommandError) as info:
            runner.stack.up(color="never")
        elapsed = time.monotonic() - started
    assert "timed out" in str(info.value) and "deadline" in str(info.value)
    assert elapsed < 5 + 15  # the wait ends within a second of 5 s; the rest is the CLI starting and stopping
    assert not (tmp_path / "out" / "dependent.txt").exists()
