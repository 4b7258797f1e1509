"""``dms-tasks``: the client's lookups and waits from a shell, for scripts, CI pipelines and operators.

Start-up imports only the standard library and the package's light modules, so ``--help`` is
instant and never loads Pulumi; the client (requests, pydantic) loads once a command runs. Every
argument is checked before any request. The command runs in a worker thread so that the main
thread can redraw the progress line and answer Ctrl-C within a second, even while a request hangs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._constants import (
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    HEARTBEAT_SECONDS,
)
from ._display import Display, clean, format_seconds, wants_live
from ._errors import (
    ConfigurationError,
    DmsError,
    InvalidInputError,
    ServerError,
    TaskFailedError,
    TaskTimeoutError,
    ThrottledError,
    TransportError,
)
from ._validation import parse_duration, parse_time, validate_id, validate_task_name
from ._version import __version__

if TYPE_CHECKING:
    from ._client import DmsClient
    from ._models import Task
    from ._settings import ClientSettings
    from ._waiting import WaitProgress

__all__ = ["build_parser", "main"]

PROG = "dms-tasks"
EXIT_OK = 0
EXIT_TASK_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3
EXIT_API_ERROR = 4
EXIT_INTERRUPTED = 130
# After Ctrl-C the wait stops at once if it is sleeping; a request in flight gets this long.
INTERRUPT_GRACE = 0.5
TICK = 0.2
KNOWN_STATUSES = ("CREATED", "EXECUTING", "SUCCESS", "FAILED", "DELETED", "CANCELLED")

EXIT_STATUS_HELP = """\
exit status:
  0    success (wait: the task ended SUCCESS; wait-idle: no task is running)
  1    the task ended FAILED, CANCELLED or DELETED
  2    bad usage or bad input (named, before any request), or settings missing
  3    timed out (the task, or the instance, is still busy)
  4    an API, authentication or transport error (or any other error)
  130  interrupted (Ctrl-C); the task itself goes on in the cloud
"""

ENVIRONMENT_HELP = """\
environment (credentials are read only from here, never from flags):
  HW_ACCESS_KEY, HW_SECRET_KEY, HW_SECURITY_TOKEN   (also HUAWEICLOUD_SDK_AK/SK/SECURITY_TOKEN,
                                                   CLOUD_SDK_AK/SK)
  HW_REGION_NAME, HW_PROJECT_ID, HW_DMS_ENDPOINT, HW_CLOUD, HW_MAX_RETRIES, HW_INSECURE,
  HW_CACERT_FILE
