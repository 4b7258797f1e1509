"""Shared helpers for the benchmarks: credentials, clients, statistics, table rows, machine info."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "scripts"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

AK = "AKBENCHEMULATOR00001"
SK = "sk-bench-Emulator-Secret-0123456789abcdef"
PROJECT = "0123456789abcdef0123456789abcdef"
INSTANCE = "11111111-2222-3333-4444-555555555555"


@dataclass
class Row:
    """One line of the summary table."""

    metric: str
    ours: str
    baseline: str
    ratio: str
    goal: str
    result: str


def our_client(url: str):
    from pulumi_dms_tasks._client import DmsClient

    return DmsClient(endpoint=url, project_id=PROJECT, ak=AK, sk=SK)


def vendor_client(url: str):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkkafka.v2 import KafkaClient

    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True  # plain http to loopback; no CA bundle lookup
    config.timeout = (10, 30)
    return (
        KafkaClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(AK, SK, PROJECT))
        .with_endpoints([url])
        .build()
    )


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(q1, median, q3)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def describe(values: Sequence[float], scale: float = 1.0, unit: str = "", digits: int = 3) -> str:
    """``median [IQR q1–q3] (min–max, n=N)``."""
    q1, med, q3 = quartiles(values)
    f = lambda v: f"{v * scale:.{digits}f}"  # noqa: E731
    return (
        f"{f(med)}{unit} [IQR {f(q1)}–{f(q3)}] (min {f(min(values))}, max {f(max(values))}, n={len(values)})"
    )


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def _pkg(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> list[tuple[str, str]]:
    try:
        import stackrun
    except Exception as exc:
        # The report is still worth having without the CLI version: it says why that is missing.
        cli = f"? ({type(exc).__name__}: {exc})"
    else:
        cli = stackrun.VERSION
    return [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("load average (1/5/15 min, at the end)", " / ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("pulumi (Python SDK)", _pkg("pulumi")),
        ("pulumi CLI", cli),
        ("pulumi-dms-tasks", _pkg("pulumi-dms-tasks")),
        ("urllib3", _pkg("urllib3")),
        ("requests", _pkg("requests")),
        ("pydantic", _pkg("pydantic")),
        ("huaweicloudsdkcore", _pkg("huaweicloudsdkcore")),
        ("huaweicloudsdkkafka", _pkg("huaweicloudsdkkafka")),
    ]
