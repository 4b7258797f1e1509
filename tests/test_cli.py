"""The installed ``dms-tasks`` command, run as a subprocess against the emulator on loopback."""

from __future__ import annotations

import itertools
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pulumi_dms_tasks._matching import params_contain
from pulumi_dms_tasks._outputs import OUTPUT_KEYS
from pulumi_dms_tasks.emulator import Emulator

from .helpers import TEST_AK, TEST_PROJECT, TEST_SK

DMS_TASKS = Path(sys.executable).parent / "dms-tasks"
INSTANCE = "inst-cli-1"
RUNS: list[Mapping[str, Any]] = [{"status": "EXECUTING", "after": 0}]


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    if not DMS_TASKS.exists():
        pytest.fail(f"{DMS_TASKS} is missing: install the package (make setup / pip install -e .)")


def _env(emulator: Emulator | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HW_", "CLOUD_SDK_", "HUAWEICLOUD_SDK_"))}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    if emulator is not None:
        env.update(
            HW_DMS_ENDPOINT=emulator.url,
            HW_ACCESS_KEY=TEST_AK,
            HW_SECRET_KEY=TEST_SK,
            HW_PROJECT_ID=TEST_PROJECT,
        )
    env.update(extra)
    return env


def dms_tasks(
    *args: str, emulator: Emulator | None, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed command to completion (stderr is a pipe: not a terminal)."""
    return subprocess.run(
        [str(DMS_TASKS), *args],
        env=_env(emulator, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _timeline(*steps: tuple[str, float]) -> list[Mapping[str, Any]]:
    return [{"status": status, "after": after} for status, after in steps]


# -- start-up and help -----------------------------------------------------------------------------


def test_help_documents_exit_statuses_and_imports_no_pulumi() -> None:
    """`dms-tasks --help` lists every exit status and loads neither Pulumi nor the HTTP stack."""
    done = subprocess.run(
        [str(DMS_TASKS), "--help"],
        env={**_env(None), "PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "pulumi_dms_tasks._cli" in imported  # the profile really covers our module
    heavy = {m for m in imported if m.split(".")[0] in ("pulumi", "requests", "pydantic", "urllib3", "grpc")}
    assert heavy == set()
    for line in ("0 ", "1 ", "2 ", "3 ", "4 ", "130 "):
        assert f"\n  {line}" in done.stdout
    assert "FAILED, CANCELLED or DELETED" in done.stdout and "timed out" in done.stdout


def test_python_dash_m_is_the_same_command() -> None:
    """`python -m pulumi_dms_tasks` runs the same command line."""
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_dms_tasks", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(None),
    )
    installed = dms_tasks("--version", emulator=None)
    assert done.returncode == installed.returncode == 0
    assert done.stdout == installed.stdout and done.stdout.startswith("dms-tasks ")


def test_readme_documents_the_exit_statuses_of_help() -> None:
    """The README's "From the shell" table lists the same exit statuses as --help."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## From the shell", 1)[1].split("\n## ", 1)[0]
    documented = {
        line.split("|")[1].strip()
        for line in section.splitlines()
        if line.startswith("| ") and line.split("|")[1].strip().isdigit()
    }
    helped = {
        line.split()[0]
        for line in dms_tasks("--help", emulator=None)
        .stdout.split("exit status:")[1]
        .split("\n\n")[0]
        .splitlines()[1:]
    }
    assert documented == helped == {"0", "1", "2", "3", "4", "130"}


def test_every_subcommand_help_shows_the_exit_statuses() -> None:
    """Each subcommand's --help carries the exit-status table too."""
    for command in ("show", "list", "wait", "wait-idle"):
        done = dms_tasks(command, "--help", emulator=None)
        assert done.returncode == 0 and "exit status:" in done.stdout and "130" in done.stdout, command


# -- show and list ---------------------------------------------------------------------------------


def test_show_prints_a_table_for_people(emulator: Emulator) -> None:
    """`show` prints the task's fields, one per line."""
    task_id = emulator.add_task(INSTANCE, name="bindInstancePublicIp", params={"enable_public_ip": True})
    done = dms_tasks("show", INSTANCE, task_id, emulator=emulator)
    assert done.returncode == 0, done.stderr
    fields = dict(line.split(None, 1) for line in done.stdout.splitlines())
    assert fields["task_id"] == task_id and fields["status"] == "SUCCESS"
    assert fields["name"] == "bindInstancePublicIp" and fields["params"] == '{"enable_public_ip": true}'


def test_show_json_has_the_resource_outputs(emulator: Emulator) -> None:
    """`--output json` is one JSON document with the same fields as BackgroundTask's outputs."""
    task_id = emulator.add_task(
        INSTANCE,
        name="modifyAutoTopic",
        params={"auto": "true"},
        timeline=_timeline(("EXECUTING", 0), ("SUCCESS", 2)),
    )
    done = dms_tasks("show", INSTANCE, task_id, "--output", "json", emulator=emulator)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == set(OUTPUT_KEYS)
    assert doc["task_id"] == task_id and doc["instance_id"] == INSTANCE and doc["status"] == "EXECUTING"
    assert doc["params"] == {"auto": "true"} and json.loads(doc["params_json"]) == {"auto": "true"}
    assert doc["succeeded"] is False and done.stderr == ""


def test_list_filters_by_name_status_and_time(emulator: Emulator) -> None:
    """`list` reads every page and keeps the tasks matching --name, --status and --since."""
    now = emulator.now()
    old = emulator.add_task(INSTANCE, name="bindInstancePublicIp", created_at=now - timedelta(hours=3))
    failed = emulator.add_task(
        INSTANCE,
        name="bindInstancePublicIp",
        timeline=_timeline(("FAILED", 0)),
        created_at=now - timedelta(minutes=10),
    )
    ok = emulator.add_task(INSTANCE, name="bindInstancePublicIp", created_at=now - timedelta(minutes=5))
    emulator.add_task(INSTANCE, name="modifyAutoTopic", created_at=now - timedelta(minutes=1))
    for i in range(120):  # more than one page of 100
        emulator.add_task(INSTANCE, name="kafkaConfigModify", created_at=now - timedelta(hours=2, seconds=i))

    everything = json.loads(dms_tasks("list", INSTANCE, "-o", "json", emulator=emulator).stdout)
    assert len(everything["tasks"]) == 124 and everything["instance_id"] == INSTANCE

    done = dms_tasks(
        "list", INSTANCE, "--name", "bindInstancePublicIp", "--since", "1h", "-o", "json", emulator=emulator
    )
    assert done.returncode == 0, done.stderr
    assert [t["task_id"] for t in json.loads(done.stdout)["tasks"]] == [ok, failed]  # newest first, not `old`

    done = dms_tasks(
        "list",
        INSTANCE,
        "--name",
        "bindInstancePublicIp",
        "--status",
        "success,cancelled",
        "-o",
        "json",
        emulator=emulator,
    )
    assert [t["task_id"] for t in json.loads(done.stdout)["tasks"]] == [ok, old]

    table = dms_tasks("list", INSTANCE, "--status", "FAILED", emulator=emulator)
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split() == [
        "TASK",
        "ID",
        "NAME",
        "STATUS",
        "CREATED",
        "AT",
        "UPDATED",
        "AT",
        "DURATION",
    ]
    assert [line.split()[0] for line in table.stdout.splitlines()[1:]] == [failed]


def test_server_text_cannot_write_escape_sequences(emulator: Emulator) -> None:
    """Control characters from the server are shown as '?', never sent to the terminal."""
    task_id = emulator.add_task(INSTANCE, name="evil\x1b]0;pwned\x07\x1b[2J", params={"k": "\x1b[31mred"})
    done = dms_tasks("show", INSTANCE, task_id, emulator=emulator)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "evil?]0;pwned??[2J" in done.stdout
    doc = json.loads(dms_tasks("show", INSTANCE, task_id, "-o", "json", emulator=emulator).stdout)
    assert doc["name"] == "evil\x1b]0;pwned\x07\x1b[2J"  # JSON keeps the exact value, escaped


# -- wait: exit statuses ---------------------------------------------------------------------------


def test_wait_success_exits_0_with_plain_progress_lines(emulator: Emulator) -> None:
    """Not on a terminal: one plain line per status change, no control characters, exit 0."""
    task_id = emulator.add_task(
        INSTANCE, timeline=_timeline(("CREATED", 0), ("EXECUTING", 1.0), ("SUCCESS", 2.5))
    )
    done = dms_tasks(
        "wait",
        INSTANCE,
        task_id,
        "--poll-interval",
        "0.2s",
        "--max-poll-interval",
        "0.2s",
        "-o",
        "json",
        emulator=emulator,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "SUCCESS"
    assert not any(ord(c) < 32 and c != "\n" for c in done.stderr)
    lines = done.stderr.splitlines()
    statuses = [line.split(": ", 1)[1].split(",")[0] for line in lines]
    assert statuses[-1] == "SUCCESS" and "EXECUTING" in statuses  # CREATED too, unless start-up took 1 s
    assert all(a != b for a, b in itertools.pairwise(statuses))  # a line per change...
    polls = int(lines[-1].rsplit(", ", 1)[1].split()[0])
    assert polls > len(lines)  # ...not per poll
    assert all(line.startswith("[") and f"task {task_id} on {INSTANCE}" in line for line in lines)


@pytest.mark.parametrize("final", ["FAILED", "CANCELLED", "DELETED"])
def test_wait_exits_1_when_the_task_fails(emulator: Emulator, final: str) -> None:
    """FAILED, CANCELLED and DELETED end the wait with exit 1 and say so on stderr."""
    task_id = emulator.add_task(
        INSTANCE, name="modifyAutoTopic", timeline=_timeline(("EXECUTING", 0), (final, 0.6))
    )
    done = dms_tasks("wait", INSTANCE, task_id, "--poll-interval", "0.2s", "-o", "json", emulator=emulator)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["status"] == final  # the final task, for the script to read
    error = done.stderr.splitlines()[-1]
    assert error.startswith("dms-tasks: ") and task_id in error and f"status {final}" in error
    assert INSTANCE in error and "modifyAutoTopic" in error


def test_wait_exits_3_on_timeout_with_heartbeats(emulator: Emulator) -> None:
    """The deadline passes first: exit 3 naming the last status; heartbeats while nothing changes."""
    task_id = emulator.add_task(INSTANCE, timeline=RUNS)
    done = dms_tasks(
        "wait",
        INSTANCE,
        task_id,
        "--timeout",
        "2s",
        "--poll-interval",
        "0.5s",
        "--heartbeat",
        "0.5s",
        emulator=emulator,
    )
    assert done.returncode == 3, done.stderr
    progress, error = done.stderr.splitlines()[:-1], done.stderr.splitlines()[-1]
    assert "timed out" in error and "last status EXECUTING" in error and task_id in error
    assert len(progress) >= 3 and all(": EXECUTING" in line for line in progress)  # heartbeats, same status
    assert "\x1b" not in done.stderr and "\r" not in done.stderr


@pytest.mark.fault_cases(1)
def test_heartbeat_while_the_first_answer_is_late(emulator: Emulator) -> None:
    """A stalled first request still gets heartbeat lines, so a CI job is never silent for long."""
    task_id = emulator.add_task(INSTANCE)
    emulator.add_fault("delay", delay=2, operation="show")
    done = dms_tasks("wait", INSTANCE, task_id, "--heartbeat", "0.5s", "-o", "json", emulator=emulator)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) >= 3 and all(line.endswith(": no answer yet") for line in lines[:-1])
    assert lines[-1].endswith(": SUCCESS, 1 poll")


def test_wait_quiet_prints_nothing(emulator: Emulator) -> None:
    """--quiet: the exit status is the answer."""
    task_id = emulator.add_task(INSTANCE, timeline=_timeline(("EXECUTING", 0), ("SUCCESS", 0.5)))
    done = dms_tasks("wait", INSTANCE, task_id, "--poll-interval", "0.2s", "-q", emulator=emulator)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_wait_by_name_takes_the_task_of_this_change(emulator: Emulator) -> None:
    """--name with --since and --params-match skips an older same-name task and a newer one with other
    params, and keeps looking until the right task appears."""
    now = emulator.now()
    emulator.add_task(
        INSTANCE,
        name="bindInstancePublicIp",
        params={"public_ip_id": "eip-1"},
        created_at=now - timedelta(hours=1),
    )
    emulator.add_task(INSTANCE, name="bindInstancePublicIp", params={"public_ip_id": "eip-2"})
    since = (now - timedelta(seconds=30)).isoformat()
    with subprocess.Popen(
        [
            str(DMS_TASKS),
            "wait",
            INSTANCE,
            "--name",
            "bindInstancePublicIp",
            "--since",
            since,
            "--params-match",
            '{"public_ip_id": "eip-1", "nested": {"on": true}}',
            "--poll-interval",
            "0.3s",
            "--timeout",
            "30s",
            "-o",
            "json",
        ],
        env=_env(emulator),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        time.sleep(1.0)
        assert proc.poll() is None  # still looking
        wanted = emulator.add_task(
            INSTANCE,
            name="bindInstancePublicIp",
            params={"public_ip_id": "eip-1", "nested": {"on": True, "x": 1}},
            timeline=_timeline(("EXECUTING", 0), ("SUCCESS", 0.5)),
        )
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert json.loads(out)["task_id"] == wanted and json.loads(out)["status"] == "SUCCESS"
    assert "no such task yet" in err and "found task " + wanted in err


def test_wait_by_name_exits_3_when_no_task_appears(emulator: Emulator) -> None:
    """No matching task before the deadline is a timeout (exit 3) that says what was looked for."""
    emulator.add_task(INSTANCE, name="bindInstancePublicIp", params={"public_ip_id": "eip-2"})
    done = dms_tasks(
        "wait",
        INSTANCE,
        "--name",
        "bindInstancePublicIp",
        "--params-match",
        '{"public_ip_id": "eip-1"}',
        "--timeout",
        "1s",
        "--poll-interval",
        "0.3s",
        emulator=emulator,
    )
    assert done.returncode == 3, done.stderr
    assert "no task named 'bindInstancePublicIp' with params containing" in done.stderr.splitlines()[-1]


# -- bad input, settings, credentials, API errors --------------------------------------------------


@pytest.mark.bad_input_cases(1)
@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["show", "inst/../x", "t1"], "INSTANCE_ID"),
        (["show", "inst-1", "t 1"], "TASK_ID"),
        (["wait", "inst-1", "t1", "--timeout", "soon"], "--timeout"),
        (["wait", "inst-1", "t1", "--poll-interval=-5s"], "--poll-interval"),
        (
            ["wait", "inst-1", "t1", "--poll-interval", "10s", "--max-poll-interval", "1s"],
            "--max-poll-interval",
        ),
        (["wait", "inst-1", "--name", "x", "--params-match", "{not json"], "--params-match"),
        (["wait", "inst-1", "--name", "x", "--params-match", "[1, 2]"], "--params-match"),
        (["wait", "inst-1", "--name", "x", "--since", "yesterday"], "--since"),
        (["wait", "inst-1", "t1", "--since", "1h"], "--since"),
        (["wait", "inst-1"], "TASK_ID"),
        (["list", "inst-1", "--status", "RUNNING"], "--status"),
        (["list", "inst-1", "--since", "1h", "--until", "2h"], "--since"),
        (["show", "inst-1", "t1", "--endpoint", "ftp://example.com"], "--endpoint"),
    ],
)
def test_bad_input_exits_2_naming_it_before_any_request(
    emulator: Emulator, argv: list[str], named: str
) -> None:
    """Bad input: exit 2, one line naming the argument, and not a single request sent."""
    done = dms_tasks(*argv, emulator=emulator)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and named in done.stderr and done.stderr.startswith("dms-tasks: ")
    assert emulator.request_counts()["total"] == 0


