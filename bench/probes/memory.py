"""Peak memory of a run: resident set size sampled by a background thread.

Sampling ``/proc`` every few milliseconds costs next to nothing, so it can run during the
timed rounds (tracemalloc would slow them down 2-3x). It covers the process and its
children, so ``process-chunked`` workers count too. The figure is the highest
(parent + children) RSS seen during a round, minus the parent's RSS when the round began.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found.extend(int(c) for c in text)
    except OSError:
        return found
    return found


def _tree_rss(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss(current)
        stack.extend(_children(current))
    return total


def supported() -> bool:
    return Path(f"/proc/{os.getpid()}/statm").exists()


class PeakMemory:
    """``with PeakMemory() as peak: ...`` then ``peak.delta_bytes``."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.start_bytes = self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self, ready: threading.Event):
        pid = os.getpid()
        # the starting point is read by the sampling thread itself, after the memory its
        # own start-up took (a thread stack, a malloc arena), which the work did not
        self.start_bytes = self.peak_bytes = _rss(pid)
        ready.set()
        while not self._stop.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, _tree_rss(pid))

    def __enter__(self):
        if supported():
            ready = threading.Event()
            self._thread = threading.Thread(target=self._sample, args=(ready,), daemon=True)
            self._thread.start()
            ready.wait()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.peak_bytes = max(self.peak_bytes, _tree_rss(os.getpid()))
        return False

    @property
    def delta_bytes(self) -> int:
        return max(0, self.peak_bytes - self.start_bytes)
