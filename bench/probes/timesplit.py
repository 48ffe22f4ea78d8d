"""Where the time of one timed round went.

:class:`RoundClock` is started and stopped around the timed part of a round (never inside
a profiler): it reads the wall clock, the CPU time of this process and of the worker
processes it waited for (``RUSAGE_CHILDREN``), the SQL tally and the latency model of this
process. :func:`split` then divides the round into

``db``
    inside SQL statements, on every thread and in every worker (``lock`` excluded);
``lock``
    of the database time, waiting for a lock (see :mod:`bench.probes.sql`);
``latency``
    asleep in the modelled network latency (:mod:`bench.db.latency`);
``python``
    the rest of the time the chunks ran: django-import-export and the harness in Python;
``queue``
    Celery tasks only: chunks waiting in the broker's queue before a worker took them
    (a chunk waits while others run, so this is time the file waited, not work);
``outside``
    the part of the round no chunk was running or waiting in a queue (start-up of worker
    processes, splitting and merging, checks, the rows to JSON).

On PostgreSQL, ``server_s`` says how much of the database time the server spent executing
(:mod:`bench.probes.server`).

For a strategy that runs one chunk at a time the parts add up to the wall time; chunks
that run at once add up their busy time, so the parts can add up to more (``parallel`` is
their sum over the wall time).
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import asdict, dataclass, fields

from ..db import latency
from . import sql

PARTS = ("db", "lock", "latency", "python", "queue", "outside")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class TimeSplit:
    wall_s: float
    #: CPU seconds of this process and of the worker processes the round waited for.
    cpu_s: float
    db_s: float
    lock_s: float
    latency_s: float
    python_s: float
    outside_s: float
    queue_s: float = 0.0
    #: PostgreSQL only: seconds the server spent executing the round's statements (part of
    #: ``db_s``; the rest of it is the round trips and the driver).
    server_s: float | None = None

    @property
    def busy_s(self) -> float:
        return sum(getattr(self, f"{part}_s") for part in PARTS)

    @property
    def parallel(self) -> float:
        return self.busy_s / self.wall_s if self.wall_s else 0.0

    def shares(self) -> dict[str, float]:
        """Each part's share of the busy time."""
        busy = self.busy_s or 1.0
        return {part: getattr(self, f"{part}_s") / busy for part in PARTS}

    def to_json(self) -> dict:
        data = {**asdict(self), "parallel": self.parallel, "shares": self.shares()}
        if not self.queue_s:  # no Celery task in the round: said nothing, as before it
            del data["queue_s"], data["shares"]["queue"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> TimeSplit:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


class RoundClock:
    """``with RoundClock() as clock: <timed part>`` then ``clock.wall_s``, ``clock.cpu_s``
    and :meth:`split`."""

    def __enter__(self):
        self._tally = sql.process_tally()
        self._slept = latency.process_slept()
        self._cpu = time.process_time() + _children_cpu()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall_s = time.perf_counter() - self._wall
        self.cpu_s = time.process_time() + _children_cpu() - self._cpu
        self.tally = sql.process_tally() - self._tally
        self.slept_s = latency.process_slept() - self._slept
        return False

    def split(self, chunks) -> TimeSplit:
        """The round divided by kind, with the facts of its chunks (worker processes report
        their own SQL and latency time through them)."""
        pid = os.getpid()
        workers = [c for c in chunks if c.pid != pid]
        db = self.tally.db_s + sum(c.db_s for c in workers)
        lock = self.tally.lock_s + sum(c.lock_s for c in workers)
        slept = self.slept_s + sum(c.latency_s for c in workers)
        in_chunks = sum(c.end - c.start for c in chunks)
        chunk_waits = sum(c.db_s + c.latency_s for c in chunks)
        outside_waits = max(0.0, (db + slept) - chunk_waits)
        queued = [(c.start - c.queued_s, c.start) for c in chunks if c.queued_s]
        spans = [(c.start, c.end) for c in chunks] + queued
        outside = max(0.0, self.wall_s - _union(spans) - outside_waits)
        python = max(0.0, in_chunks - chunk_waits)
        return TimeSplit(wall_s=self.wall_s, cpu_s=self.cpu_s, db_s=db - lock, lock_s=lock,
                         latency_s=slept, python_s=python, outside_s=outside,
                         queue_s=sum(end - start for start, end in queued))


def _union(spans) -> float:
    """Seconds covered by at least one of the ``(start, end)`` pairs ``spans``."""
    total, end = 0.0, None
    for start, stop in sorted(spans):
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total