def test_usage_errors_exit_2(emulator: Emulator) -> None:
    """argparse's own errors (unknown command, missing argument) also exit 2."""
    for argv in (["frobnicate"], ["show", "inst-1"], ["list"], []):
        assert dms_tasks(*argv, emulator=emulator).returncode == 2, argv
    assert emulator.request_counts()["total"] == 0


def test_missing_settings_exit_2_naming_the_variables(emulator: Emulator) -> None:
    """Without settings: one line naming what to set, exit 2, nothing sent."""
    done = dms_tasks("show", INSTANCE, "t1", emulator=None)
    assert done.returncode == 2
    assert done.stderr == (
        "dms-tasks: missing settings: set HW_REGION_NAME or HW_DMS_ENDPOINT (or --region/--endpoint), "
        "HW_PROJECT_ID (or --project-id), HW_ACCESS_KEY and HW_SECRET_KEY\n"
    )
    done = dms_tasks("show", INSTANCE, "t1", emulator=emulator, HW_SECRET_KEY="")
    assert (done.returncode, done.stderr) == (2, "dms-tasks: missing settings: set HW_SECRET_KEY\n")
    assert emulator.request_counts()["total"] == 0


def test_settings_flags_come_before_the_environment(emulator: Emulator) -> None:
    """--project-id and --endpoint win over HW_PROJECT_ID and HW_DMS_ENDPOINT, as in the library."""
    task_id = emulator.add_task(INSTANCE)
    done = dms_tasks(
        "--project-id",
        TEST_PROJECT,
        "show",
        INSTANCE,
        task_id,
        "--endpoint",
        emulator.url,
        emulator=emulator,
        HW_PROJECT_ID="other-project",
        HW_DMS_ENDPOINT="http://127.0.0.1:1",
    )
    assert done.returncode == 0, done.stderr
    done = dms_tasks("show", INSTANCE, task_id, "--project-id", "other-project", emulator=emulator)
    assert done.returncode == 4 and "HTTP 403" in done.stderr


