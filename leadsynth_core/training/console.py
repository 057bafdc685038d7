"""A dependency-free console progress bar with rate and time left (written to stderr)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar", "format_duration"]


def format_duration(seconds: float) -> str:
    """``3725`` -> ``"1h02m"``, ``95`` -> ``"1m35s"``, ``7.2`` -> ``"7s"``."""
    s = int(max(seconds, 0) + 0.5)
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


class ProgressBar:
    """``label  120/2000 [####......]  6%  12.3 rec/s  ETA 2m31s  <extra>``.

    On a terminal the line is redrawn in place; otherwise (a log file, a batch job) a
    line is printed at most every ``every_s`` seconds and at the end.
    """

    def __init__(self, total: int, label: str, unit: str = "it", *, start: int = 0, stream: TextIO | None = None,
                 every_s: float = 10.0) -> None:
        self.total = max(int(total), 1)
        self.label, self.unit = label, unit
        self.done = start
        self._first = start
        self._stream = stream or sys.stderr
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._every = every_s
        self._t0 = time.monotonic()
        self._last = 0.0

    def update(self, done: int, extra: str = "") -> None:
        """Set the count of finished units and redraw (rate-limited)."""
        self.done = int(done)
        now = time.monotonic()
        final = self.done >= self.total
        if not final and now - self._last < (0.2 if self._tty else self._every):
            return
        self._last = now
        elapsed = now - self._t0
        rate = (self.done - self._first) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        frac = min(self.done / self.total, 1.0)
        bar = "#" * int(frac * 20) + "." * (20 - int(frac * 20))
        eta = "done in " + format_duration(elapsed) if final else (
            "ETA " + format_duration(left) if left == left else "ETA ?")
        line = f"{self.label} {self.done}/{self.total} [{bar}] {100 * frac:3.0f}% {rate:.1f} {self.unit}/s {eta}"
        if extra:
            line += f"  {extra}"
        if self._tty:
            self._stream.write("\r\x1b[K" + line + ("\n" if final else ""))
        else:
            self._stream.write(line + "\n")
        self._stream.flush()
