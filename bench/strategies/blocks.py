"""What the strategies that import a file block by block share: their knobs, the inner
strategy a block runs, and the refusals and errors that name rows by their number in the
file."""

from __future__ import annotations

from import_export.results import Error

from . import chunkable
from .bases import CHUNKS_COMMIT_SEPARATELY, inner_strategy
from .contract import Outcome, Refused, Strategy
from .kept import KeptResult
from .merge import ChunkFailed
from .settings import Knob, Settings

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
    """The strategy each block runs (``block_inner``)."""
    return inner_strategy("streaming", settings, "block_inner", "a block")


class BlockStrategy(Strategy):
    """A strategy given the file as a :class:`~bench.data.source.RowSource`, which it
    imports a block at a time with ``block_inner``."""

    #: Given the file as a source, not loaded whole.
    reads_source = True

    def knobs_given(self, settings: Settings) -> tuple[Knob, ...]:
        try:
            inner = inner_of(settings)
        except Refused:
            return self.knobs
        return self.knobs + tuple(k for k in inner.knobs_given(settings)
                                  if k not in self.knobs)

    def chunk_bounds(self, rows: int, settings: Settings) -> list[tuple[int, int]]:
        size = settings.block_size
        return [(first, min(first + size - 1, rows)) for first in range(1, rows + 1, size)]


def block_outcome(strategy: str, settings: Settings, kept: KeptResult, facts: list,
                  separately: bool, part: str = "block") -> Outcome:
    """The outcome of a run in blocks (or in chunks whose results were kept, ``part``): the
    kept result, a base error for every block that raised, and the documented differences
    (``separately``: each block commits on its own)."""
    result = kept.finished()
    for fact in facts:
        if fact.error:
            result.base_errors.append(failed_block(fact, part))
    outcome = Outcome(strategy, settings, result, facts)
    outcome.known_differences = block_differences(outcome, separately, part)
    return outcome


def block_differences(outcome: Outcome, separately: bool, part: str = "block") -> list[str]:
    """The documented differences from ``sequential`` of a run in blocks (``separately``:
    that each block commits on its own)."""
    notes = []
    if len(outcome.chunks) > 1 and separately:
        notes.append(CHUNKS_COMMIT_SEPARATELY.replace("chunk", part))
    failed = outcome.failed_chunks
    if failed:
        notes.append(f"{len(failed)} of {len(outcome.chunks)} {part}s raised and were not "
                     f"imported (first: {failed[0].error})")
    return notes


def failed_block(fact, part: str = "block") -> Error:
    """A base error naming the rows of a block that raised instead of importing."""
    return Error(ChunkFailed(f"{part} {fact.index + 1} (rows {fact.first_row}-{fact.last_row})"
                             f" was not imported: {fact.error}"))


def key_repeats(block, columns: list[str], offset: int, seen: dict):
    """``(earlier row, row, key)`` for every row of ``block`` (numbered in the file from
    ``offset + 1``) whose import key a row already in ``seen`` had (an empty key is no
    key); ``seen`` is filled as the block is read, so one dict serves one block or the
    whole file."""
    where = [block.headers.index(c) for c in columns]
    for number, row in enumerate(block, start=offset + 1):
        key = tuple(row[i] for i in where)
        if all(v in (None, "") for v in key):
            continue
        earlier = seen.setdefault(key, number)
        if earlier != number:
            yield earlier, number, key


def refuse_repeats_in_block(inner: str, block, columns: list[str], offset: int,
                            size: int) -> None:
    """Refuse a key repeated inside one block: bulk mode looks every row of a block up
    before it writes, so the second row would be created again."""
    for earlier, number, key in key_repeats(block, columns, offset, {}):
        raise Refused(
            f"streaming with block_inner={inner}: rows {earlier} and {number} share "
            f"{', '.join(columns)} {', '.join(map(str, key))} in one block of {size:,} "
            "rows; bulk mode looks every row of a block up before it writes, so the "
            "second would be created again. Stream with block_inner=sequential, or "
            "with blocks small enough to keep the two rows apart")


def refuse_repeats_across_blocks(block, columns: list[str], offset: int, size: int,
                                 first_seen: dict) -> None:
    """Refuse a key repeated in two blocks that may run at the same time (``first_seen``:
    the keys of the blocks before, filled as the file is read)."""
    for earlier, number, key in key_repeats(block, columns, offset, first_seen):
        if (earlier - 1) // size != (number - 1) // size:
            raise Refused(
                f"streaming-parallel: rows {earlier} and {number} share "
                f"{', '.join(columns)} {', '.join(map(str, key))} but fall in different "
                "blocks that may run at the same time, so which row wins would be left to "
                "chance; import such a file with streaming (blocks in file order)")
