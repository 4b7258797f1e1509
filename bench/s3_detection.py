"""Sections 3 and 4: how late a finished task is noticed, and how many API calls a wait costs.

Ours: ``DmsClient.wait_for_task`` with default poll settings (5 s, backing off to 30 s, aimed at the
progress API's ``remain_time`` once the wait has a call to spare). Baseline: the vendor SDK's ``show_background_task`` every 5 s
until SUCCESS. Each side waits on its own task with the same timeline; all durations and both
sides run concurrently in threads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from _util import INSTANCE, Row, our_client, vendor_client, verdict

FIXED_INTERVAL = 5.0
# "One interval late" allows this much for thread scheduling and the final request itself.
TOLERANCE = 0.25


@dataclass
class Result:
    side: str
    duration: float
    task_id: str = ""
    success_at: datetime | None = None
    returned_at: datetime | None = None
    final_delay: float | None = None  # delay in force when SUCCESS was seen
    polls: int = 0
    delays: list[float] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def latency(self) -> float | None:
        if self.success_at is None or self.returned_at is None:
            return None
        return (self.returned_at - self.success_at).total_seconds()

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


def _seed(emu, duration: float) -> tuple[str, datetime]:
    created = emu.now()
    task_id = emu.add_task(
        INSTANCE,
        created_at=created,
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": duration}],
    )
    return task_id, created + timedelta(seconds=duration)


def _ours(emu, client, result: Result, barrier: threading.Barrier) -> None:
    barrier.wait()
    result.task_id, result.success_at = _seed(emu, result.duration)

    def on_progress(event) -> None:
        result.polls = event.polls
        if event.next_poll_in is not None:
            result.delays.append(event.next_poll_in)
            result.final_delay = event.next_poll_in

    try:
        client.wait_for_task(INSTANCE, result.task_id, on_progress=on_progress)  # defaults: 5 s, max 30 s
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    result.returned_at = emu.now()


def _vendor(emu, url: str, result: Result, barrier: threading.Barrier) -> None:
    from huaweicloudsdkkafka.v2 import ShowBackgroundTaskRequest

    client = vendor_client(url)
    barrier.wait()
    result.task_id, result.success_at = _seed(emu, result.duration)
    request = ShowBackgroundTaskRequest(instance_id=INSTANCE, task_id=result.task_id)
    try:
        while True:
            status = client.show_background_task(request).tasks[0].status
            result.polls += 1
            if status == "SUCCESS":
                break
            if status in ("FAILED", "CANCELLED", "DELETED"):
                raise RuntimeError(f"task ended {status}")
            result.final_delay = FIXED_INTERVAL
            result.delays.append(FIXED_INTERVAL)
            time.sleep(FIXED_INTERVAL)
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    result.returned_at = emu.now()


def run(emu, durations: list[float]) -> tuple[list[Row], list[Row]]:
    print(
        "\n## 3. Detection latency after SUCCESS (goal: never more than one interval late; never more API calls"
        " than a fixed 5 s loop)"
    )
    print(
        f"   durations {', '.join(f'{d:g}' for d in durations)} s run concurrently; ours = wait_for_task defaults, "
        f"baseline = vendor show_background_task every {FIXED_INTERVAL:g} s"
    )
    ours_client = our_client(emu.url)
    results: list[Result] = []
    threads = []
    barrier = threading.Barrier(2 * len(durations))
    for d in durations:
        mine, theirs = Result("ours", d), Result("vendor", d)
        results += [mine, theirs]
        threads.append(threading.Thread(target=_ours, args=(emu, ours_client, mine, barrier), daemon=True))
        threads.append(threading.Thread(target=_vendor, args=(emu, emu.url, theirs, barrier), daemon=True))
    before = emu.request_counts()["total"]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(durations) * 3 + 60)
    wall = time.monotonic() - started
    counts = emu.request_counts()
    ours_client.close()
    for r in results:
        r.calls = {}
        for entry in counts["log"]:
            if r.task_id and r.task_id in entry["path"]:
                r.calls[entry["operation"]] = r.calls.get(entry["operation"], 0) + 1
    delta = counts["total"] - before
    attributed = sum(r.total_calls for r in results)
    print(
        f"   wall {wall:.1f} s; emulator request_counts() delta {delta} (attributed per task from the log: {attributed})"
    )
    print(
        f"   {'T':>4} | {'side':6} | {'latency':>8} | {'delay in force':>14} | {'polls':>5} | {'API calls':<26} | delays (s)"
    )
    rows: list[Row] = []
    all_ok = True
    by = {(r.side, r.duration): r for r in results}
    for d in durations:
        for side in ("ours", "vendor"):
            r = by[(side, d)]
            lat = "ERROR" if r.latency is None or r.error else f"{r.latency:.2f} s"
            calls = f"{r.total_calls:>2} (" + ", ".join(f"{k} {v}" for k, v in sorted(r.calls.items())) + ")"
            fd = "-" if r.final_delay is None else f"{r.final_delay:.2f} s"
            print(
                f"   {d:>4g} | {side:6} | {lat:>8} | {fd:>14} | {r.polls:>5} | {calls:<26} | "
                f"{' '.join(f'{x:.1f}' for x in r.delays)}" + (f"  [{r.error}]" if r.error else "")
            )
        o, v = by[("ours", d)], by[("vendor", d)]
        if o.error or o.latency is None:
            rows.append(Row(f"3. detect T={d:g}s", f"ERROR {o.error}", "", "", "", "MISS"))
            all_ok = False
            continue
        interval = o.final_delay if o.final_delay is not None else 0.0
        late_ok = o.latency <= interval + TOLERANCE
        # A task shorter than one interval needs two calls whoever polls; no wait can do with fewer.
        calls_ok = o.total_calls <= v.total_calls
        all_ok = all_ok and late_ok and calls_ok
        why = [] if late_ok else ["late"]
        why += [] if calls_ok else ["calls"]
        vlat = "ERROR" if v.latency is None or v.error else f"{v.latency:.2f} s"
        rows.append(
            Row(
                f"3. detect T={d:g}s: latency, API calls",
                f"{o.latency:.2f} s (delay {interval:.1f} s), {o.total_calls} calls",
                f"{vlat} (delay {FIXED_INTERVAL:g} s), {v.total_calls} calls",
                f"calls {o.total_calls / v.total_calls:.2f}" if v.total_calls else "-",
                "late <= 1 interval; calls <= fixed loop",
                "PASS" if late_ok and calls_ok else f"MISS ({', '.join(why)})",
            )
        )
    ours_sum = sum(by[("ours", d)].total_calls for d in durations)
    vendor_sum = sum(by[("vendor", d)].total_calls for d in durations)
    print(f"   API calls over all waits: ours {ours_sum}, fixed loop {vendor_sum}")
    print(f"   section 3 -> {verdict(all_ok)}")
    rows.append(
        Row(
            "3. API calls, all waits above (sum)",
            str(ours_sum),
            str(vendor_sum),
            f"{ours_sum / vendor_sum:.2f}" if vendor_sum else "-",
            "fewer",
            verdict(ours_sum < vendor_sum),
        )
    )

    longest = max(durations)
    o, v = by[("ours", longest)], by[("vendor", longest)]
    label = "60 s task" if longest == 60 else f"{longest:g} s task (--quick: no 60 s task)"
    print(f"\n## 4. API calls per wait, {label} (goal: fewer than the fixed 5 s loop)")
    print(
        f"   ours {o.total_calls} ({o.calls}), fixed loop {v.total_calls} ({v.calls}) -> "
        f"{verdict(o.total_calls < v.total_calls)}"
    )
    section4 = [
        Row(
            f"4. API calls per wait, {label}",
            str(o.total_calls),
            str(v.total_calls),
            f"{o.total_calls / v.total_calls:.2f}" if v.total_calls else "-",
            "< fixed loop",
            verdict(o.total_calls < v.total_calls),
        )
    ]
    return rows, section4
