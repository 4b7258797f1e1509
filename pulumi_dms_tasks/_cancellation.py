"""Stopping waits when the deployment that asked for them goes away.

What reaches a provider of the pinned SDK (pulumi 3.259) when a deployment is stopped, and what
this module watches for:

* The engine's ``Cancel`` call (sent on the first Ctrl-C of ``pulumi up``) is answered with a no-op by
  the Python dynamic-provider host and never reaches the provider; the provider runs in its own
  process group, so the terminal's SIGINT does not reach it either. Nothing can be watched here.
* The engine shuts a provider down (second Ctrl-C, end of a run) with SIGINT to the provider's
  process group: the host's main thread stops its gRPC server and the interpreter starts exiting,
  then waits for the calls still running. A hook that runs before those threads are joined stops
  every wait, so the process ends at once instead of being killed after the engine's 5 s grace.
* The CLI dies (killed, or an Automation API script interrupted): the provider's stdin, a pipe whose
  other end only the CLI holds, reaches end-of-file; if the provider's parent dies its parent pid
  changes. Both stop every wait and then end the process, which nobody else would.

:func:`stop_event` is the event waits pass to ``wait_until_terminal``; :func:`reason` says why it
was set. Only the provider host starts the watchdog (:func:`watch`); in any other process this
module does nothing unless asked.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable

__all__ = ["in_provider_host", "reason", "request_stop", "stop_event", "watch"]

# How often the watchdog looks at its parent; a stop is noticed within this plus the wait's reaction.
CHECK_INTERVAL = 0.2
# After asking the host to exit (SIGINT to itself), how long a call may take to finish first.
EXIT_GRACE = 5.0

_STOP = threading.Event()
_EXITING = threading.Event()  # the interpreter is already on its way out
_lock = threading.Lock()
_reason: str | None = None
_watching = False


def stop_event() -> threading.Event:
    """The process-wide event that ends every wait of this provider process when set."""
    return _STOP


def reason() -> str | None:
    """Why :func:`stop_event` was set (``None`` while it is not)."""
    return _reason


def request_stop(why: str) -> None:
    """Stop every wait in this process; the first reason given is kept."""
    global _reason
    with _lock:
        if _reason is None:
            _reason = why
    _STOP.set()


def in_provider_host() -> bool:
    """Whether this process is the dynamic-provider host the engine started (``python -m pulumi.dynamic``)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def watch(*, exit_when_orphaned: bool = True, interval: float = CHECK_INTERVAL) -> bool:
    """Start the watchdog once per process; ``False`` when it was already running.

    With ``exit_when_orphaned`` the process also ends after its CLI is gone: SIGINT to itself (the
    host's own way to stop), then ``os._exit`` if calls are still running after :data:`EXIT_GRACE`.
    """
    global _watching
    with _lock:
        if _watching:
            return False
        _watching = True
    orphaned = threading.Event()
    why: list[str] = []

    def lost(text: str) -> None:
        if not why:
            why.append(text)
        orphaned.set()

    parent = os.getppid()
    if _stdin_is_pipe():
        threading.Thread(target=_watch_stdin, args=(lost,), name="dms-tasks-stdin-watch", daemon=True).start()
    _on_interpreter_exit(_exiting)
    threading.Thread(
        target=_watchdog,
        args=(parent, orphaned, why, exit_when_orphaned, interval),
        name="dms-tasks-watchdog",
        daemon=True,
    ).start()
    return True


def _exiting() -> None:
    _EXITING.set()
    request_stop("the provider was interrupted: a second Ctrl-C, or the engine shutting it down")


def _stdin_is_pipe() -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(0).st_mode)
    except OSError:
        return False


def _watch_stdin(lost: Callable[[str], None]) -> None:
    # The engine never writes to a provider's stdin; end-of-file means the CLI holding it is gone.
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        return  # stdin unusable: say nothing rather than guess
    lost("the Pulumi CLI that started this provider is gone: killed, or its Automation API script stopped")


def _on_interpreter_exit(callback: Callable[[], None]) -> None:
    # Runs when the interpreter starts exiting, before it joins the threads of running calls
    # (atexit would run after them). Private to the stdlib but what concurrent.futures itself uses;
    # without it the watchdog's main-thread check is the fallback.
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        return
    # Hooks run last-registered first: make sure the thread pools' own hook (which joins the
    # workers still waiting) is registered before ours, whatever was imported first.
    import concurrent.futures.thread  # noqa: F401

    try:
        register(callback)
    except RuntimeError:  # already shutting down
        callback()


def _watchdog(
    parent: int, orphaned: threading.Event, why: list[str], exit_when_orphaned: bool, interval: float
) -> None:
    main = threading.main_thread()
    while not orphaned.wait(interval):
        if os.getppid() != parent:
            why.append(f"the process that started this provider (pid {parent}) is gone")
            break
        if not main.is_alive():
            _exiting()
    request_stop(why[0] if why else "the Pulumi CLI is gone")
    if not exit_when_orphaned:
        return
    # Nobody will read our answers or stop us any more: leave the way the host does on Ctrl-C
    # (unless the interpreter is exiting already: the engine's SIGINT often kills the parent
    # shell at the same moment), and make sure of it if a call is stuck.
    if not _EXITING.wait(0.5):
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), signal.SIGINT)
    time.sleep(EXIT_GRACE)
    os._exit(1)
