"""What the strategies that import a file block by block share: their knobs, the inner
strategy a block runs, and the refusals and errors that name rows by their number in the
file."""

from __future__ import annotations

from import_export.results import Error

from . import chunkable, get
from .contract import Refused, Strategy
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
    try:
        inner = get(settings.block_inner)
    except KeyError as exc:
        raise Refused(str(exc.args[0])) from None
    if not inner.chunkable:
        raise Refused(f"streaming cannot run {settings.block_inner!r} inside a block")
    return inner


def failed_block(fact) -> Error:
    """A base error naming the rows of a block that raised instead of importing."""
    return Error(ChunkFailed(f"block {fact.index + 1} (rows {fact.first_row}-{fact.last_row}) "
                             f"was not imported: {fact.error}"))


def refuse_repeats_in_block(inner: str, block, columns: list[str], offset: int,
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
