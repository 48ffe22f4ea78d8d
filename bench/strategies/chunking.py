"""Splitting a file into chunks, importing one chunk with one strategy's resource, and the
PostgreSQL sequence reset that chunks running at once must not race."""

from __future__ import annotations

import multiprocessing
from contextlib import contextmanager, nullcontext

import tablib
from django.db import connections
from import_export.results import Result

from ..db import latency
from ..probes import instructions, sql
from ..probes.flames import chunk_profile
from ..probes.memory import PythonPeak, peak_bytes, traced_in_workers
from .contract import ChunkFact, now, where
from .settings import Settings


def split(dataset: tablib.Dataset, chunk_size: int) -> list[tuple[int, tablib.Dataset]]:
    """``(offset, chunk)`` pairs of ``chunk_size`` rows each, with the file's headers.

    ``offset`` is the number of rows before the chunk, so the chunk's row *n* is row
    ``offset + n`` of the whole file.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    headers = list(dataset.headers or ())
    rows = dataset[:] if len(dataset) else []  # a list of tuples
    return [
        (offset, tablib.Dataset(*rows[offset : offset + chunk_size], headers=headers))
        for offset in range(0, len(rows), chunk_size)
    ]


def using_transactions(resource, settings: Settings, using: str) -> bool:
    """Whether django-import-export will wrap this import in a transaction."""
    use = settings.use_transactions
    if use is None:
        use = resource.get_use_transactions()
    supported = getattr(connections[using].features, "supports_transactions", False)
    return bool((use or settings.dry_run) and supported)


def kept(result: Result, resource, settings: Settings, using: str) -> bool:
    """Whether the writes of a finished import stay in the database."""
    if settings.dry_run:
        return False
    if using_transactions(resource, settings, using):
        return not result.has_errors()
    return True


@contextmanager
def sequence_reset_off(using: str):
    """django-import-export resets the table's id sequence after an import with new rows;
    inside the block this connection's backend produces no reset statements."""
    ops = connections[using].ops
    ops.sequence_reset_sql = lambda style, model_list: []
    try:
        yield
    finally:
        del ops.sequence_reset_sql


def reset_sequences(resource_class, using: str) -> None:
    """The reset django-import-export runs after an import, run once."""
    from django.core.management.color import no_style

    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), [resource_class._meta.model])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def lost_chunk(index: int, offset: int, rows: int, error: str) -> ChunkFact:
    """The fact of a chunk whose import never reported (its worker died, its result did not
    come back): nothing of it counts as committed, and ``error`` says why."""
    t = now()
    return ChunkFact(index=index, first_row=offset + 1, rows=rows, thread_id=0, pid=0,
                     start=t, end=t, committed=False, error=error)


def import_chunk(strategy, resource_class, dataset: tablib.Dataset, settings: Settings, *,
                 index: int = 0, offset: int = 0, using: str = "default",
                 chunked: bool = False) -> tuple[Result | None, ChunkFact]:
    """Import ``dataset`` with ``strategy``'s resource in this thread; never raises.

    An exception that escapes django-import-export (for example "database is locked" while
    opening a savepoint) is caught and recorded in the :class:`ChunkFact`; the result is then
    ``None`` and the chunk counts as not committed.
    """
    thread_id, pid = where()
    result = error = resource = None
    sleeps_before, slept_before = latency.sleeps(), latency.slept()
    no_reset = sequence_reset_off(using) if chunked and settings.defer_sequence_reset \
        else nullcontext()
    # a worker process counts its own instructions (the count pass counts this process's)
    in_worker = multiprocessing.parent_process() is not None
    counting = instructions.counted() if in_worker else nullcontext(instructions.Count())
    python = PythonPeak() if in_worker and traced_in_workers() else nullcontext()
    traced = None
    start = now()
    try:
        with chunk_profile(index), no_reset, sql.counted() as sent, counting as count, \
                python as traced:
            resource = strategy.resource_class_for(resource_class, dataset, settings, using)()
            result = resource.import_data(
                dataset, dry_run=settings.dry_run, use_transactions=settings.use_transactions
            )
    except Exception as exc:  # noqa: BLE001 - recorded, reported by the merge
        error = f"{type(exc).__name__}: {exc}"
    end = now()
    committed = result is not None and kept(result, resource, settings, using)
    fact = ChunkFact(
        index=index, first_row=offset + 1, rows=len(dataset), thread_id=thread_id, pid=pid,
        start=start, end=end, committed=committed, queries=sent.statements, error=error,
        latency_sleeps=latency.sleeps() - sleeps_before, db_s=sent.db_s, lock_s=sent.lock_s,
        latency_s=latency.slept() - slept_before, peak_rss_bytes=peak_bytes(),
        instructions=count.instructions,
        peak_python_bytes=traced.peak_bytes if traced is not None else None,
        totals=dict(result.totals) if result is not None else None,
    )
    return result, fact
