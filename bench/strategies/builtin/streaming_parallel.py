"""``streaming-parallel``: ``streaming`` with its blocks imported by worker processes.

The file is read a block at a time, as ``streaming`` reads it, and each block is handed to
one of ``workers`` worker processes (at most two blocks a worker in flight, so memory stays
flat: the parent never holds the file). What a block leaves is kept as ``streaming`` keeps
it: totals and the rows with problems, numbered in the file, merged in file order.

Who writes (``writer``):

``workers``
    each worker imports its block and commits it, at the same time as the others: the
    default on PostgreSQL, which takes writes from many connections at once;
``parent``
    the workers clean their blocks (django-import-export's row processing: widgets,
    lookups, instances), the parent writes what they made, one block at a time, each in
    its own transaction: the default on SQLite, which has a single writer. The block's
    strategy must write in bulk (``tuned``, ``bulk``): its pending creates and updates are
    what the worker sends back instead of writing them.

Blocks run at the same time, so a key repeated in two blocks is refused (which row wins
would be left to chance); a block commits on its own, as in ``streaming``.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from django.db import connections, transaction

from ...data.source import as_source
from .. import register
from ..bases import key_columns
from ..blocks import (
    BLOCK_INNER,
    BLOCK_SIZE,
    ERROR_LIMIT,
    BlockStrategy,
    block_outcome,
    inner_of,
    refuse_repeats_across_blocks,
    refuse_repeats_in_block,
)
from ..chunking import import_chunk, lost_chunk, reset_sequences
from ..contract import ChunkFact, Outcome, Refused, Strategy
from ..kept import KeptResult
from ..library import refuse_without_error_rows
from ..resources import written_fields
from ..settings import Knob, Settings
from ..workers import WORKERS, refuse_in_memory_sqlite, worker_pool, worker_using

WRITER = Knob(
    "writer", "who writes a block: 'workers' (each its own block, at once), 'parent' (the "
    "workers clean, this process writes, a block at a time), 'auto' (parent on SQLite, "
    "workers elsewhere)", tag="wr", shown_at_default=False,
    choices=lambda: ("auto", "workers", "parent"))

#: Blocks in flight per worker: one being imported, one waiting.
IN_FLIGHT_PER_WORKER = 2


class CaptureMixin:
    """Keeps the pending bulk writes of a resource in bulk mode instead of writing them."""

    captured_creates: list
    captured_updates: list
    update_fields: list | None = None

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None,
                    result=None):
        type(self).captured_creates.extend(self.create_instances)
        self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None,
                    result=None):
        cls = type(self)
        if self.update_instances and cls.update_fields is None:
            cls.update_fields = self.upsert_fields() if hasattr(self, "upsert_fields") \
                else written_fields(self)
        cls.captured_updates.extend(self.update_instances)
        self.update_instances.clear()

    def bulk_delete(self, using_transactions, dry_run, raise_errors, result=None):
        if self.delete_instances:
            raise NotImplementedError("streaming-parallel with writer=parent cannot delete "
                                      "rows; give writer=workers")


class _Capturing:
    """The block strategy's resource class, made to keep its writes (one class a block)."""

    def __init__(self, inner: Strategy):
        self.inner = inner
        self.made = None

    def resource_class_for(self, resource_class, dataset, settings, using="default"):
        base = self.inner.resource_class_for(resource_class, dataset, settings, using)
        self.made = type(f"Capturing{base.__name__}", (CaptureMixin, base),
                         {"captured_creates": [], "captured_updates": []})
        return self.made

    def writes(self) -> tuple[list, list, list | None]:
        made = self.made
        for instance in (*made.captured_creates, *made.captured_updates):
            instance._state.fields_cache.clear()  # the foreign keys' ids are enough
        return made.captured_creates, made.captured_updates, made.update_fields


def _block_in_worker(inner_name, resource_class, block, settings, index, offset, capture):
    """In a worker: import (or, ``capture``, clean) one block; its kept result, its fact
    and, when captured and kept, the writes the parent is to make."""
    from .. import get

    using = worker_using()
    inner = get(inner_name)
    strategy = _Capturing(inner) if capture else inner
    try:
        result, fact = import_chunk(strategy, resource_class, block, settings, index=index,
                                    offset=offset, using=using, chunked=True)
        kept = KeptResult(settings.error_limit)
        kept.add(offset, len(block), result)
        writes = strategy.writes() if capture and fact.committed else None
        return kept.finished(), fact, writes
    finally:
        connections[using].close()


