"""How ``dms-tasks`` shows a wait on stderr: one line redrawn in place on a terminal, plain lines elsewhere.

Standard library only (it loads with ``--help``). Everything shown that came from the server goes
through :func:`clean` first: a hostile or broken server must not be able to write escape sequences
to the operator's terminal or into CI logs.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable, Hashable
from typing import TextIO

__all__ = ["Display", "clean", "format_seconds"]

# C0 controls, DEL and C1 controls (0x9b is a one-byte CSI on some terminals).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CLEAR_TO_EOL = "\x1b[K"


def clean(text: object, limit: int | None = None) -> str:
    """``text`` with control characters replaced by ``?``, cut to ``limit`` characters."""
    value = _CONTROL.sub("?", str(text))
    if limit is not None and len(value) > limit:
        value = value[: max(0, limit - 3)] + "..."
    return value


def format_seconds(seconds: float) -> str:
    """``7s``, ``3m05s``, ``1h02m03s``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def wants_live(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """A line can be redrawn on ``stream``: it is a terminal that is not ``TERM=dumb``."""
    env = os.environ if environ is None else environ
    try:
        return stream.isatty() and env.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


class Display:
    """The progress of one wait.

    ``update`` (from the waiting thread) sets the current text; ``key`` says what counts as a
    change. ``tick`` (from the main thread, a few times a second) keeps the elapsed time moving.
    Live: the line is redrawn with ``\\r`` and cleared to its end. Plain: a line on every change of
    ``key`` and a heartbeat line when nothing was printed for ``heartbeat`` seconds.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        subject: str,
        short_subject: str | None = None,
        heartbeat: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        width: Callable[[], int] | None = None,
    ) -> None:
        self._stream = stream
        self._live = live
        self._subject = subject
        self._short = short_subject or subject
        self._heartbeat = heartbeat
        self._clock = clock
        self._width = width or self._terminal_width
        self._lock = threading.Lock()
        self._started = clock()
        self._template = "no answer yet"
        self._left_until: float | None = None
        self._key: Hashable = None
        # A first request that hangs still gets a heartbeat: CI jobs die when a step is silent too long.
        self._printed_at = self._started
        self._drawn = ""
        self.redraws = 0

    @property
    def elapsed(self) -> float:
        """Seconds since the display was created."""
        return self._clock() - self._started

    @property
    def text(self) -> str:
        """The current text (the last :meth:`update`'s, its countdown applied)."""
        if self._left_until is None:
            return self._template
        left = math.ceil(max(0.0, self._left_until - self._clock()))  # "~0s left" only once it is due
        return self._template.replace("{left}", format_seconds(left))

    def update(self, text: str, key: Hashable, *, left: float | None = None) -> None:
        """Show ``text``; a plain display prints a line when ``key`` differs from the last one.

        With ``left`` (seconds), ``{left}`` in ``text`` counts down from it as time passes.
        """
        with self._lock:
            changed = key != self._key
            self._template, self._key = text, key
            self._left_until = None if left is None else self._clock() + left
            if self._live:
                self._redraw()
            elif changed:
                self._line()

    def tick(self) -> None:
        """Redraw the elapsed time (live) or print a heartbeat when one is due (plain)."""
        with self._lock:
            if self._live:
                self._redraw()
            elif self._clock() - self._printed_at >= self._heartbeat:
                self._line()

    def close(self) -> None:
        """Leave the last state on screen and end the live line."""
        with self._lock:
            if self._live and self._drawn:
                self._redraw()
                self._write("\n")
                self._drawn = ""

    # -- drawing (lock held) ----------------------------------------------------------------

    def _redraw(self) -> None:
        line = f"{self._short}: {self.text} [{format_seconds(self.elapsed)}]"
        line = line[: max(10, self._width() - 1)]
        if line == self._drawn:
            return
        self._drawn = line
        self.redraws += 1
        self._write("\r" + line + CLEAR_TO_EOL)

    def _line(self) -> None:
        self._printed_at = self._clock()
        self._write(f"[{format_seconds(self.elapsed)}] {self._subject}: {self.text}\n")

    def _write(self, data: str) -> None:
        try:
            self._stream.write(data)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # stderr closed (a killed parent's pipe): the wait itself must go on

    def _terminal_width(self) -> int:
        try:
            return os.get_terminal_size(self._stream.fileno()).columns or 80
        except (OSError, ValueError, AttributeError):
            return 80
