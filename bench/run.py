"""Benchmarks: our client/provider vs the vendor SDK, against the local DMS emulator.

    .venv/bin/python bench/run.py [--quick] [--only 1256]

Sections: 1 lookup latency, 2 start-up import time, 3 detection latency, 4 API calls per wait,
5 `pulumi up` wall time 1 vs 25 tasks, 6 provider memory. Prints each section's goal and
PASS/MISS (informational; the exit code is 0 unless the harness itself breaks), then a Markdown
summary that is also written to bench/results/latest.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import AK, PROJECT, SK, Row, machine_info

T = TypeVar("T")

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"


def _section(rows: list[Row], name: str, fn: Callable[[], T]) -> T | None:
    try:
        return fn()
    except Exception as exc:
        traceback.print_exc()
        rows.append(Row(name, f"ERROR: {type(exc).__name__}: {exc}", "", "", "", "ERROR"))
        return None


def markdown(rows: list[Row], *, quick: bool, elapsed: float) -> str:
    head = ["metric", "ours", "vendor/baseline", "ratio", "goal", "result"]
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = [
        f"# pulumi-dms-tasks benchmarks ({'--quick' if quick else 'full'} run, "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {elapsed:.0f} s)",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    for r in rows:
        lines.append(
            "| "
            + " | ".join(esc(x) for x in (r.metric, r.ours, r.baseline, r.ratio, r.goal, r.result))
            + " |"
        )
    lines += ["", "| machine | |", "|---|---|"]
    lines += [f"| {k} | {esc(v)} |" for k, v in machine_info()]
    lines += [
        "",
        "Ratios are ours / vendor-or-baseline of medians; brackets give IQR or min–max spreads. "
        "Emulator in-process on loopback (shares the GIL with the clients in sections 1 and 3).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="drop the 30/60 s waits; pulumi up twice per size instead of three times",
    )
    parser.add_argument("--only", default="123456", help="sections to run, e.g. 12 (default: all)")
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)  # wait_for_task logs at INFO; keep the output to the tables

    import s1_lookup
    import s2_startup
    import s3_detection
    import s5_pulumi_up

    from pulumi_dms_tasks.emulator import Emulator

    started = time.monotonic()
    rows: list[Row] = []
    only = set(args.only)
    with Emulator(ak=AK, sk=SK, project_id=PROJECT) as emu:
        print(
            f"emulator at {emu.url}; mode {'--quick' if args.quick else 'full'}; "
            f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        if "1" in only:
            r = _section(rows, "1. lookup latency", lambda: s1_lookup.run(emu))
            rows += r or []
        if "2" in only:
            r = _section(rows, "2. start-up import time", lambda: s2_startup.run(reps=7))
            rows += r or []
        if "3" in only or "4" in only:
            durations = [2.0, 5.0, 10.0] if args.quick else [2.0, 5.0, 10.0, 30.0, 60.0]
            detection = _section(rows, "3. detection latency", lambda: s3_detection.run(emu, durations))
            if detection:
                rows += (detection[0] if "3" in only else []) + (detection[1] if "4" in only else [])
        if "5" in only or "6" in only:
            up = _section(rows, "5. pulumi up", lambda: s5_pulumi_up.run(emu, reps=2 if args.quick else 3))
            if up:
                rows += (up[0] if "5" in only else []) + (up[1] if "6" in only else [])
    elapsed = time.monotonic() - started
    text = markdown(rows, quick=args.quick, elapsed=elapsed)
    print("\n" + text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(f"written to {RESULTS.relative_to(RESULTS.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
