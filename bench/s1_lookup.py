"""Section 1: per-lookup latency, DmsClient.show_task vs KafkaClient.show_background_task."""

from __future__ import annotations

import gc
import statistics
import time

from _util import INSTANCE, Row, describe, our_client, vendor_client, verdict

GOAL = 0.8


def run(emu, *, calls: int = 300, block: int = 10, warmup: int = 30) -> list[Row]:
    from huaweicloudsdkkafka.v2 import ShowBackgroundTaskRequest

    print(f"\n## 1. Per-lookup latency (goal: ours/vendor median <= {GOAL})")
    task_id = emu.add_task(INSTANCE)  # SUCCESS from the start; both sides read the same record
    ours, vendor = our_client(emu.url), vendor_client(emu.url)
    request = ShowBackgroundTaskRequest(instance_id=INSTANCE, task_id=task_id)
    sides = {
        "ours": lambda: ours.show_task(INSTANCE, task_id),
        "vendor": lambda: vendor.show_background_task(request),
    }
    # Sanity: both read the same task.
    a, b = sides["ours"](), sides["vendor"]()
    assert a.id == b.tasks[0].id == task_id and str(a.status) == b.tasks[0].status == "SUCCESS"
    for fn in sides.values():  # warm both clients (connection pool, lazy imports, caches)
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {"ours": [], "vendor": []}
    cpu: dict[str, list[float]] = {"ours": [], "vendor": []}  # this thread's CPU per call, per block
    block_ratios: list[float] = []
    before = emu.request_counts()["total"]
    gc.collect()
    for i in range(calls // block):
        order = ("ours", "vendor") if i % 2 == 0 else ("vendor", "ours")  # ABBA: neither side always first
        block_medians = {}
        for name in order:
            fn, out = sides[name], samples[name]
            times = []
            c0 = time.thread_time()
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            cpu[name].append((time.thread_time() - c0) / block)
            out.extend(times)
            block_medians[name] = statistics.median(times)
        block_ratios.append(block_medians["ours"] / block_medians["vendor"])
    made = emu.request_counts()["total"] - before
    ours.close()
    med_o, med_v = statistics.median(samples["ours"]), statistics.median(samples["vendor"])
    ratio = med_o / med_v
    print(f"ours   show_task:            {describe(samples['ours'], 1000, ' ms')}")
    print(f"vendor show_background_task: {describe(samples['vendor'], 1000, ' ms')}")
    cpu_o, cpu_v = statistics.median(cpu["ours"]), statistics.median(cpu["vendor"])
    print(
        f"client-thread CPU per call (excludes the emulator's threads): ours {describe(cpu['ours'], 1000, ' ms')}"
    )
    print(
        f"                                                               vendor {describe(cpu['vendor'], 1000, ' ms')}"
    )
    print(
        f"per-block median ratios: {describe(block_ratios, digits=2)}  (API calls counted by emulator: {made})"
    )
    print(f"ratio ours/vendor = {ratio:.2f} -> {verdict(ratio <= GOAL)}")
    return [
        Row(
            "1. lookup latency, median per call",
            f"{med_o * 1000:.3f} ms",
            f"{med_v * 1000:.3f} ms",
            f"{ratio:.2f} (blocks {min(block_ratios):.2f}–{max(block_ratios):.2f})",
            f"<= {GOAL}",
            verdict(ratio <= GOAL),
        ),
        Row(
            "1b. client-thread CPU per lookup (info)",
            f"{cpu_o * 1000:.3f} ms",
            f"{cpu_v * 1000:.3f} ms",
            f"{cpu_o / cpu_v:.2f}",
            "info",
            "n/a",
        ),
    ]
