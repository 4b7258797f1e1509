"""Section 2: import time added on top of ``pulumi.dynamic`` in a fresh interpreter."""

from __future__ import annotations

import statistics
import subprocess
import sys

from _util import ROOT, Row, describe, verdict

GOAL = 0.5
TEMPLATE = "import time, pulumi.dynamic; t=time.perf_counter(); {stmt}; print(time.perf_counter()-t)"
STATEMENTS = {
    # What the provider process unpickles.
    "ours": "import pulumi_dms_tasks.provider",
    # What the first create/read adds on top (the client imports requests and pydantic lazily).
    "ours_full": "import pulumi_dms_tasks.provider, pulumi_dms_tasks._client",
    "vendor": "import huaweicloudsdkkafka.v2; from huaweicloudsdkkafka.v2 import KafkaClient, ShowBackgroundTaskRequest",
}


def _once(stmt: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", TEMPLATE.format(stmt=stmt)],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(*, reps: int = 7) -> list[Row]:
    print(f"\n## 2. Start-up: import time added after `import pulumi.dynamic` (goal: ours/vendor <= {GOAL})")
    for stmt in STATEMENTS.values():  # warm the OS page cache and .pyc files; discarded
        _once(stmt)
    samples: dict[str, list[float]] = {"ours": [], "vendor": [], "ours_full": []}
    for i in range(reps):
        order = ("ours", "vendor", "ours_full") if i % 2 == 0 else ("ours_full", "vendor", "ours")
        for name in order:
            samples[name].append(_once(STATEMENTS[name]))
    med_o, med_v = statistics.median(samples["ours"]), statistics.median(samples["vendor"])
    ratio = med_o / med_v
    print(f"ours   `{STATEMENTS['ours']}`: {describe(samples['ours'], 1000, ' ms', 1)}")
    print(f"vendor `{STATEMENTS['vendor']}`: {describe(samples['vendor'], 1000, ' ms', 1)}")
    print(f"ratio ours/vendor = {ratio:.2f} -> {verdict(ratio <= GOAL)}")
    med_f = statistics.median(samples["ours_full"])
    print(f"ours incl. client `{STATEMENTS['ours_full']}`: {describe(samples['ours_full'], 1000, ' ms', 1)}")
    full = Row(
        "2b. same, incl. the client (paid by the first create/read)",
        f"{med_f * 1000:.1f} ms",
        f"{med_v * 1000:.1f} ms",
        f"{med_f / med_v:.2f}",
        "info",
        "n/a",
    )
    return [
        Row(
            "2. import time added after pulumi.dynamic",
            f"{med_o * 1000:.1f} ms",
            f"{med_v * 1000:.1f} ms",
            f"{ratio:.2f} ({min(samples['ours']) / max(samples['vendor']):.2f}–"
            f"{max(samples['ours']) / min(samples['vendor']):.2f})",
            f"<= {GOAL}",
            verdict(ratio <= GOAL),
        ),
        full,
    ]