"""

TIME_HELP = "an ISO 8601 time, YYYYMMDDHHmmss (UTC), or a duration ago such as 30m or 2h"


class UsageError(DmsError):
    """A command line the commands cannot run (exit 2)."""


class NoTaskFoundError(DmsError):
    """``wait --name``: no matching task appeared before the deadline (exit 3)."""


# -- arguments --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``dms-tasks`` argument parser (building it imports nothing but argparse)."""
    # SUPPRESS: the shared options may come before or after the command without one
    # overwriting the other with its default.
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    where = common.add_argument_group("settings (else from the environment; credentials only from there)")
    where.add_argument(
        "--region", default=argparse.SUPPRESS, help="region id such as cn-north-4 (HW_REGION_NAME)"
    )
    where.add_argument("--project-id", default=argparse.SUPPRESS, help="project id (HW_PROJECT_ID)")
    where.add_argument("--endpoint", default=argparse.SUPPRESS, help="DMS endpoint URL (HW_DMS_ENDPOINT)")
    out = common.add_argument_group("output")
    out.add_argument(
        "-o",
        "--output",
        choices=("table", "json"),
        default=argparse.SUPPRESS,
        help="table for people (default) or one JSON document for scripts",
    )
    out.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="no progress and no table; errors still go to stderr, --output json still prints",
    )

    def sub_parser(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=description,
            epilog=EXIT_STATUS_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
        )

    def wait_options(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("waiting")
        g.add_argument(
            "--timeout",
            default=f"{DEFAULT_WAIT_TIMEOUT / 60:g}m",
            help="deadline of the whole wait, e.g. 90s, 20m, 1h30m (default %(default)s)",
        )
        g.add_argument(
            "--poll-interval",
            default=f"{DEFAULT_POLL_INTERVAL:g}s",
            help="first delay between polls (default %(default)s)",
        )
        g.add_argument(
            "--max-poll-interval",
            default=None,
            help=f"cap of the backoff (default max({DEFAULT_MAX_POLL_INTERVAL:g}s, --poll-interval))",
        )
        g.add_argument(
            "--heartbeat",
            default=f"{HEARTBEAT_SECONDS:g}s",
            help="when stderr is not a terminal, print a line at least this often (default %(default)s)",
        )

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Look up and wait for Huawei Cloud DMS background tasks (Kafka, RabbitMQ, RocketMQ).",
        epilog=EXIT_STATUS_HELP + "\n" + ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    show = sub_parser("show", "show one task", "Show one task of an instance.")
    show.add_argument("instance_id", metavar="INSTANCE_ID")
    show.add_argument("task_id", metavar="TASK_ID")

    lst = sub_parser(
        "list",
        "list the tasks of an instance, newest first",
        "List the tasks of an instance (every page), newest first.",
    )
    lst.add_argument("instance_id", metavar="INSTANCE_ID")
    lst.add_argument("--name", help="only tasks of this name, e.g. bindInstancePublicIp")
    lst.add_argument("--since", metavar="T", help=f"only tasks created at or after T: {TIME_HELP}")
    lst.add_argument("--until", metavar="T", help="only tasks created at or before T")
    lst.add_argument(
        "--status",
        metavar="S",
        action="append",
        help=f"only tasks in this status ({', '.join(KNOWN_STATUSES)}); repeat or comma-separate",
    )

    wait = sub_parser(
        "wait",
        "wait until a task is terminal",
        "Wait until a task ends: by id, or the newest task of a name (looked for until it appears).\n"
        "The exit status says how it ended.",
    )
    wait.add_argument("instance_id", metavar="INSTANCE_ID")
    wait.add_argument("task_id", metavar="TASK_ID", nargs="?")
    by_name = wait.add_argument_group("by name (instead of TASK_ID)")
    by_name.add_argument("--name", help="the newest task of this name, e.g. bindInstancePublicIp")
    by_name.add_argument("--since", metavar="T", help=f"only a task created at or after T: {TIME_HELP}")
    by_name.add_argument(
        "--params-match",
        metavar="JSON",
        help="only a task whose params contain this JSON object, e.g. '{\"enable_public_ip\": true}'",
    )
    wait_options(wait)

    idle = sub_parser(
        "wait-idle",
        "wait until no task of an instance is running",
        "Wait until no task of the instance is CREATED or EXECUTING. A task that ends\n"
        "FAILED meanwhile does not fail the wait (the instance is idle again) but is listed.",
    )
    idle.add_argument("instance_id", metavar="INSTANCE_ID")
    wait_options(idle)
    return parser


def parse_when(value: str, field: str, now: datetime | None = None) -> datetime:
    """A time: ISO 8601, ``YYYYMMDDHHmmss`` (UTC) or a duration ago (``30m``, ``2h``, ``1h30m``)."""
    try:
        return parse_time(value, field)
    except InvalidInputError:
        pass
    text = value.strip()
    # A bare number is neither a time nor (here) a duration: "300" is too ambiguous to guess.
    if text and text[-1].isalpha():
        try:
            seconds = parse_duration(text, field)
        except InvalidInputError:
            pass
        else:
            return (now or datetime.now(UTC)) - timedelta(seconds=seconds)
    raise InvalidInputError(field, TIME_HELP, value)


def parse_params_match(value: str, field: str = "--params-match") -> dict[str, Any]:
    """A JSON object that a task's params must contain."""
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        raise InvalidInputError(
            field, "a JSON object such as '{\"enable_public_ip\": true}'", value
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidInputError(field, "a JSON object (not an array or a single value)", value)
    return parsed


def parse_statuses(values: Iterable[str] | None, field: str = "--status") -> frozenset[str] | None:
    """Status filter from repeated or comma-separated values, checked against the documented ones."""
    if not values:
        return None
    wanted: set[str] = set()
    for value in values:
        for part in value.split(","):
            status = part.strip().upper()
            if status not in KNOWN_STATUSES:
                raise InvalidInputError(field, f"one of {', '.join(KNOWN_STATUSES)}", part.strip())
            wanted.add(status)
    return frozenset(wanted)


@dataclass
class Plan:
    """A checked command line: everything a command needs, nothing sent yet."""

    command: str
    instance_id: str
    output: str = "table"
    quiet: bool = False
    task_id: str | None = None
    name: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    statuses: frozenset[str] | None = None
    params_match: dict[str, Any] | None = None
    timeout: float = DEFAULT_WAIT_TIMEOUT
    poll_interval: float = DEFAULT_POLL_INTERVAL
    max_poll_interval: float | None = None
    heartbeat: float = HEARTBEAT_SECONDS
    settings: ClientSettings | None = None


def check_arguments(args: argparse.Namespace) -> Plan:
    """Validate every argument (``InvalidInputError``/``UsageError`` name the one at fault)."""
    plan = Plan(
        command=args.command,
        instance_id=validate_id(args.instance_id, "INSTANCE_ID"),
        output=getattr(args, "output", "table"),
        quiet=bool(getattr(args, "quiet", False)),
    )
    if args.command == "show":
        plan.task_id = validate_id(args.task_id, "TASK_ID")
    elif args.command == "list":
        plan.name = validate_task_name(args.name, "--name") if args.name is not None else None
        plan.since = parse_when(args.since, "--since") if args.since is not None else None
        plan.until = parse_when(args.until, "--until") if args.until is not None else None
        if plan.since and plan.until and plan.since > plan.until:
            raise InvalidInputError(
                "--since", f"a time not after --until ({plan.until.isoformat()})", args.since
            )
        plan.statuses = parse_statuses(args.status)
    if args.command == "wait":
        if (args.task_id is None) == (args.name is None):
            raise UsageError("give exactly one of TASK_ID and --name")
        if args.task_id is not None:
            plan.task_id = validate_id(args.task_id, "TASK_ID")
            for flag, value in (("--since", args.since), ("--params-match", args.params_match)):
                if value is not None:
                    raise UsageError(f"{flag} goes with --name, not with TASK_ID")
        else:
            plan.name = validate_task_name(args.name, "--name")
            plan.since = parse_when(args.since, "--since") if args.since is not None else None
            plan.params_match = (
                parse_params_match(args.params_match) if args.params_match is not None else None
            )
    if args.command in ("wait", "wait-idle"):
        plan.timeout = parse_duration(args.timeout, "--timeout")
        plan.poll_interval = parse_duration(args.poll_interval, "--poll-interval")
        if args.max_poll_interval is not None:
            plan.max_poll_interval = parse_duration(args.max_poll_interval, "--max-poll-interval")
            if plan.max_poll_interval < plan.poll_interval:
                raise InvalidInputError(
                    "--max-poll-interval",
                    f"at least --poll-interval ({args.poll_interval})",
                    args.max_poll_interval,
                )
        plan.heartbeat = parse_duration(args.heartbeat, "--heartbeat")
    return plan


def resolve_cli_settings(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> ClientSettings:
    """Settings exactly as the library resolves them: flags, then the environment (no stack config)."""
    from ._settings import resolve_settings

    env = os.environ if environ is None else environ
    try:
        return resolve_settings(
            endpoint=getattr(args, "endpoint", None),
            region=getattr(args, "region", None),
            project_id=getattr(args, "project_id", None),
            env=env,
        )
    except ConfigurationError as exc:
        raise UsageError(_missing_settings(args, env) or str(exc)) from None
    except InvalidInputError as exc:
        # The library names its argument ("region"); on a command line the flag is the name.
        flag = "--" + exc.field.replace("_", "-")
        if exc.field in ("region", "endpoint", "project_id") and getattr(args, exc.field, None) is not None:
            raise InvalidInputError(flag, exc.expected, getattr(args, exc.field)) from None
        raise


def _missing_settings(args: argparse.Namespace, env: Mapping[str, str]) -> str | None:
    """One line naming every variable still to set, or ``None`` if nothing is simply missing."""
    from ._settings import _ENV  # the library's own lists, so the hint cannot drift from the lookup

    def unset(name: str) -> bool:
        return not any((env.get(var) or "").strip() for var in _ENV[name])

    missing = []
    if (
        not getattr(args, "endpoint", None)
        and not getattr(args, "region", None)
        and unset("endpoint")
        and unset("region")
    ):
        missing.append("HW_REGION_NAME or HW_DMS_ENDPOINT (or --region/--endpoint)")
    if not getattr(args, "project_id", None) and unset("project_id"):
        missing.append("HW_PROJECT_ID (or --project-id)")
    missing += [var for name, var in (("ak", "HW_ACCESS_KEY"), ("sk", "HW_SECRET_KEY")) if unset(name)]
    if not missing:
        return None
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return f"missing settings: set {listed}"


# -- commands ---------------------------------------------------------------------------------------


@dataclass
class Result:
    """What a command produced: a JSON document, its table, the exit status."""

    document: Any
    table: str
    code: int = EXIT_OK


def _outputs(task: Task, instance_id: str) -> dict[str, Any]:
    from ._outputs import task_outputs

    return task_outputs(task, instance_id)


def _table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> str:
    cells = [
        [clean(c, 60) for c in row] for row in ([list(header)] if header else []) + [list(r) for r in rows]
    ]
    if not cells:
        return ""
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def _duration_text(value: Any) -> str:
    return "-" if value is None else f"{value:g}s"


def task_table(doc: Mapping[str, Any]) -> str:
    """One task as ``field  value`` lines."""
    params = json.dumps(doc["params"], separators=(", ", ": "), sort_keys=True) if doc["params"] else "-"
    rows = [
        ("task_id", doc["task_id"]),
        ("instance_id", doc["instance_id"]),
        ("name", doc["name"] or "-"),
        ("status", doc["status"]),
        ("params", params),
        ("user_name", doc["user_name"] or "-"),
        ("created_at", doc["created_at"] or "-"),
        ("updated_at", doc["updated_at"] or "-"),
        ("duration", _duration_text(doc["duration_seconds"])),
    ]
    return "\n".join(f"{key:<12}{clean(value, 200)}" for key, value in rows)


def tasks_table(docs: Sequence[Mapping[str, Any]]) -> str:
    """Tasks as columns, newest first."""
    if not docs:
        return "no tasks"
    return _table(
        [
            (
                d["task_id"],
                d["name"] or "-",
                d["status"],
                d["created_at"] or "-",
                d["updated_at"] or "-",
                _duration_text(d["duration_seconds"]),
            )
            for d in docs
        ],
        header=("TASK ID", "NAME", "STATUS", "CREATED AT", "UPDATED AT", "DURATION"),
    )


def run_show(client: DmsClient, plan: Plan, stop: threading.Event, display: Display | None) -> Result:
    doc = _outputs(client.show_task(plan.instance_id, plan.task_id or ""), plan.instance_id)
    return Result(doc, task_table(doc))


def run_list(client: DmsClient, plan: Plan, stop: threading.Event, display: Display | None) -> Result:
    tasks = client.list_tasks(plan.instance_id, begin_time=plan.since, end_time=plan.until)
    # The API filters whole seconds; filter the exact instants here.
    docs = [
        _outputs(t, plan.instance_id)
        for t in tasks
        if (plan.name is None or t.name == plan.name)
        and (plan.statuses is None or str(t.status) in plan.statuses)
        and (plan.since is None or (t.created_at is not None and t.created_at >= plan.since))
        and (plan.until is None or (t.created_at is not None and t.created_at <= plan.until))
    ]
    return Result({"instance_id": plan.instance_id, "tasks": docs}, tasks_table(docs))


def _show_progress(display: Display, event: WaitProgress) -> None:
    display.update(
        _progress_text(event), (event.status, event.step, event.error is not None), left=event.remain_time
    )


def _progress_text(event: WaitProgress) -> str:
    # Server text is cleaned before it is shown: a step name must not carry escape sequences.
    parts = [clean(event.status or "status not seen yet", 40)]
    if event.percentage is not None:
        parts.append(f"{event.percentage}%")
    if event.remain_time is not None:
        parts.append("~{left} left")  # counts down between polls
    if event.step:
        parts.append(f"step: {clean(event.step, 60)}")
    parts.append(f"{event.polls} poll" + ("s" if event.polls != 1 else ""))
    if event.error:
        parts.append(f"last poll failed: {clean(event.error, 80)}")
    return ", ".join(parts)


def _is_transient(exc: DmsError) -> bool:
    return isinstance(exc, (ServerError, ThrottledError, TransportError))


def run_wait(client: DmsClient, plan: Plan, stop: threading.Event, display: Display | None) -> Result:
    started = time.monotonic()
    deadline = started + plan.timeout
    task_id = plan.task_id
    found: Task | None = None
    if task_id is None:
        found = _search(client, plan, stop, display, deadline)
        task_id = found.id
        if display is not None:
            display.update(f"found task {found.id}, {clean(found.status, 40)}", ("found", str(found.status)))
    if found is not None and found.is_terminal:
        task = found
        if found.failed:
            raise TaskFailedError(
                found, instance_id=plan.instance_id, elapsed=time.monotonic() - started, polls=0
            )
    else:
        task = client.wait_for_task(
            plan.instance_id,
            task_id,
            timeout=max(0.001, deadline - time.monotonic()),
            poll_interval=plan.poll_interval,
            max_poll_interval=plan.max_poll_interval,
            on_progress=(lambda e: _show_progress(display, e)) if display is not None else None,
            stop_event=stop,
        )
    doc = _outputs(task, plan.instance_id)
    return Result(doc, task_table(doc))


def _search(
    client: DmsClient, plan: Plan, stop: threading.Event, display: Display | None, deadline: float
) -> Task:
    """The newest matching task; keep looking (every --poll-interval) until one appears."""
    name = plan.name or ""
    polls = 0
    while True:
        polls += 1
        error: DmsError | None = None
        try:
            task = client.find_latest_task(
                plan.instance_id, name, since=plan.since, params_match=plan.params_match
            )
        except DmsError as exc:
            if not _is_transient(exc):
                raise
            task, error = None, exc
        if task is not None:
            return task
        if display is not None:
            text = f"no such task yet, {polls} poll" + ("s" if polls != 1 else "")
            display.update(
                text + (f", last poll failed: {clean(error, 80)}" if error else ""), ("search", error is None)
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NoTaskFoundError(_not_found_text(plan, error))
        if stop.wait(min(plan.poll_interval, remaining)):
            raise NoTaskFoundError(_not_found_text(plan, error))


def _not_found_text(plan: Plan, error: DmsError | None) -> str:
    since = f" created since {plan.since.isoformat()}" if plan.since else ""
    match = f" with params containing {json.dumps(plan.params_match)}" if plan.params_match else ""
    err = f"; last error: {error}" if error else ""
    return (
        f"timed out after {plan.timeout:g}s: no task named {plan.name!r}{since}{match} "
        f"appeared on instance {plan.instance_id}{err}"
    )


def run_wait_idle(client: DmsClient, plan: Plan, stop: threading.Event, display: Display | None) -> Result:
    def report(event: WaitProgress) -> None:
        if display is None:
            return
        if event.error is not None:
            text, key = f"last poll failed: {clean(event.error, 80)}", None
        else:
            running = event.running
            names = ", ".join(f"{clean(name, 40)} {clean(status, 20)}" for _, name, status in running[:3])
            more = f" and {len(running) - 3} more" if len(running) > 3 else ""
            text = f"{len(running)} running: {names}{more}"
            key = frozenset((task_id, status) for task_id, _, status in running)
        display.update(f"{text}, {event.polls} poll" + ("s" if event.polls != 1 else ""), key)

    result = client.wait_for_idle(
        plan.instance_id,
        timeout=plan.timeout,
        poll_interval=plan.poll_interval,
        max_poll_interval=plan.max_poll_interval,
        on_progress=report,
        stop_event=stop,
    )
    doc = result.to_dict()
    table = f"instance {plan.instance_id} idle at {result.idle_at_text}"
    if result.waited_for:
        table += "; waited for:\n" + _table(
            [(t["task_id"], t["name"] or "-", t["status"]) for t in doc["waited_for"]],
            header=("TASK ID", "NAME", "STATUS"),
        )
    return Result(doc, table)


COMMANDS: dict[str, Callable[[DmsClient, Plan, threading.Event, Display | None], Result]] = {
    "show": run_show,
    "list": run_list,
    "wait": run_wait,
    "wait-idle": run_wait_idle,
}


# -- running ----------------------------------------------------------------------------------------


def exit_status(exc: BaseException) -> int:
    """The documented exit status for an error."""
    if isinstance(exc, TaskFailedError):
        return EXIT_TASK_FAILED
    if isinstance(exc, (TaskTimeoutError, NoTaskFoundError)):  # IdleTimeoutError is a TaskTimeoutError
        return EXIT_TIMEOUT
    if isinstance(exc, (InvalidInputError, ConfigurationError, UsageError)):
        return EXIT_USAGE
    return EXIT_API_ERROR


def _error(message: object) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"{PROG}: {clean(message)}", file=sys.stderr, flush=True)


def _emit(result_doc: Any, table: str | None, plan: Plan) -> None:
    try:
        if plan.output == "json":
            print(json.dumps(result_doc, indent=2), flush=True)
        elif not plan.quiet and table is not None:
            print(table, flush=True)
    except BrokenPipeError:
        # `dms-tasks list ... | head`: the reader is gone; say nothing more on this pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _subject(plan: Plan) -> tuple[str, str]:
    if plan.command == "wait-idle":
        return f"instance {plan.instance_id}", f"{plan.instance_id} idle?"
    if plan.task_id:
        return f"task {plan.task_id} on {plan.instance_id}", f"task {plan.task_id[:8]}"
    return f"task named {plan.name} on {plan.instance_id}", f"{plan.name}"


def execute(plan: Plan) -> int:
    """Run a checked plan in a worker thread; the main thread draws progress and answers Ctrl-C."""
    from ._client import DmsClient

    display: Display | None = None
    if plan.command in ("wait", "wait-idle") and not plan.quiet:
        subject, short = _subject(plan)
        display = Display(
            sys.stderr,
            live=wants_live(sys.stderr),
            subject=subject,
            short_subject=short,
            heartbeat=plan.heartbeat,
        )
    stop = threading.Event()
    outcome: list[Result | BaseException] = []
    client = DmsClient(settings=plan.settings)

    def work() -> None:
        try:
            outcome.append(COMMANDS[plan.command](client, plan, stop, display))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which maps it
            outcome.append(exc)

    interrupted: list[float] = []

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if interrupted:
            os._exit(EXIT_INTERRUPTED)  # a second Ctrl-C: now, whatever is in flight
        interrupted.append(time.monotonic())
        stop.set()

    worker = threading.Thread(target=work, name="dms-tasks", daemon=True)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(TICK)
            if display is not None and not interrupted:
                display.tick()
            if interrupted and time.monotonic() - interrupted[0] >= INTERRUPT_GRACE:
                break
    finally:
        signal.signal(signal.SIGINT, previous)
    if display is not None:
        display.close()
    if interrupted:
        where = (
            f" while waiting for {_subject(plan)[0]} (last: {display.text})" if display is not None else ""
        )
        _error(
            f"interrupted after {format_seconds(display.elapsed) if display else 'a moment'}{where}; "
            "the task itself goes on in the cloud"
        )
        return EXIT_INTERRUPTED
    client.close()
    result = outcome[0]
    if isinstance(result, Result):
        _emit(result.document, result.table, plan)
        return result.code
    task = getattr(result, "task", None)
    if task is not None and hasattr(task, "id"):
        doc = _outputs(task, plan.instance_id)
        _emit(doc, task_table(doc), plan)
    if not isinstance(result, Exception):
        raise result
    if not isinstance(result, DmsError):
        # Not an answer from the API but a bug of ours: keep the traceback for the report.
        import traceback

        traceback.print_exception(result, file=sys.stderr)
        _error(f"unexpected error ({type(result).__name__}); please report it")
        return EXIT_API_ERROR
    _error(result)
    return exit_status(result)


# Flags a user might try for credentials. Refused before argparse, which would echo the value
# ("unrecognized arguments: --sk <secret>") into the terminal or a CI log.
CREDENTIAL_FLAGS = (
    "--ak",
    "--sk",
    "--access-key",
    "--secret-key",
    "--security-token",
    "--token",
    "--password",
)


def refuse_credential_flags(argv: Sequence[str]) -> None:
    """Raise ``UsageError`` naming a credential flag (never its value): credentials come from the environment."""
    for arg in argv:
        if arg == "--":
            return
        flag = arg.split("=", 1)[0].lower()
        if flag in CREDENTIAL_FLAGS:
            raise UsageError(
                f"{flag} is not an option: credentials are read only from the environment (HW_ACCESS_KEY, "
                "HW_SECRET_KEY, HW_SECURITY_TOKEN), so they never show in ps or shell history"
            )


def main(argv: Sequence[str] | None = None) -> int:
    """The ``dms-tasks`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            refuse_credential_flags(argv)
        except UsageError as exc:
            _error(exc)
            return EXIT_USAGE
        args = build_parser().parse_args(argv)
        try:
            plan = check_arguments(args)
            plan.settings = resolve_cli_settings(args)
        except (InvalidInputError, ConfigurationError, UsageError) as exc:
            _error(exc)
            return EXIT_USAGE
        return execute(plan)
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
