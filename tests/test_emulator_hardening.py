"""The emulator against hostile input: request framing, cross-site admin calls, values it could not
serve, encoded separators in paths, and a secret key kept off the command line."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from pulumi_dms_tasks._auth import AkSkAuth
from pulumi_dms_tasks.emulator import Emulator
from pulumi_dms_tasks.emulator._server import MAX_BODY_BYTES
from tests.helpers import TEST_AK, TEST_SK
from tests.test_emulator_cli import AK, PROJECT, SK, signed_list, stop, wait_for_url

REPO = Path(__file__).resolve().parents[1]
JSON = {"Content-Type": "application/json"}


def port_of(emu: Emulator) -> int:
    port = urlsplit(emu.url).port
    assert port is not None
    return port


def raw_exchange(
    emu: Emulator, head: bytes, body: bytes = b"", *, timeout: float = 5
) -> tuple[int, dict[str, Any]]:
    """Send bytes as they are (no client fixes anything up); return the status and the JSON body."""
    with socket.create_connection(("127.0.0.1", port_of(emu)), timeout=timeout) as sock:
        sock.sendall(head + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        payload = response.read()
    return response.status, json.loads(payload) if payload else {}


def admin_post(
    emu: Emulator, path: str, body: Any, headers: dict[str, str] | None = None
) -> requests.Response:
    return requests.post(f"{emu.url}/_emulator/{path}", json=body, headers=headers, timeout=10)


# -- request framing -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [b"-1", b"+10", b"0x10", b"1_0", b"", b"zz", b" "])
def test_invalid_chunk_sizes_are_400_not_an_unbounded_read(emulator: Emulator, size: bytes) -> None:
    """A chunk size int() would take (-1, +10, 0x10, 1_0) or garbage is a 400 at once, nothing read further."""
    head = (
        b"POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + size + b"\r\n"
    )
    began = time.monotonic()
    status, body = raw_exchange(emulator, head, b"x" * 4096)
    assert status == 400 and "chunk" in body["error_msg"]
    assert time.monotonic() - began < 4
    assert emulator.pending_faults() == []


def test_chunked_bodies_over_the_cap_are_413(emulator: Emulator) -> None:
    """Many valid chunks adding up to more than 1 MiB are refused with 413 once the cap is passed."""
    chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
    head = (
        b"POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    status, _ = raw_exchange(emulator, head, chunk * (MAX_BODY_BYTES // 0x10000 + 1))
    assert status == 413


def test_a_valid_chunked_admin_body_is_accepted(emulator: Emulator) -> None:
    """Strict parsing still takes well-formed chunks, extensions and trailers."""
    payload = json.dumps({"kind": "drop"}).encode()
    head = (
        b"POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    body = b"%x;ext=1\r\n%s\r\n%x\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n" % (
        5,
        payload[:5],
        len(payload) - 5,
        payload[5:],
    )
    status, reply = raw_exchange(emulator, head, body)
    assert status == 201 and reply["kind"] == "drop"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("Content-Length: \xb2\r\n", 400),  # superscript two: str.isdigit() says yes, int() says no
        ("Content-Length: -5\r\n", 400),
        ("Content-Length: 5\r\nContent-Length: 6\r\n", 400),
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400),
        ("Transfer-Encoding: gzip\r\n", 501),
    ],
)
def test_ambiguous_framing_is_refused_not_a_500(emulator: Emulator, headers: str, status: int) -> None:
    """Lengths that are not one plain decimal number, and unknown or conflicting encodings, are refused."""
    head = (
        "POST /_emulator/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + headers
        + "\r\n"
    ).encode("latin-1")
    got, body = raw_exchange(emulator, head, b"{}")
    assert got == status and body["error_code"] == f"HTTP.{status}"


# -- admin API: only what a local test could have sent -----------------------------------------


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example", "10.0.0.1", "[::2]:80", "a@127.0.0.1"],
)
def test_admin_refuses_a_foreign_host_header(emulator: Emulator, host: str) -> None:
    """A Host that is not a loopback name or address (DNS rebinding) gets 403 naming Host."""
    response = requests.get(
        f"{emulator.url}/_emulator/requests",
        headers={"Host": host.format(port=port_of(emulator))},
        timeout=10,
    )
    assert response.status_code == 403 and response.json()["field"] == "Host"


def test_admin_refuses_a_request_without_host(emulator: Emulator) -> None:
    """HTTP/1.0 without a Host header cannot reach the admin API."""
    status, body = raw_exchange(emulator, b"GET /_emulator/requests HTTP/1.0\r\n\r\n")
    assert status == 403 and body["field"] == "Host"


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:{port}", "127.0.0.1:{port}", "127.0.0.2", "[::1]:{port}", "app.localhost"],
)
def test_admin_accepts_loopback_hosts(emulator: Emulator, host: str) -> None:
    """Every way of naming this machine works."""
    response = requests.get(
        f"{emulator.url}/_emulator/requests",
        headers={"Host": host.format(port=port_of(emulator))},
        timeout=10,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "https://evil.example:443", "null", "file://", "http://127.0.0.1.evil.example"],
)
def test_admin_refuses_a_foreign_origin(emulator: Emulator, origin: str) -> None:
    """A browser's cross-site request (it always sends Origin) is 403 and changes nothing."""
    response = admin_post(emulator, "faults", {"kind": "drop"}, headers={"Origin": origin})
    assert response.status_code == 403 and response.json()["field"] == "Origin"
    assert (
        requests.delete(f"{emulator.url}/_emulator/state", headers={"Origin": origin}, timeout=10).status_code
        == 403
    )
    assert emulator.pending_faults() == []