def test_credentials_only_from_the_environment(emulator: Emulator) -> None:
    """No flag takes a credential: offered nowhere, refused without echoing the value."""
    for command in ([], ["show"], ["list"], ["wait"], ["wait-idle"]):
        text = dms_tasks(*command, "--help", emulator=None).stdout.lower()
        assert (
            "--ak" not in text
            and "--sk" not in text
            and "--secret" not in text
            and "--access-key" not in text
        )
    for flag in ("--sk", "--ak", "--secret-key", "--access-key", "--security-token"):
        for argv in (
            ["show", INSTANCE, "t1", flag, "s3cr3t-value"],
            [f"{flag}=s3cr3t-value", "show", INSTANCE, "t1"],
        ):
            done = dms_tasks(*argv, emulator=emulator)
            assert done.returncode == 2 and flag in done.stderr and "environment" in done.stderr
            assert "s3cr3t-value" not in done.stderr + done.stdout
    assert emulator.request_counts()["total"] == 0
    task_id = emulator.add_task(INSTANCE)
    assert (
        dms_tasks("show", INSTANCE, task_id, emulator=emulator).returncode == 0
    )  # the environment's keys work


def test_wrong_secret_exits_4_with_code_and_request_id_never_the_secret(emulator: Emulator) -> None:
    """A 401: exit 4, stderr names the task, status, error code and request id; no credential anywhere."""
    task_id = emulator.add_task(INSTANCE)
    wrong = "wrong-Secret-Key-0123456789abcdefXYZ"
    done = dms_tasks("show", INSTANCE, task_id, emulator=emulator, HW_SECRET_KEY=wrong)
    assert done.returncode == 4
    error = done.stderr.strip()
    assert "HTTP 401 APIGW.0301" in error and task_id in error and "request_id=" in error
    assert "request_id=-" not in error
    assert wrong not in done.stderr + done.stdout and TEST_SK not in done.stderr + done.stdout


