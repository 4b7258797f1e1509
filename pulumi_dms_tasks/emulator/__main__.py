"""Command line: ``python -m pulumi_dms_tasks.emulator --port 0 --ak AK --sk-file FILE --project-id P``.

The secret key comes from ``--sk-file FILE`` (the first line), the ``DMS_EMULATOR_SK`` environment
variable, or ``--sk SK`` (visible to every user through ``ps``: avoid it outside throwaway runs).

Prints exactly one line on stdout, ``DMS emulator listening on http://HOST:PORT``, once it accepts
connections; stops cleanly (exit 0) on SIGTERM or Ctrl-C. Bad flags exit 2 naming the flag.
``--tasks FILE`` seeds ``{"instances": {"<instance_id>": [<task spec>, ...]}}`` (the admin API's
task bodies). ``--demo`` seeds fixed demo tasks (see :mod:`pulumi_dms_tasks.emulator._demo`) and
lists them on stderr. The secret key is never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from ._demo import describe_demo
from ._runner import Emulator
from ._specs import SpecError, TaskSpec, parse_instances_file

SK_ENV = "DMS_EMULATOR_SK"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: expected an integer") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is out of range 0-65535")
    return value


def _non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_dms_tasks.emulator",
        description="Run a local emulator of the Huawei Cloud DMS background-task API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=0, help="port to listen on; 0 picks a free one (default)"
    )
    parser.add_argument("--ak", required=True, type=_non_empty, help="access key the emulator accepts")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument(
        "--sk-file",
        metavar="FILE",
        help=f"file whose first line is the secret key for --ak (or set {SK_ENV})",
    )
    secret.add_argument(
        "--sk", type=_non_empty, help="secret key for --ak; shown by ps, prefer --sk-file or " + SK_ENV
    )
    parser.add_argument("--project-id", required=True, type=_non_empty, help="the project id in API paths")
    parser.add_argument("--security-token", type=_non_empty, help="require this X-Security-Token")
    parser.add_argument("--tasks", metavar="FILE", help='JSON file {"instances": {"<id>": [<task>, ...]}}')
    parser.add_argument(
        "--demo", action="store_true", help="seed demo tasks with fixed ids (listed on stderr)"
    )
    parser.add_argument("--log-requests", action="store_true", help="log every request to stderr")
    return parser


def _load_tasks(parser: argparse.ArgumentParser, path: str) -> dict[str, list[TaskSpec]]:
    try:
        with open(path, encoding="utf-8") as handle:
            document: Any = json.load(handle)
    except OSError as exc:
        parser.error(f"argument --tasks: cannot read {path}: {exc.strerror or exc}")
    except ValueError as exc:
        parser.error(f"argument --tasks: {path} is not valid JSON: {exc}")
    try:
        return parse_instances_file(document)
    except SpecError as exc:
        parser.error(f"argument --tasks: {path}: {exc}")


def _secret_key(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    if args.sk is not None:
        return str(args.sk)
    if args.sk_file is not None:
        try:
            with open(args.sk_file, encoding="utf-8") as handle:
                text = handle.readline()
        except (OSError, UnicodeDecodeError) as exc:
            parser.error(
                f"argument --sk-file: cannot read {args.sk_file}: {getattr(exc, 'strerror', None) or exc}"
            )
        key = text.rstrip("\r\n")
        if not key.strip():
            parser.error(f"argument --sk-file: the first line of {args.sk_file} is empty")
        return key
    key = os.environ.get(SK_ENV, "")
    if not key.strip():
        parser.error(
            f"the secret key is required: --sk-file FILE, the {SK_ENV} environment variable, or --sk"
        )
    return key


def main(argv: Sequence[str] | None = None) -> int:
    """Run until SIGTERM / Ctrl-C; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    sk = _secret_key(parser, args)
    seeds = _load_tasks(parser, args.tasks) if args.tasks else {}
    emulator = Emulator(
        ak=args.ak,
        sk=sk,
        project_id=args.project_id,
        security_token=args.security_token,
        host=args.host,
        port=args.port,
        demo=args.demo,
        log_requests=args.log_requests,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        emulator.start()
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        emulator.seed(seeds)
    except SpecError as exc:
        emulator.stop()
        parser.error(f"argument --tasks: {args.tasks}: {exc}")
    if args.demo:
        for line in describe_demo():
            print(line, file=sys.stderr)
        sys.stderr.flush()
    print(f"DMS emulator listening on {emulator.url}", flush=True)
    try:
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
