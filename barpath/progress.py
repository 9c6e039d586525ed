"""A plain text progress bar on stderr for long jobs (quiet when stderr is not a terminal, except the end)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, stream=None, min_interval_s: float = 0.2) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.min_interval_s = min_interval_s
        self._last = 0.0
        self._start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if now - self._last < self.min_interval_s and done < total:
            return
        self._last = now
        frac = done / total if total else 1.0
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        self.stream.write(f"\r{self.label} [{bar}] {100 * frac:5.1f}%  {now - self._start:5.1f}s")
        self.stream.flush()

    def done(self, message: str = "") -> None:
        if self.tty:
            self.stream.write("\r" + " " * 70 + "\r")
        if message:
            self.stream.write(message + "\n")
        self.stream.flush()
