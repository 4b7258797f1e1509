"""Sections 5 and 6: ``pulumi up`` wall time for 1 vs 25 BackgroundTasks, and the provider's memory.

Real CLI through the Automation API (``scripts/stackrun.py``), inline program, file backend in a
temp dir, stack config pointing at the emulator. Every up gets a fresh stack and fresh tasks seeded
right before it, all turning SUCCESS ``SUCCESS_AFTER`` seconds after seeding. While an up runs, a
sampler reads the RSS of the dynamic-provider process (``python -m pulumi.dynamic``, a descendant
of this process) from /proc every 0.2 s.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from _util import AK, INSTANCE, PROJECT, SK, Row, describe, verdict

GOAL = 1.5
SUCCESS_AFTER = 10.0
SAMPLE_EVERY = 0.2


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return None


def _provider_pids() -> list[int]:
    """Our descendants whose command line runs ``pulumi.dynamic``."""
    parents: dict[int, int] = {}
    cmdlines: dict[int, str] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read(f"/proc/{name}/stat")
        if not stat:
            continue
        pid = int(name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        cmd = _read(f"/proc/{name}/cmdline")
        if cmd and "pulumi.dynamic" in cmd:
            cmdlines[pid] = cmd
    me, found = os.getpid(), []
    for pid in cmdlines:
        p, hops = pid, 0
        while p > 1 and hops < 50:
            p, hops = parents.get(p, 0), hops + 1
            if p == me:
                found.append(pid)
                break
    return found


def _rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB, or (0, 0) when the process is gone."""
    text = _read(f"/proc/{pid}/status") or ""
    values = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, rest = line.split(":", 1)
            values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


class RssSampler:
    """Peak RSS of the provider process(es) while running."""

    def __init__(self) -> None:
        self.peak_rss = 0  # max VmRSS sampled
        self.peak_hwm = 0  # max VmHWM (kernel high-water mark) sampled
        self.pids: set[int] = set()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        known: list[int] = []
        while not self._stop.is_set():
            if not known:
                known = _provider_pids()
            alive = []
            for pid in known:
                rss, hwm = _rss_kib(pid)
                if rss:
                    alive.append(pid)
                    self.pids.add(pid)
                    self.peak_rss, self.peak_hwm = max(self.peak_rss, rss), max(self.peak_hwm, hwm)
                    self.samples += 1
            known = alive
            self._stop.wait(SAMPLE_EVERY)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _program(holder: dict):
    def program() -> None:
        from pulumi_dms_tasks import BackgroundTask

        for i, task_id in enumerate(holder["ids"]):
            BackgroundTask(f"task{i}", instance_id=INSTANCE, task_id=task_id)  # default poll settings

    return program