def test_unknown_task_exits_4_with_the_api_error(emulator: Emulator) -> None:
    """A 404 from the API: exit 4 with the error code and request id."""
    emulator.add_instance(INSTANCE)
    done = dms_tasks("wait", INSTANCE, "0" * 32, "--poll-interval", "0.1s", emulator=emulator)
    assert done.returncode == 4
    assert "HTTP 404 DMS.00404023" in done.stderr and "request_id=" in done.stderr


def test_unreachable_endpoint_exits_4(emulator: Emulator) -> None:
    """Nothing listening: a transport error, exit 4."""
    done = dms_tasks(
        "show", INSTANCE, "t1", "--endpoint", "http://127.0.0.1:9", emulator=emulator, HW_MAX_RETRIES="0"
    )
    assert done.returncode == 4 and "connection failed" in done.stderr


# -- the terminal: live line, Ctrl-C ---------------------------------------------------------------


def _run_in_pty(argv: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, bytes]:
    """Run with stdout and stderr on a pseudo-terminal; return the exit status and everything written."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            argv,
            env={**env, "TERM": "xterm"},
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
    finally:
        os.close(slave)
    data = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                data += chunk
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=10), data
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


def test_terminal_gets_one_line_redrawn_in_place(emulator: Emulator) -> None:
    """On a terminal the progress line is redrawn with \\r (elapsed time ticking), then the table."""
    task_id = emulator.add_task(INSTANCE, timeline=_timeline(("EXECUTING", 0), ("SUCCESS", 4)))
    code, data = _run_in_pty(
        [str(DMS_TASKS), "wait", INSTANCE, task_id, "--poll-interval", "0.5s"], _env(emulator)
    )
    assert code == 0, data
    text = data.decode().replace("\r\n", "\n")  # the terminal's own newline translation
    live, _, table = text.partition("\n")
    draws = live.split("\r")[1:]
    assert len(draws) >= 3 and all(
        d.startswith(f"task {task_id[:8]}: ") and d.endswith("\x1b[K") for d in draws
    )
    assert "EXECUTING" in draws[0] and "SUCCESS" in draws[-1]
    assert "[1s]" in live and "[2s]" in live  # the elapsed time moves between polls
    assert "status      SUCCESS" in table  # the table follows the finished line


def _wait_for_first_line(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    assert proc.stderr is not None
    ready, _, _ = select.select([proc.stderr], [], [], timeout)
    assert ready, "no progress line"
    return proc.stderr.readline()


def test_ctrl_c_during_a_wait_exits_130_promptly(emulator: Emulator) -> None:
    """SIGINT while the wait sleeps between polls: exit 130 within a second or so, saying where it was."""
    task_id = emulator.add_task(INSTANCE, timeline=RUNS)
    with subprocess.Popen(
        [str(DMS_TASKS), "wait", INSTANCE, task_id, "--poll-interval", "20s"],
        env=_env(emulator),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert "EXECUTING" in _wait_for_first_line(proc)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert took < 3, f"took {took:.2f}s to stop"
    assert "interrupted" in err and task_id in err and "EXECUTING" in err
    assert "Traceback" not in err


@pytest.mark.fault_cases(1)
def test_ctrl_c_while_a_request_hangs_exits_130_promptly(emulator: Emulator) -> None:
    """SIGINT while a response is stalled: the command still stops within about a second."""
    task_id = emulator.add_task(INSTANCE, timeline=RUNS)
    emulator.add_fault("delay", delay=10, operation="show")
    with subprocess.Popen(
        [str(DMS_TASKS), "wait", INSTANCE, task_id],
        env=_env(emulator),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        deadline = time.monotonic() + 20
        while emulator.request_counts()["total"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the show request is now held by the emulator
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert took < 3, f"took {took:.2f}s to stop"
    assert "interrupted" in err and "Traceback" not in err


# -- wait-idle -------------------------------------------------------------------------------------


def test_wait_idle_waits_for_running_tasks_and_lists_them(emulator: Emulator) -> None:
    """wait-idle returns once nothing runs; a task that failed meanwhile is listed, not fatal."""
    now = emulator.now()
    emulator.add_task(INSTANCE, name="changeRetentionPolicy", created_at=now - timedelta(hours=1))
    resize = emulator.add_task(
        INSTANCE, name="resize", timeline=_timeline(("EXECUTING", 0), ("SUCCESS", 1.0))
    )
    topic = emulator.add_task(
        INSTANCE, name="modifyAutoTopic", timeline=_timeline(("CREATED", 0), ("FAILED", 1.5))
    )
    done = dms_tasks(
        "wait-idle",
        INSTANCE,
        "--poll-interval",
        "0.3s",
        "--max-poll-interval",
        "0.3s",
        "-o",
        "json",
        emulator=emulator,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["instance_id"] == INSTANCE and doc["idle_at"].endswith("Z")
    assert sorted((t["task_id"], t["name"], t["status"]) for t in doc["waited_for"]) == sorted(
        [(resize, "resize", "SUCCESS"), (topic, "modifyAutoTopic", "FAILED")]
    )
    assert "2 running" in done.stderr.splitlines()[0] and "\x1b" not in done.stderr


def test_wait_idle_on_an_idle_instance_returns_at_once(emulator: Emulator) -> None:
    """Nothing running: exit 0 after one look, a one-line table."""
    emulator.add_task(INSTANCE, name="changeRetentionPolicy")
    done = dms_tasks("wait-idle", INSTANCE, emulator=emulator)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"instance {INSTANCE} idle at ") and done.stdout.count("\n") == 1
    assert emulator.request_counts()["by_operation"]["list"] == 1


def test_wait_idle_timeout_exits_3_naming_the_running_tasks(emulator: Emulator) -> None:
    """Still busy at the deadline: exit 3 naming each task still running."""
    busy = emulator.add_task(INSTANCE, name="resize", timeline=RUNS)
    done = dms_tasks("wait-idle", INSTANCE, "--timeout", "1s", "--poll-interval", "0.3s", emulator=emulator)
    assert done.returncode == 3, done.stderr
    error = done.stderr.splitlines()[-1]
    assert "timed out" in error and f"still running: {busy} (resize, EXECUTING)" in error


# -- params_match: the pure rule the client and the CLI share --------------------------------------


@pytest.mark.parametrize(
    ("params", "wanted", "expected"),
    [
        ({"a": 1, "b": "x"}, {"a": 1}, True),
        ({"a": 1}, {"a": 1.0}, True),  # JSON numbers
        ({"a": True}, {"a": 1}, False),  # true is not 1
        ({"a": 1}, {"a": True}, False),
        ({"a": "1"}, {"a": 1}, False),
        ({"a": {"b": {"c": 1, "d": 2}, "e": 3}}, {"a": {"b": {"c": 1}}}, True),  # nested objects: containment
        ({"a": {"b": 1}}, {"a": {"b": 2}}, False),
        ({"a": "x"}, {"a": {"b": 1}}, False),
        ({"a": [1, 2]}, {"a": [1, 2]}, True),  # arrays: equal, in order
        ({"a": [1, 2, 3]}, {"a": [1, 2]}, False),
        ({"a": [{"x": True}]}, {"a": [{"x": 1}]}, False),
        ({"a": None}, {"a": None}, True),
        ({}, {"a": None}, False),
        (None, {"a": 1}, False),
        ({"a": 1}, {}, True),
    ],
)
def test_params_contain(params: Any, wanted: dict[str, Any], expected: bool) -> None:
    """A task's params contain the wanted object, values compared as JSON values."""
    assert params_contain(params, wanted) is expected
