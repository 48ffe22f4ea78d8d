"""``streaming``: the file read and imported ``block_size`` rows at a time, keeping only what
a user needs from the result, so that memory does not grow with the file.

Each block is read from the file (:class:`~bench.data.source.RowSource`: a CSV or XLSX file
is never in memory whole), imported by the ``block_inner`` strategy (``tuned`` by default)
with its own ``import_data`` and ``Result``, and that ``Result`` is reduced to totals and
the rows with problems (:class:`~bench.strategies.kept.KeptResult`: numbered in the whole
file, up to ``error_limit`` of them, the rest counted) before the next block is read.

Atomicity. By default every block commits on its own: a row that fails with an *error*
(one django-import-export rolls back for) rolls back its own block, and the blocks before
and after it are kept; the report names every failed row by its number in the file, so a
user fixes those rows and imports the rows of the rolled-back blocks again (with an import
key, importing the whole file again updates what is there and creates what is not). With
``single_transaction=True`` the whole file is one transaction, each block a savepoint in
it, and any block the library would roll back rolls back the file, as ``sequential`` does.

Blocks run one after another, in file order, so a key repeated in two blocks behaves as in
``sequential`` (the later row updates what the earlier one wrote); within a block the
inner strategy's own refusals apply (``tuned``'s bulk mode refuses a key repeated in one
block). django-import-export's ``before_import``/``after_import`` run once per block, and
PostgreSQL's id sequence is reset once at the end, as the chunked strategies do.
"""

from __future__ import annotations

import gc
from contextlib import nullcontext

from django.db import transaction

from ...data.source import as_source
from .. import register
from ..bases import key_columns
from ..blocks import (
    BLOCK_INNER,
    BLOCK_SIZE,
    ERROR_LIMIT,
    SINGLE_TRANSACTION,
    BlockStrategy,
    block_outcome,
    inner_of,
    refuse_repeats_in_block,
)
from ..chunking import import_chunk, reset_sequences
from ..contract import Outcome, Refused
from ..kept import KeptResult
from ..library import refuse_without_error_rows
from ..settings import Settings


@register
class Streaming(BlockStrategy):
    name = "streaming"
    summary = ("the file read and imported block_size rows at a time (block_inner, tuned "
               "by default), keeping totals and errors only: memory flat in the file's size")
    knobs = (BLOCK_SIZE, BLOCK_INNER, SINGLE_TRANSACTION, ERROR_LIMIT)
    rank = 6

    def check(self, resource_class, dataset, settings: Settings) -> None:
        """The inner strategy's refusals, block by block, in one reading of the file
        (rows repeating a key inside one block named by their numbers in the file)."""
        refuse_without_error_rows(self.name)
        super().check(resource_class, dataset, settings)
        inner = inner_of(settings)
        source = as_source(dataset)
        bulk = not getattr(inner, "saves_many_to_many", True)
        columns = key_columns(resource_class) if bulk else []
        if columns and not all(c in source.headers for c in columns):
            columns = []
        for offset, block in source.blocks(settings.block_size):
            if columns:
                refuse_repeats_in_block(inner.name, block, columns, offset,
                                         settings.block_size)
            try:
                inner.check(resource_class, block, settings)
            except Refused as exc:
                raise Refused(f"streaming with block_inner={inner.name}: {exc}; or stream "
                              "with block_inner=sequential") from None

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        source = as_source(dataset)
        inner = inner_of(settings)
        kept = KeptResult(settings.error_limit)
        facts = []
        whole = transaction.atomic(using=using) if settings.single_transaction \
            else nullcontext()
        with whole:
            for index, (offset, block) in enumerate(source.blocks(settings.block_size)):
                result, fact = import_chunk(inner, resource_class, block, settings,
                                            index=index, offset=offset, using=using,
                                            chunked=True)
                kept.add(offset, len(block), result)
                facts.append(fact)
                del result, block  # before the next block is read
                # the block's cyclic garbage (``tuned`` pauses the collector while it
                # imports), now, rather than while the next block is imported
                gc.collect(1)
            rolled_back = (settings.single_transaction and not settings.dry_run
                           and any(not f.committed for f in facts))
            if rolled_back:
                transaction.set_rollback(True, using=using)
                for fact in facts:
                    fact.committed = False
        if settings.defer_sequence_reset and not settings.dry_run and not rolled_back \
                and kept.result.totals.get("new"):
            reset_sequences(resource_class, using)
        return block_outcome(self.name, settings, kept, facts, not settings.single_transaction)

    def chunk_bounds(self, rows: int, settings: Settings) -> list[tuple[int, int]]:
        if settings.single_transaction:
            return [(1, rows)] if rows else []
        return super().chunk_bounds(rows, settings)
