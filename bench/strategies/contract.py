"""The contract every import strategy follows.

A strategy takes a resource class, a ``tablib.Dataset`` and
:class:`~bench.strategies.settings.Settings`, and returns an
:class:`Outcome`: one django-import-export ``Result`` (merged across chunks where the
strategy splits the work) plus the facts of the run, one :class:`ChunkFact` per chunk.

Work a strategy needs before the clock starts (building clean instances for ``reference``)
goes in :meth:`Strategy.prepare`; :meth:`Strategy.run` is the part that is timed. A
strategy that cannot import an input without losing data refuses it: :meth:`Strategy.check`
raises :class:`Refused` before anything is timed.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import ClassVar

from import_export.results import Result

from .settings import Knob, Settings


class Refused(Exception):
    """The strategy cannot do what was asked without losing data; the message says why."""


@dataclass
class ChunkFact:
    """What happened to one chunk of the file."""

    index: int
    #: 1-based number, in the whole file, of the chunk's first row.
    first_row: int
    rows: int
    thread_id: int
    pid: int
    #: ``time.monotonic()`` at the start and end of the chunk's import; one clock for every
    #: thread and process on the machine, so chunks of one run can be compared.
    start: float
    end: float
    #: Whether the chunk's writes were kept (not rolled back, not a dry run, no crash).
    committed: bool
    #: SQL statements the chunk's thread sent, savepoints included.
    queries: int = 0
    #: ``"ExceptionType: message"`` when the chunk raised instead of returning a result.
    error: str | None = None
    #: Statements the latency model delayed during the chunk (see :mod:`bench.db.latency`).
    latency_sleeps: int = 0
    #: Seconds inside SQL statements (``lock_s`` of them waiting for a lock), and asleep in
    #: the latency model, on the chunk's thread.
    db_s: float = 0.0
    lock_s: float = 0.0
    latency_s: float = 0.0
    #: The peak resident memory of the chunk's process so far (a worker's, in full).
    peak_rss_bytes: int | None = None
    #: The most memory a worker's Python allocations held while it imported the chunk, in
    #: the memory pass only (tracemalloc; :mod:`bench.probes.memory`).
    peak_python_bytes: int | None = None
    #: Instructions a worker process executed for the chunk, in the count pass only
    #: (:mod:`bench.probes.instructions`).
    instructions: int | None = None
    #: What the chunk's result reported, row counts by import type (``new``, ``update``,
    #: ...); ``None`` when the chunk raised. The accounting check compares them with what
    #: changed in the database.
    totals: dict | None = None
    #: Celery tasks only: seconds from sending the task to a worker starting it, the host
    #: that ran it, and whether the broker delivered it again (a worker died holding it).
    queued_s: float | None = None
    host: str | None = None
    redelivered: bool = False
    #: Celery tasks only: the chunk's report did not come back, and what it committed was
    #: read from the receipt it wrote in the database (:mod:`bench.strategies.receipts`).
    receipt: bool = False
    #: The admin's steps only: bytes of the HTML page (or redirect) the step sent back.
    response_bytes: int | None = None
    #: The admin's steps only: how far the process's resident peak rose above its size
    #: when the step began; ``rss_rise_bound`` when the step did not pass an earlier peak
    #: of the round, so that the figure is an upper bound (the kernel keeps one peak, and
    #: resetting it would spoil the round's).
    rss_rise_bytes: int | None = None
    rss_rise_bound: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def last_row(self) -> int:
        return self.first_row + self.rows - 1


def max_overlap(chunks: list[ChunkFact]) -> int:
    """The most chunks that were running at the same moment."""
    events = [(c.start, 1) for c in chunks] + [(c.end, -1) for c in chunks]
    running = peak = 0
    for _, step in sorted(events):  # at equal times an end (-1) sorts before a start
        running += step
        peak = max(peak, running)
    return peak


@dataclass
class Outcome:
    strategy: str
    settings: Settings
    result: Result
    chunks: list[ChunkFact]
    #: Documented ways in which this run may differ from ``sequential`` (for example that
    #: chunks commit separately). Recorded with the verification, never counted as a pass.
    known_differences: list[str] = field(default_factory=list)
    #: Pages the run answered with that a user reads in a browser (the admin's preview), by
    #: name; the suite saves them for the untimed browser pass (:mod:`bench.probes.browser`).
    pages: dict[str, bytes] = field(default_factory=dict)

    @property
    def max_overlap(self) -> int:
        return max_overlap(self.chunks)

    @property
    def queries(self) -> int:
        return sum(c.queries for c in self.chunks)

    @property
    def failed_chunks(self) -> list[ChunkFact]:
        return [c for c in self.chunks if c.error is not None]


def now() -> float:
    return time.monotonic()


def where() -> tuple[int, int]:
    """(thread id, process id) of the caller."""
    return threading.get_ident(), os.getpid()


class Strategy:
    """Base class. Subclasses set ``name`` and ``summary``, declare their ``knobs``, and
    implement :meth:`run` (and :meth:`resource_class_for` when ``chunkable``)."""

    name: ClassVar[str]
    #: One line for ``--help`` and the README's table.
    summary: ClassVar[str]
    #: The settings this strategy reads that a benchmark may vary (see :class:`Knob`).
    knobs: ClassVar[tuple[Knob, ...]] = ()
    #: Whether the strategy can run inside a chunk of a chunked strategy.
    chunkable: ClassVar[bool] = False
    #: False: a dry run is refused (nothing to roll back, as for ``reference``).
    supports_dry_run: ClassVar[bool] = True
    #: False: a file with an error row (one the library would roll back) is refused;
    #: invalid rows are still reported like the library reports them.
    imports_failing_rows: ClassVar[bool] = True
    #: Where the strategy comes in listings; ties are broken by name.
    rank: ClassVar[int] = 100
    #: False: left out of a matrix that names no strategies (and of the gate's), because it
    #: needs servers of its own (a Celery broker and workers): asked for by name.
    in_default_matrix: ClassVar[bool] = True

    def check(self, resource_class, dataset, settings: Settings) -> None:
        """Raise :class:`Refused` when this strategy would lose data on this input."""
        if settings.dry_run and not self.supports_dry_run:
            raise Refused(f"{self.name} has no dry run: it writes, or it refuses")

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        """Untimed work before :meth:`run`; its return value is passed to ``run``. May raise
        :class:`Refused` for what only this work can find out (a row that does not clean)."""
        return None

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        raise NotImplementedError

    def resource_class_for(self, resource_class, dataset, settings: Settings,
                           using: str = "default"):
        """The resource class that imports one chunk (chunkable strategies only)."""
        raise NotImplementedError

    def keeps_nothing_when_a_row_fails(self, settings: Settings) -> bool:
        """Whether any failing row, invalid or error, stops the import before it writes
        (the admin's preview shows the problems and offers no confirmation)."""
        return False

    def knobs_given(self, settings: Settings) -> tuple[Knob, ...]:
        """The knobs that apply once ``settings`` are chosen: a chunked strategy adds those
        of the strategy its chunks run."""
        return self.knobs

    def chunk_bounds(self, rows: int, settings: Settings) -> list[tuple[int, int]]:
        """``(first, last)`` row, 1-based, of every part of the file that commits on its
        own; the whole file for a strategy that does not split it."""
        return [(1, rows)] if rows else []
