"""Build and run the Go and Java SDK peers with the machine's toolchains.

Build outputs live outside the clone, under ``~/.cache/pulumi-dms-tasks/peers/<lang>/<key>``
(``PULUMI_DMS_TASKS_PEERS_CACHE`` overrides the root), where ``key`` hashes the peer's sources
and the toolchain version: a second run reuses the binary or classes without calling Go or
Maven. Go modules go to the default ``GOMODCACHE``, Java dependencies to ``~/.m2``. Nothing is
written inside the clone (``go build -mod=readonly`` never touches ``go.mod``/``go.sum``; Maven
only resolves the classpath, ``javac`` compiles into the cache). Builds use one job at a time
(``go build -p 1``) and Maven offline once the dependencies are in ``~/.m2``.

A missing toolchain raises :class:`PeerUnavailableError` (the tests skip with its message); a build
that fails with the toolchain present raises :class:`PeerBuildError` (the tests fail).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GO_DIR = HERE / "go"
JAVA_DIR = HERE / "java"
BUILD_TIMEOUT = 900
RUN_TIMEOUT = 180


class PeerUnavailableError(Exception):
    """A toolchain the peer needs is not installed."""


class PeerBuildError(Exception):
    """The toolchain is there but the peer did not build or run."""


@dataclass(frozen=True)
class Peer:
    """A built peer: the command that runs it, and how long getting it ready took."""

    name: str
    command: tuple[str, ...]
    build_seconds: float
    cached: bool

    def run(self, plan: dict[str, Any]) -> dict[str, Any]:
        """Run the peer with ``plan`` on stdin; return the JSON document it prints."""
        done = subprocess.run(
            self.command,
            input=json.dumps(plan),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        if done.returncode != 0 or not done.stdout.strip():
            raise PeerBuildError(f"{self.name} peer exited {done.returncode}: {_tail(done.stderr)}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def cache_root() -> Path:
    override = os.environ.get("PULUMI_DMS_TASKS_PEERS_CACHE")
    return Path(override) if override else Path.home() / ".cache" / "pulumi-dms-tasks" / "peers"


def _tail(text: str, limit: int = 3000) -> str:
    return text if len(text) <= limit else "..." + text[-limit:]


def _tool(name: str, purpose: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PeerUnavailableError(f"`{name}` not found on PATH: {purpose}")
    return path


def _key(files: list[Path], toolchain: str) -> str:
    digest = hashlib.sha256(toolchain.encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(HERE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, what: str) -> str:
    try:
        done = subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerBuildError(f"{what} did not finish within {BUILD_TIMEOUT}s") from exc
    if done.returncode != 0:
        raise PeerBuildError(f"{what} failed ({done.returncode}): {_tail(done.stderr or done.stdout)}")
    return done.stdout


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    # Several test runs (worktrees) may share the cache: one builds, the others wait and reuse.
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_go() -> Peer:
    """The Go SDK peer (``tests/peers/go``), built with ``go build -p 1`` unless cached."""
    go = _tool("go", "the Go SDK peer needs Go >= 1.22")
    version = _run([go, "env", "GOVERSION"], cwd=GO_DIR, what="go env").strip()
    files = [GO_DIR / "go.mod", GO_DIR / "go.sum", *GO_DIR.glob("*.go")]
    target = cache_root() / "go" / _key(files, version)
    binary = target / "sdk-peer"
    started = time.monotonic()
    with _locked(target):
        cached = binary.exists()
        if not cached:
            env = {**os.environ, "GOFLAGS": "-mod=readonly -buildvcs=false", "GOWORK": "off"}
            with tempfile.TemporaryDirectory(dir=target) as scratch:
                out = Path(scratch) / "sdk-peer"
                _run(
                    [go, "build", "-p", "1", "-trimpath", "-o", str(out), "."],
                    cwd=GO_DIR,
                    env=env,
                    what="go build of the Go SDK peer",
                )
                os.replace(out, binary)
    return Peer("go", (str(binary),), time.monotonic() - started, cached)


def _classpath(mvn: str, target: Path) -> str:
    out = target / "classpath.txt"
    if out.exists():
        text = out.read_text().strip()
        if text and all(Path(jar).exists() for jar in text.split(os.pathsep)):
            return text
    base = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(JAVA_DIR / "pom.xml"),
        "dependency:build-classpath",
        f"-Dmdep.outputFile={out}",
    ]
    try:
        # Offline first: after the first resolve everything is in ~/.m2 and no registry is asked.
        _run([*base[:1], "-o", *base[1:]], cwd=JAVA_DIR, what="mvn -o dependency:build-classpath")
    except PeerBuildError:
        _run(base, cwd=JAVA_DIR, what="mvn dependency:build-classpath")
    return out.read_text().strip()


def build_java() -> Peer:
    """The Java SDK peer (``tests/peers/java``): Maven resolves, ``javac`` compiles, unless cached."""
    purpose = "the Java SDK peer needs a JDK >= 17 and Maven"
    mvn, javac, java = _tool("mvn", purpose), _tool("javac", purpose), _tool("java", purpose)
    version = _run([javac, "-version"], cwd=JAVA_DIR, what="javac -version").strip()
    sources = sorted((JAVA_DIR / "src").rglob("*.java"))
    target = cache_root() / "java" / _key([JAVA_DIR / "pom.xml", *sources], version)
    classes = target / "classes"
    started = time.monotonic()
    with _locked(target):
        classpath = _classpath(mvn, target)
        cached = (classes / "peer" / "Peer.class").exists()
        if not cached:
            with tempfile.TemporaryDirectory(dir=target) as scratch:
                _run(
                    [javac, "-encoding", "UTF-8", "-d", scratch, "-cp", classpath, *map(str, sources)],
                    cwd=JAVA_DIR,
                    what="javac of the Java SDK peer",
                )
                shutil.rmtree(classes, ignore_errors=True)
                os.replace(scratch, classes)
                os.makedirs(scratch)  # TemporaryDirectory cleans up the name it made
    command = (java, "-cp", f"{classes}{os.pathsep}{classpath}", "peer.Peer")
    return Peer("java", command, time.monotonic() - started, cached)