@register
class StreamingParallel(BlockStrategy):
    name = "streaming-parallel"
    summary = ("streaming with the blocks imported by worker processes (PostgreSQL: each "
               "writes its own; SQLite: they clean, one writer writes)")
    knobs = (WORKERS, BLOCK_SIZE, BLOCK_INNER, WRITER, ERROR_LIMIT)
    rank = 7

    @staticmethod
    def writes_here(settings: Settings, using: str) -> bool:
        writer = settings.writer
        if writer == "auto":
            return connections[using].vendor == "sqlite"
        return writer == "parent"

    def check(self, resource_class, dataset, settings: Settings) -> None:
        """The block strategy's refusals block by block, and a key repeated anywhere in
        the file (blocks run at once), in one reading of the file."""
        refuse_without_error_rows(self.name)
        super().check(resource_class, dataset, settings)
        inner = inner_of(settings)
        if settings.writer == "parent" and getattr(inner, "saves_many_to_many", True):
            raise Refused(f"streaming-parallel with writer=parent needs a block strategy "
                          f"that writes in bulk (tuned, bulk), not {inner.name}")
        source = as_source(dataset)
        columns = key_columns(resource_class)
        if not all(c in source.headers for c in columns):
            columns = []
        first_seen: dict = {}
        bulk = not getattr(inner, "saves_many_to_many", True)
        for offset, block in source.blocks(settings.block_size):
            if columns:
                if bulk:
                    refuse_repeats_in_block(inner.name, block, columns, offset,
                                            settings.block_size)
                refuse_repeats_across_blocks(block, columns, offset, settings.block_size,
                                             first_seen)
            try:
                inner.check(resource_class, block, settings)
            except Refused as exc:
                raise Refused(f"streaming-parallel with block_inner={inner.name}: {exc}") \
                    from None

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        refuse_in_memory_sqlite(using)
        if self.writes_here(settings, using) and getattr(inner_of(settings),
                                                         "saves_many_to_many", True):
            raise Refused(f"streaming-parallel writes in this process on "
                          f"{connections[using].vendor} and needs a block strategy that "
                          f"writes in bulk (tuned, bulk), not {settings.block_inner}; or "
                          "give writer=workers")
        return None

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        source = as_source(dataset)
        inner = inner_of(settings)
        capture = self.writes_here(settings, using)
        kept = KeptResult(settings.error_limit)
        facts: list[ChunkFact] = []
        waiting: dict[int, tuple] = {}  # finished blocks not yet merged (file order)
        merged_up_to = 0
        pending: dict = {}

        def finish(future) -> None:
            nonlocal merged_up_to
            index, offset, rows = pending.pop(future)
            try:
                small, fact, writes = future.result()
            except (BrokenProcessPool, Exception) as exc:  # noqa: BLE001 - recorded
                small, writes = None, None
                fact = lost_chunk(index, offset, rows, f"{type(exc).__name__}: {exc}")
            if writes is not None and not settings.dry_run:
                fact.committed = self._write(resource_class, writes, settings, using, fact)
            waiting[index] = (rows, small, fact)
            while merged_up_to in waiting:
                rows, small, fact = waiting.pop(merged_up_to)
                kept.add_kept(rows, small) if small is not None else kept.add(0, rows, None)
                facts.append(fact)
                merged_up_to += 1

        # workers that only clean never write: on SQLite they must not take the write lock
        # when their transactions begin (IMMEDIATE), or they would queue behind the writer
        pool_settings = replace(settings, sqlite_transaction_mode="DEFERRED") if capture \
            else settings
        with worker_pool(settings.workers, using, pool_settings, together=False) as pool:
            limit = IN_FLIGHT_PER_WORKER * settings.workers
            for index, (offset, block) in enumerate(source.blocks(settings.block_size)):
                while len(pending) >= limit:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        finish(future)
                future = pool.submit(_block_in_worker, inner.name, resource_class, block,
                                     settings, index, offset, capture)
                pending[future] = (index, offset, len(block))
                del block
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    finish(future)
        if not capture and settings.defer_sequence_reset and not settings.dry_run \
                and kept.result.totals.get("new"):
            reset_sequences(resource_class, using)
        return block_outcome(self.name, settings, kept, facts, True)

    @staticmethod
    def _write(resource_class, writes, settings: Settings, using: str, fact) -> bool:
        """Write a block a worker cleaned, in one transaction; whether it was kept (a
        failure is recorded on the block, as the library records a failed bulk write)."""
        creates, updates, fields = writes
        model = resource_class._meta.model
        connection = connections[using]
        try:
            with transaction.atomic(using=using):
                if creates:
                    model.objects.using(using).bulk_create(creates,
                                                           batch_size=settings.batch_size)
                if updates:
                    if connection.features.supports_update_conflicts_with_target:
                        model.objects.using(using).bulk_create(
                            updates, batch_size=settings.batch_size, update_conflicts=True,
                            unique_fields=[model._meta.pk.name], update_fields=fields)
                    else:
                        model.objects.using(using).bulk_update(
                            updates, fields, batch_size=settings.batch_size)
        except Exception as exc:  # noqa: BLE001 - the block is reported, not kept
            fact.error = f"{type(exc).__name__}: {exc}"
            return False
        return True
