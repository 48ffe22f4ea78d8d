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
from .. import chunkable, get, register
from ..bases import CHUNKS_COMMIT_SEPARATELY, key_columns
from ..chunking import import_chunk, reset_sequences
from ..contract import Outcome, Refused, Strategy
from ..kept import KeptResult
from ..merge import ChunkFailed
from ..settings import Knob, Settings

BLOCK_SIZE = Knob(
    "block_size", "rows read and imported at a time", tag="blk",
    sweep=(1000, 5000, 20000), example=20, phrase="blocks of {} rows", flag="--block-sizes")
BLOCK_INNER = Knob(
    "block_inner", "the single-process strategy each block runs", flag="--block-inner",
    shown_at_default=False, choices=lambda: chunkable())
SINGLE_TRANSACTION = Knob(
    "single_transaction", "one transaction for the whole file (rolled back as sequential's "
    "is) instead of a commit per block", tag="st", shown_at_default=False)
ERROR_LIMIT = Knob(
    "error_limit", "rows with problems whose errors are kept in full; the rest are counted",
    tag="el", shown_at_default=False, flag="--error-limit")


def inner_of(settings: Settings) -> Strategy:
    try:
        inner = get(settings.block_inner)
    except KeyError as exc:
        raise Refused(str(exc.args[0])) from None
    if not inner.chunkable:
        raise Refused(f"streaming cannot run {settings.block_inner!r} inside a block")
    return inner


@register
class Streaming(Strategy):
    name = "streaming"
    summary = ("the file read and imported block_size rows at a time (block_inner, tuned "
               "by default), keeping totals and errors only: memory flat in the file's size")
    knobs = (BLOCK_SIZE, BLOCK_INNER, SINGLE_TRANSACTION, ERROR_LIMIT)
    #: Given the file as a :class:`~bench.data.source.RowSource`, not loaded whole.
    reads_source = True
    rank = 6

    def knobs_given(self, settings: Settings) -> tuple[Knob, ...]:
        try:
            inner = inner_of(settings)
        except Refused:
            return self.knobs
        return self.knobs + tuple(k for k in inner.knobs_given(settings)
                                  if k not in self.knobs)

    def check(self, resource_class, dataset, settings: Settings) -> None:
        """The inner strategy's refusals, block by block, in one reading of the file
        (rows repeating a key inside one block named by their numbers in the file)."""
        super().check(resource_class, dataset, settings)
        inner = inner_of(settings)
        source = as_source(dataset)
        bulk = not getattr(inner, "saves_many_to_many", True)
        columns = key_columns(resource_class) if bulk else []
        if columns and not all(c in source.headers for c in columns):
            columns = []
        for offset, block in source.blocks(settings.block_size):
            if columns:
                _refuse_repeats_in_block(inner.name, block, columns, offset,
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
        result = kept.finished()
        for fact in facts:
            if fact.error:
                result.base_errors.append(_failed_block(fact))
        outcome = Outcome(self.name, settings, result, facts)
        outcome.known_differences = self._differences(outcome, settings)
        return outcome

    @staticmethod
    def _differences(outcome: Outcome, settings: Settings) -> list[str]:
        notes = []
        if len(outcome.chunks) > 1 and not settings.single_transaction:
            notes.append(CHUNKS_COMMIT_SEPARATELY.replace("chunk", "block"))
        failed = outcome.failed_chunks
        if failed:
            notes.append(f"{len(failed)} of {len(outcome.chunks)} blocks raised and were not "
                         f"imported (first: {failed[0].error})")
        return notes

    def chunk_bounds(self, rows: int, settings: Settings) -> list[tuple[int, int]]:
        if settings.single_transaction:
            return [(1, rows)] if rows else []
        size = settings.block_size
        return [(first, min(first + size - 1, rows)) for first in range(1, rows + 1, size)]


def _failed_block(fact):
    from import_export.results import Error

    return Error(ChunkFailed(f"block {fact.index + 1} (rows {fact.first_row}-{fact.last_row}) "
                             f"was not imported: {fact.error}"))


def _refuse_repeats_in_block(inner: str, block, columns: list[str], offset: int,
                             size: int) -> None:
    """Refuse a key repeated inside one block: bulk mode looks every row of a block up
    before it writes, so the second row would be created again."""
    where = [block.headers.index(c) for c in columns]
    seen: dict = {}
    for number, row in enumerate(block, start=offset + 1):
        key = tuple(row[i] for i in where)
        if all(v in (None, "") for v in key):
            continue
        earlier = seen.setdefault(key, number)
        if earlier != number:
            raise Refused(
                f"streaming with block_inner={inner}: rows {earlier} and {number} share "
                f"{', '.join(columns)} {', '.join(map(str, key))} in one block of {size:,} "
                "rows; bulk mode looks every row of a block up before it writes, so the "
                "second would be created again. Stream with block_inner=sequential, or "
                "with blocks small enough to keep the two rows apart")
