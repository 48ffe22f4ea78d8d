"""The contract every import strategy follows.

A strategy takes a resource class, a ``tablib.Dataset`` and :class:`Settings`, and returns an
:class:`Outcome`: one django-import-export ``Result`` (merged across chunks where the
strategy splits the work) plus the facts of the run, one :class:`ChunkFact` per chunk.

Work a strategy needs before the clock starts (building clean instances for ``reference``)
goes in :meth:`Strategy.prepare`; :meth:`Strategy.run` is the part that is timed.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from import_export.results import Result
from import_export.widgets import ManyToManyWidget


class Refused(Exception):
    """The strategy cannot do what was asked without losing data; the message says why."""


@dataclass(frozen=True)
class Settings:
    """Every knob any strategy reads; each strategy lists the ones it uses in ``uses``."""

    #: Rows per ``bulk_create``/``bulk_update`` batch (``bulk``, ``tuned``).
    batch_size: int = 1000
    #: Number of chunks the ``async-chunked`` recipe splits the file into.
    async_size: int = 10
    #: asgiref's ``thread_sensitive``: True runs every chunk on one shared thread.
    thread_sensitive: bool = True
    #: Worker processes (``process-chunked``); the file is split into this many chunks.
    workers: int = 2
    #: The single-process strategy each chunk runs (``async-chunked``, ``process-chunked``).
    inner: str = "sequential"
    #: ``None`` keeps the library's default (``IMPORT_EXPORT_USE_TRANSACTIONS``, True).
    use_transactions: bool | None = None
    dry_run: bool = False
    #: Chunked strategies only: turn off django-import-export's PostgreSQL sequence reset
    #: after each chunk (upstream issue #2166: a chunk's reset races the other chunks'
    #: inserts and hands out ids already taken) and reset once after all chunks instead.
    defer_sequence_reset: bool = True
    #: SQLite only, ``process-chunked`` only: ``IMMEDIATE`` makes each worker take the write
    #: lock when its transaction begins, so concurrent chunks queue instead of failing with
    #: "database is locked"; ``DEFERRED`` is SQLite's (and Django's) default.
    sqlite_transaction_mode: str = "IMMEDIATE"

    def __post_init__(self):
        for name in ("batch_size", "async_size", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
        if self.sqlite_transaction_mode not in ("IMMEDIATE", "DEFERRED", "EXCLUSIVE"):
            raise ValueError(
                "sqlite_transaction_mode must be IMMEDIATE, DEFERRED or EXCLUSIVE, "
                f"not {self.sqlite_transaction_mode!r}"
            )

    def as_dict(self, keys=None) -> dict[str, Any]:
        values = asdict(self)
        return values if keys is None else {k: values[k] for k in keys}


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
    #: SQL statements the chunk sent, savepoints included.
    queries: int = 0
    #: ``"ExceptionType: message"`` when the chunk raised instead of returning a result.
    error: str | None = None
    #: Statements the latency model delayed during the chunk (see ``bench.latency``).
    latency_sleeps: int = 0

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


def many_to_many_columns(resource_class, dataset) -> list[str]:
    """Columns of ``dataset`` that ``resource_class`` imports into a many-to-many field."""
    headers = set(dataset.headers or ())
    return [
        f.column_name
        for f in resource_class().get_import_fields()
        if isinstance(f.widget, ManyToManyWidget) and f.column_name in headers
    ]


class Strategy:
    """Base class. Subclasses set ``name``, ``summary`` and ``uses`` and implement ``run``."""

    name: ClassVar[str]
    summary: ClassVar[str]
    #: The :class:`Settings` fields this strategy reads.
    uses: ClassVar[tuple[str, ...]] = ("use_transactions", "dry_run")
    #: Whether the strategy can run inside a chunk of ``async-chunked``/``process-chunked``.
    chunkable: ClassVar[bool] = False

    def check(self, resource_class, dataset, settings: Settings) -> None:
        """Raise :class:`Refused` when this strategy would lose data on this input."""

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        """Untimed work before :meth:`run`; its return value is passed to ``run``."""
        return None

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        raise NotImplementedError

    def resource_class_for(self, resource_class, dataset, settings: Settings,
                           using: str = "default"):
        """The resource class that imports one chunk (chunkable strategies only)."""
        raise NotImplementedError
