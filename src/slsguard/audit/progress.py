"""A one-line progress counter on a terminal while `slsguard audit` reads the account."""

from __future__ import annotations

import threading
import time
from typing import TextIO

INTERVAL = 0.1
"""Seconds between redraws; the last function of a region always redraws."""


class ProgressLine:
    """`slsguard: reading functions 37/212 (2 regions)` on one line, redrawn in place.

    Regions are collected in parallel threads, so the counts are kept under a lock."""

    __slots__ = ("_counts", "_last", "_lock", "_shown", "_stream")

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._last = 0.0
        self._shown = False

    def __call__(self, region: str, done: int, total: int) -> None:
        """Record that `done` of `total` functions of `region` were read, and redraw."""
        with self._lock:
            self._counts[region] = (max(done, self._counts.get(region, (0, 0))[0]), total)
            now = time.monotonic()
            if done < total and now - self._last < INTERVAL:
                return
            self._last = now
            self._stream.write(f"\r\033[K{self.text()}")
            self._stream.flush()
            self._shown = True

    def text(self) -> str:
        """The line as it stands."""
        done = sum(count for count, _ in self._counts.values())
        total = sum(total for _, total in self._counts.values())
        regions = len(self._counts)
        where = f"{regions} regions" if regions > 1 else next(iter(self._counts), "")
        return f"slsguard: reading functions {done}/{total} ({where})"

    def close(self) -> None:
        """Erase the line, so the report starts on a clean one."""
        with self._lock:
            if self._shown:
                self._stream.write("\r\033[K")
                self._stream.flush()
                self._shown = False


def on_terminal(stream: TextIO) -> ProgressLine | None:
    """A progress line on `stream` when it is a terminal; None when it is piped."""
    return ProgressLine(stream) if stream.isatty() else None
