"""Lanes: the untimed passes' processes side by side, each lane on a database of its own.

The count pass (instructions counted by valgrind) and the memory pass (a process's peaks)
measure figures that do not depend on a quiet machine, so unlike the timed rounds their
processes need not take turns: on a machine with two cores, two of them at once halve the
passes' wall time (the gate's, in CI, by about two minutes). Each lane gets a database of
its own, because every case's process empties the tables and enters its state: on a SQLite
file the run's database is copied for the second lane (SQLite's backup API: a migrated,
harness-made database, marker table and all). On PostgreSQL or a database named by
``DATABASE_URL`` there is one lane: a second database would be another copy to make, keep
and remove on a server that may be the user's, for figures that come out the same.

:func:`side_by_side` runs a list of :class:`Command` over the lanes, each process in a
session of its own so that Ctrl-C or SIGTERM here removes every one of them (and what they
started: valgrind traces worker processes), and hands each line a process prints to
``progress``. A command whose import starts worker processes of its own runs ``alone``,
after the others: beside another process its workers would share the cores three ways, and
a million-row ``streaming-parallel`` beside ``streaming`` took the memory pass from about
four minutes to six.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..db import environment
from ..db.postgres import terminate_gracefully

#: At most this many lanes (the passes' processes are single-threaded, mostly).
MAX_LANES = 2


@dataclass
class Command:
    """One process to run: its arguments, what it adds to the lane's environment, and
    whether it needs every core (see the module)."""

    args: list[str]
    env: dict = field(default_factory=dict)
    alone: bool = False


@dataclass
class Finished:
    """What one command of :func:`side_by_side` left: its exit status and output."""

    returncode: int
    stdout: str
    stderr: str


def lane_count() -> int:
    """How many lanes this run's database allows on this machine (see the module)."""
    if environment.database_override() is not None or not os.environ.get(
            environment.DB_PATH_ENV):
        return 1
    return max(1, min(MAX_LANES, os.cpu_count() or 1))


@contextmanager
def lane_environments(lanes: int) -> Iterator[list[dict]]:
    """The environment of each lane's processes: the first lane uses the run's database,
    every other one a copy of it, removed afterwards."""
    if lanes <= 1:
        yield [dict(os.environ)]
        return
    source = environment.sqlite_path()
    with tempfile.TemporaryDirectory(prefix="django-import-bench-lanes-",
                                     dir=source.parent) as scratch:
        envs = [dict(os.environ)]
        for lane in range(1, lanes):
            copy = Path(scratch) / f"lane{lane}.sqlite3"
            _copy_sqlite(source, copy)
            envs.append({**os.environ, environment.DB_PATH_ENV: str(copy)})
        yield envs


def _copy_sqlite(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def side_by_side(commands: list[Command], lanes: int,
                 progress: Callable[[str], None] | None = None) -> list[Finished]:
    """Run ``commands`` at most ``lanes`` at a time (those ``alone`` last, one at a time),
    each lane on its own database (:func:`lane_environments`); what each one left, in the
    order given."""
    finished: list[Finished | None] = [None] * len(commands)
    with lane_environments(lanes) as envs, terminate_gracefully():
        # the stable sort keeps the given order within each kind
        waiting = sorted(enumerate(commands), key=lambda item: item[1].alone)
        free, running = list(envs), {}
        try:
            while waiting or running:
                while waiting and free and not (waiting[0][1].alone and running):
                    index, command = waiting.pop(0)
                    env = free.pop(0)
                    running[index] = (_Started(command.args, {**env, **command.env},
                                               progress), env)
                for index, (started, env) in list(running.items()):
                    if started.process.poll() is not None:
                        finished[index] = started.collect()
                        free.append(env)
                        del running[index]
                time.sleep(0.02)
        except BaseException:
            for started, _ in running.values():
                started.kill()
            raise
    return finished


class _Started:
    """One process of :func:`side_by_side`, its output read by a thread as it comes."""

    def __init__(self, command: list[str], env: dict, progress):
        self._errors = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                        stderr=self._errors, text=True,
                                        start_new_session=True)
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(progress,), daemon=True)
        self._reader.start()

    def _read(self, progress) -> None:
        for line in self.process.stdout:
            self._lines.append(line)
            if progress:
                progress(line.rstrip("\n"))

    def collect(self) -> Finished:
        self._reader.join()
        self._errors.seek(0)
        stderr = self._errors.read()
        self._errors.close()
        return Finished(self.process.returncode, "".join(self._lines), stderr)

    def kill(self) -> None:
        """Remove the process and every process it started (its session's group)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self._errors.close()
