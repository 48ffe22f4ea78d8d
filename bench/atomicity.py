"""What each strategy leaves in the database when rows fail: the documented behaviour,
which ``tests/test_atomicity.py`` measures and the README's atomicity table publishes.

django-import-export distinguishes two kinds of failing row:

``invalid``
    a value its widget or the model's validation rejects (a bad date or integer): the row
    is reported in ``invalid_rows`` and skipped; the import goes on and is kept (the
    library's ``rollback_on_validation_errors`` is off by default);
``error``
    an exception while importing the row (an unknown author, a price that is not a number):
    the row is reported in ``rows[i].errors``; with ``use_transactions`` (the default) the
    whole import is rolled back, without it the row is skipped and the rest kept.

A chunked strategy runs one ``import_data`` per chunk, so "the whole import" is the chunk:
an error row rolls back its own chunk and the other chunks are kept. ``reference`` refuses
files with failing rows. A dry run keeps nothing, whatever the strategy.
"""

from __future__ import annotations

from .strategies import Settings, get
from .strategies.chunked import Chunked

KINDS = ("invalid", "error")


def chunk_bounds(strategy: str, rows: int, settings: Settings) -> list[tuple[int, int]]:
    """(first, last) row of every chunk, 1-based; one chunk for single-process strategies."""
    impl = get(strategy)
    size = impl.chunk_size(rows, settings) if isinstance(impl, Chunked) else rows
    return [(first, min(first + size - 1, rows)) for first in range(1, rows + 1, size)]


def persisted(strategy: str, settings: Settings, rows: int, failing: dict[int, str]) -> int | None:
    """How many of ``rows`` new rows the strategy keeps when the rows in ``failing``
    (row number -> kind) fail; ``None`` where the strategy refuses the file."""
    if strategy == "reference" and failing:
        return None
    if settings.dry_run:
        return 0
    transactions = settings.use_transactions is not False
    kept = 0
    for first, last in chunk_bounds(strategy, rows, settings):
        bad = {n: k for n, k in failing.items() if first <= n <= last}
        if transactions and "error" in bad.values():
            continue  # the chunk's (or the whole file's) transaction is rolled back
        kept += (last - first + 1) - len(bad)
    return kept


#: The cases the README's table lists: (label, strategy, settings).
TABLE_CASES = [
    ("sequential", "sequential", Settings()),
    ("bulk", "bulk", Settings(batch_size=20)),
    ("tuned", "tuned", Settings(batch_size=20)),
    ("async-chunked (3 chunks)", "async-chunked", Settings(async_size=3)),
    ("process-chunked (2 workers)", "process-chunked", Settings(workers=2)),
    ("reference", "reference", Settings(batch_size=20)),
]
TABLE_ROWS, TABLE_FAILING_ROW = 60, 37


def _cell(strategy: str, settings: Settings, kind: str) -> str:
    kept = persisted(strategy, settings, TABLE_ROWS, {TABLE_FAILING_ROW: kind})
    return "refused" if kept is None else str(kept)


def table_markdown() -> str:
    """The README's atomicity table, from :func:`persisted`."""
    from dataclasses import replace

    lines = [f"| {TABLE_ROWS} new rows, row {TABLE_FAILING_ROW} fails | invalid, transactions "
             "| error, transactions | invalid, no transactions | error, no transactions "
             "| dry run |",
             "|---|---|---|---|---|---|"]
    for label, strategy, settings in TABLE_CASES:
        off = replace(settings, use_transactions=False)
        dry = ("refused" if strategy == "reference"
               else str(persisted(strategy, replace(settings, dry_run=True), TABLE_ROWS, {})))
        lines.append(f"| {label} | {_cell(strategy, settings, 'invalid')} | "
                     f"{_cell(strategy, settings, 'error')} | {_cell(strategy, off, 'invalid')} "
                     f"| {_cell(strategy, off, 'error')} | {dry} |")
    return "\n".join(lines) + "\n"