def _one_up(emu, tmp: Path, n: int) -> dict:
    import stackrun
    from pulumi import automation as auto

    holder: dict = {"ids": []}
    runner = stackrun.StackRunner(
        project="bench",
        stack=f"b{n}x{uuid.uuid4().hex[:6]}",
        state_dir=tmp / "pulumi",
        program=_program(holder),
    )
    runner.stack.set_all_config(
        {
            "huaweicloud:projectId": auto.ConfigValue(PROJECT),
            "huaweicloud:accessKey": auto.ConfigValue(AK),
            "huaweicloud:secretKey": auto.ConfigValue(SK, secret=True),
            "huaweicloud:endpoints.dms": auto.ConfigValue(emu.url),
        },
        path=True,
    )
    created = emu.now()
    timeline = [{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": SUCCESS_AFTER}]
    holder["ids"] = [emu.add_task(INSTANCE, created_at=created, timeline=timeline) for _ in range(n)]
    before = emu.request_counts()["total"]
    with RssSampler() as sampler:
        t0 = time.perf_counter()
        result = runner.stack.up(color="never")
        wall = time.perf_counter() - t0
    done = emu.now()
    ids = set(holder["ids"])
    seen: dict[str, int] = {}
    for entry in emu.request_counts()["log"]:
        if entry["operation"] != "show":
            continue
        tid = entry["path"].rstrip("/").split("/")[-1]
        if tid in ids:
            seen[tid] = seen.get(tid, 0) + 1
    creates = (result.summary.resource_changes or {}).get(auto.OpType.CREATE, 0)
    if creates != n + 1:  # + the stack itself
        raise RuntimeError(f"expected {n + 1} creates, got {result.summary.resource_changes}")
    return {
        "n": n,
        "wall": wall,
        "calls": emu.request_counts()["total"] - before,
        "after_success": (done - created).total_seconds() - SUCCESS_AFTER,
        "peak_rss": sampler.peak_rss,
        "peak_hwm": sampler.peak_hwm,
        "pids": len(sampler.pids),
        "samples": sampler.samples,
        # Tasks read more than once were still EXECUTING when their wait began (waits that overlapped).
        "waited": sum(1 for c in seen.values() if c > 1),
    }


def run(emu, *, reps: int = 2, big: int = 25) -> tuple[list[Row], list[Row]]:
    import stackrun

    print(
        f"\n## 5. `pulumi up` wall time, 1 vs {big} BackgroundTasks finishing together "
        f"(SUCCESS {SUCCESS_AFTER:g} s after seeding; goal: {big}/1 <= {GOAL})"
    )
    if not stackrun.cli_installed():
        print(f"   Pulumi CLI not found in {stackrun.BIN}: run `make setup`; skipped")
        return (
            [Row("5. pulumi up wall time", "skipped", "", "", f"<= {GOAL}", "n/a")],
            [Row("6. provider peak RSS", "skipped", "", "", "info", "n/a")],
        )
    runs: dict[int, list[dict]] = {1: [], big: []}
    with tempfile.TemporaryDirectory(prefix="dms-bench-") as tmp:
        for _ in range(reps):
            for n in (1, big):  # interleaved: 1, 25, 1, 25
                r = _one_up(emu, Path(tmp), n)
                runs[n].append(r)
                print(
                    f"   up with {n:>2} task(s): {r['wall']:.2f} s wall, done {r['after_success']:.2f} s after "
                    f"SUCCESS, {r['calls']} API calls, {r['waited']} task(s) polled >1x, provider peak RSS {r['peak_rss'] / 1024:.1f} MiB "
                    f"(HWM {r['peak_hwm'] / 1024:.1f} MiB, {r['samples']} samples, {r['pids']} process(es))"
                )
    one = [r["wall"] for r in runs[1]]
    many = [r["wall"] for r in runs[big]]
    ratio = statistics.median(many) / statistics.median(one)
    print(f"   1 task:   {describe(one, unit=' s', digits=2)}")
    print(f"   {big} tasks: {describe(many, unit=' s', digits=2)}")
    print(f"   ratio {big}/1 = {ratio:.2f} -> {verdict(ratio <= GOAL)}")
    calls_one = statistics.median(r["calls"] for r in runs[1])
    calls_many = statistics.median(r["calls"] for r in runs[big])
    s5 = [
        Row(
            f"5. pulumi up wall, {big} vs 1 tasks",
            f"{statistics.median(many):.2f} s ({big} tasks, {calls_many:g} calls)",
            f"{statistics.median(one):.2f} s (1 task, {calls_one:g} calls)",
            f"{ratio:.2f} ({min(many) / max(one):.2f}–{max(many) / min(one):.2f}, n={len(one)})",
            f"<= {GOAL}",
            verdict(ratio <= GOAL),
        )
    ]

    overlap = max(r["waited"] for r in runs[big])
    print(f"\n## 6. Memory: peak RSS of the provider process during the {big}-task up (informational)")
    print(
        f"   note: only {overlap} of the {big} waits overlapped (tasks read more than once); the rest started after "
        "SUCCESS: pulumi.dynamic serves at most 4 RPCs at a time (ThreadPoolExecutor(max_workers=4))"
    )
    peak_many = max(max(r["peak_rss"], r["peak_hwm"]) for r in runs[big]) / 1024
    peak_one = max(max(r["peak_rss"], r["peak_hwm"]) for r in runs[1]) / 1024
    if peak_many and peak_one:
        print(
            f"   {big} tasks: {peak_many:.1f} MiB; 1 task: {peak_one:.1f} MiB; "
            f"per extra task ~{(peak_many - peak_one) / (big - 1) * 1024:.0f} KiB"
        )
        s6 = [
            Row(
                f"6. provider peak RSS, {big} tasks ({overlap} waits overlapped) vs 1",
                f"{peak_many:.1f} MiB",
                f"{peak_one:.1f} MiB",
                f"{peak_many / peak_one:.2f}",
                "info",
                "n/a",
            )
        ]
    else:
        print("   provider process not found (no /proc?)")
        s6 = [Row("6. provider peak RSS", "not measured", "", "", "info", "n/a")]
    return s5, s6