def test_admin_accepts_a_loopback_origin(emulator: Emulator) -> None:
    """A page served from this machine may drive it."""
    response = admin_post(
        emulator, "faults", {"kind": "drop"}, headers={"Origin": f"http://localhost:{port_of(emulator)}"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
    ],
)
def test_admin_takes_json_only(emulator: Emulator, content_type: str | None) -> None:
    """Bodies a form or a no-CORS fetch can send (text/plain, form data, none) are 415."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = requests.post(
        f"{emulator.url}/_emulator/faults", data=b'{"kind": "drop"}', headers=headers, timeout=10
    )
    assert response.status_code == 415 and response.json()["field"] == "Content-Type"
    empty = requests.post(f"{emulator.url}/_emulator/instances", headers=headers, timeout=10)
    assert empty.status_code == 415
    assert emulator.pending_faults() == [] and emulator.request_counts()["total"] == 0


def test_admin_json_with_a_charset_is_fine(emulator: Emulator) -> None:
    """``application/json; charset=utf-8`` is JSON."""
    response = requests.post(
        f"{emulator.url}/_emulator/faults",
        data=b'{"kind": "drop"}',
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
        timeout=10,
    )
    assert response.status_code == 201


# -- admin values the API could not serve ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("instances/i/tasks", {"timeline": [{"status": "SUCCESS", "after": 1e308}]}, "timeline[0].after"),
        ("instances/i/tasks", {"timeline": [{"status": "SUCCESS", "after": 10**30}]}, "timeline[0].after"),
        ("instances/i/tasks", {"created_at": "9999-06-01T00:00:00Z"}, "created_at"),
        ("instances/i/tasks", {"created_at": "9999-12-31T23:59:59-01:00"}, "created_at"),
        ("instances/i/tasks", {"created_at": "0001-01-01T00:00:00+01:00"}, "created_at"),
        ("instances/i/tasks", {"created_at": "1969-12-31T23:59:59Z"}, "created_at"),
        ("instances", {"instance_id": "a\nb"}, "instance_id"),
        ("instances", {"instance_id": ".."}, "instance_id"),
        ("instances", {"instance_id": "x" * 300}, "instance_id"),
        ("faults", {"kind": "status", "status": 503, "retry_after": "1\r\nX-Injected: yes"}, "retry_after"),
        ("faults", {"kind": "status", "status": 503, "retry_after": "9" * 100}, "retry_after"),
    ],
)
def test_admin_refuses_values_it_could_not_serve(
    emulator: Emulator, path: str, body: Any, field: str
) -> None:
    """Values that used to give 500s later (date overflow) or break the reply are 400 naming the field."""
    response = admin_post(emulator, path, body)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field and field in response.json()["error_msg"]


def test_admin_refuses_json_nested_too_deeply(emulator: Emulator) -> None:
    """A small body of deeply nested brackets is a 400, not a RecursionError 500."""
    body = b"[" * 200_000 + b"]" * 200_000
    response = requests.post(
        f"{emulator.url}/_emulator/instances/i/tasks", data=body, headers=JSON, timeout=10
    )
    assert response.status_code == 400 and response.json()["field"] == "body"


def test_retiming_refuses_an_after_it_could_not_serve(emulator: Emulator) -> None:
    """PUT .../timeline applies the same limits."""
    task_id = emulator.add_task("i")
    response = requests.put(
        f"{emulator.url}/_emulator/instances/i/tasks/{task_id}/timeline",
        json={"timeline": [{"status": "SUCCESS", "after": 1e308}]},
        timeout=10,
    )
    assert response.status_code == 400 and response.json()["field"] == "timeline[0].after"


def test_the_handle_applies_the_same_limits(emulator: Emulator) -> None:
    """The Python handle refuses the same values with ValueError naming the argument."""
    with pytest.raises(ValueError, match="created_at"):
        emulator.add_task("i", created_at=datetime(9999, 12, 31, tzinfo=UTC))
    with pytest.raises(ValueError, match=r"timeline\[0\]\.after"):
        emulator.add_task("i", timeline=[{"status": "SUCCESS", "after": 1e308}])
    with pytest.raises(ValueError, match="retry_after"):
        emulator.add_fault("status", status=503, retry_after="1\r\nX: y")


def test_the_limits_themselves_are_served(emulator: Emulator) -> None:
    """A task at the latest created_at with the longest after answers show, list and progress with 200."""
    from pulumi_dms_tasks.emulator._specs import MAX_AFTER_SECONDS

    task_id = emulator.add_task(
        "edge",
        created_at=datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC),
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": MAX_AFTER_SECONDS}],
    )
    old = emulator.add_task(
        "edge",
        created_at=datetime(1970, 1, 1, tzinfo=UTC),
        timeline=[{"status": "EXECUTING", "after": 0}, {"status": "SUCCESS", "after": MAX_AFTER_SECONDS}],
    )
    with requests.Session() as session:
        session.auth = AkSkAuth(TEST_AK, TEST_SK)
        base = f"{emulator.url}/v2/{emulator.project_id}/instances/edge/tasks"
        for path in (f"/{task_id}", f"/{task_id}/progress", f"/{old}", f"/{old}/progress", ""):
            assert session.get(base + path, timeout=10).status_code == 200, path


# -- encoded separators in paths ------------------------------------------------------------------


@pytest.mark.parametrize("segment", ["a%2Fb", "a%2fb", "a%5Cb", "a%00b", "%2E%2E", "a%zzb", "a%FFb", "a%0Ab"])
def test_encoded_separators_never_reach_an_instance_id(emulator: Emulator, segment: str) -> None:
    """An encoded '/', '\\', NUL, dot segment or a malformed escape is the gateway's 404 APIGW.0101."""
    emulator.add_instance("a")
    status, body = raw_exchange(
        emulator,
        f"GET /v2/{emulator.project_id}/instances/{segment}/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(),
    )
    assert (status, body["error_code"]) == (404, "APIGW.0101")
    status, body = raw_exchange(
        emulator,
        f"GET /v2/{emulator.project_id}/instances/a/tasks/{segment} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(),
    )
    assert (status, body["error_code"]) == (404, "APIGW.0101")


