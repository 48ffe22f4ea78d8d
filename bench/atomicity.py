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
