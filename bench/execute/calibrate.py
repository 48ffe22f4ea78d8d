"""``calibrate``: an A/A experiment that measures this machine's noise.

The same setting of each strategy is entered several times as if it were different
(replicas), at a few sizes, and the run is repeated once per round schedule (interleaved and
blocked, :mod:`bench.execute.schedule`). Everything the verdict finds between replicas is
noise, so :mod:`bench.results.noise` turns the runs into the verdict's false-positive rate
per schedule and the spread of every figure across rounds and replicas.

With ``drift``, a load is put on the machine for part of each run (busy processes on every
core), the kind of slow drift a shared machine has: blocked rounds let it fall on some
replicas and not others, interleaved rounds spread it over all of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ..db.postgres import terminate_gracefully
from ..results.summary import Summary
from .matrix import MatrixOptions
from .run import run

#: What each busy process runs: a loop that also ends by itself when the window does, so
#: that not even a harness killed with SIGKILL leaves the load behind for long.
BUSY_LOOP = ("import time  # django-import-bench drift\n"
             "end = time.monotonic() + {seconds}\n"
             "while time.monotonic() < end: pass\n")
MARKER = "django-import-bench drift"


@dataclass(frozen=True)
class Drift:
    """Busy processes that start ``start_s`` seconds into a run and stop ``seconds`` later."""

    start_s: float
    seconds: float
    processes: int = os.cpu_count() or 2

    @classmethod
    def parse(cls, text: str) -> Drift:
        """``START:SECONDS``, e.g. ``20:40``."""
        start, _, seconds = text.partition(":")
        try:
            drift = cls(float(start), float(seconds))
        except ValueError:
            raise ValueError(f"expected START:SECONDS, e.g. 20:40, got {text!r}") from None
        if drift.start_s < 0 or drift.seconds <= 0:
            raise ValueError(f"expected a start of 0 or more and a length above 0: {text!r}")
        return drift

    @contextmanager
    def during(self):
        """Put the load on the machine for its window of the block; always removed."""
        stop = threading.Event()
        started: list[subprocess.Popen] = []

        def load():
            if stop.wait(self.start_s):
                return
            code = BUSY_LOOP.format(seconds=self.seconds)
            started.extend(subprocess.Popen([sys.executable, "-c", code])
                           for _ in range(self.processes))
            stop.wait(self.seconds)
            _kill(started)

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        try:
            with terminate_gracefully():
                yield
        finally:
            stop.set()
            thread.join()
            _kill(started)


def _kill(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def calibration_matrix(strategies: list[str], rows: list[int], replicas: int,
                       rounds: int) -> MatrixOptions:
    """The A/A matrix: each strategy at its defaults, ``replicas`` times, on new rows."""
    return MatrixOptions(rows=rows, strategies=strategies, scenarios=["create"],
                         knobs={"thread_sensitive": [True]}, rounds=rounds, flames=False,
                         memory=False, replicas=replicas)


def calibrate(options: MatrixOptions, schedules: list[str], out: Path, db_path: Path,
              drift: Drift | None = None, progress: bool = True
              ) -> dict[str, tuple[int, Path, Summary]]:
    """One run of ``options`` per schedule, each with the same order seed (and the same
    drift, if any); ``(exit code, run folder, summary)`` by schedule."""
    runs = {}
    for schedule in schedules:
        scheduled = replace(options, schedule=schedule)
        with drift.during() if drift else _nothing():
            runs[schedule] = run(scheduled, out, db_path, progress=progress)
    return runs


@contextmanager
def _nothing():
    yield