@pytest.mark.parametrize("segment", ["a%2Fb", "a%5Cb", "%2E%2E", "a%zzb"])
def test_admin_refuses_encoded_separators(emulator: Emulator, segment: str) -> None:
    """The admin API does not create an instance called 'a/b' either."""
    status, body = raw_exchange(
        emulator,
        f"POST /_emulator/instances/{segment}/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".encode(),
    )
    assert status == 400 and body["field"] == "instance_id"
    assert emulator.request_counts()["total"] == 0
    assert requests.get(f"{emulator.url}/_emulator/instances", timeout=10).json()["instances"] == []


def test_ordinary_escapes_still_work(emulator: Emulator) -> None:
    """An escaped ':' in an instance id is decoded once, as the gateway does."""
    emulator.add_task("inst:1")
    with requests.Session() as session:
        session.auth = AkSkAuth(TEST_AK, TEST_SK)
        response = session.get(
            f"{emulator.url}/v2/{emulator.project_id}/instances/inst%3A1/tasks", timeout=10
        )
    assert response.status_code == 200 and response.json()["task_count"] == "1"


# -- the secret key off the command line ------------------------------------------------------------


def spawn_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if k != "DMS_EMULATOR_SK"}
    return subprocess.Popen(
        [sys.executable, "-m", "pulumi_dms_tasks.emulator", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**clean, **(env or {})},
    )


def command_line_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.parametrize("source", ["env", "file"])
def test_secret_key_from_env_or_file_stays_out_of_ps(tmp_path: Path, source: str) -> None:
    """DMS_EMULATOR_SK or --sk-file: signed calls work and the process's command line has no secret."""
    base = ["--port", "0", "--ak", AK, "--project-id", PROJECT]
    if source == "env":
        proc = spawn_cli(*base, env={"DMS_EMULATOR_SK": SK})
    else:
        key_file = tmp_path / "sk"
        key_file.write_text(SK + "\n")
        key_file.chmod(0o600)
        proc = spawn_cli(*base, "--sk-file", str(key_file))
    try:
        url = wait_for_url(proc)
        assert SK not in command_line_of(proc.pid)
        assert signed_list(url, "nope").json()["error_code"] == "DMS.00404022"  # signature accepted
        code, out, err, _ = stop(proc, 15)
        assert code == 0 and SK not in out + err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, "--sk-file FILE, the DMS_EMULATOR_SK environment variable, or --sk"),
        ([], {"DMS_EMULATOR_SK": "  "}, "DMS_EMULATOR_SK"),
        (["--sk-file", "/nonexistent/sk"], {}, "argument --sk-file: cannot read"),
        (["--sk-file", "{empty}"], {}, "argument --sk-file"),
        (["--sk", SK, "--sk-file", "/nonexistent/sk"], {}, "not allowed with argument"),
    ],
)
def test_missing_or_unreadable_secret_key_exits_2(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    """No usable secret key is exit 2 naming where it can come from, never echoing a key."""
    (tmp_path / "empty").write_text("\n")
    args = [a.replace("{empty}", str(tmp_path / "empty")) for a in args]
    proc = spawn_cli("--ak", AK, "--project-id", PROJECT, *args, env=env)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and out == ""
    assert expected in err and SK not in err
