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
files with failing rows; the admin imports nothing when its preview shows a failing row. A
dry run keeps nothing, whatever the strategy.

The table covers every registered strategy, each with its knobs at their small ``example``
values, so a new strategy gets its row without a line written here.
"""

from __future__ import annotations

from . import get, names
from .settings import Settings


def chunk_bounds(strategy: str, rows: int, settings: Settings) -> list[tuple[int, int]]:
    """(first, last) row of every part that commits on its own, 1-based."""
    return get(strategy).chunk_bounds(rows, settings)


def persisted(strategy: str, settings: Settings, rows: int, failing: dict[int, str]) -> int | None:
    """How many of ``rows`` new rows the strategy keeps when the rows in ``failing``
    (row number -> kind) fail; ``None`` where the strategy refuses the file."""
    impl = get(strategy)
    if not impl.imports_failing_rows and "error" in failing.values():
        return None
    if settings.dry_run:
        return None if not impl.supports_dry_run else 0
    if failing and impl.keeps_nothing_when_a_row_fails(settings):
        return 0
    transactions = settings.use_transactions is not False
    kept = 0
    for first, last in chunk_bounds(strategy, rows, settings):
        bad = {n: k for n, k in failing.items() if first <= n <= last}
        if transactions and "error" in bad.values():
            continue  # the chunk's (or the whole file's) transaction is rolled back
        kept += (last - first + 1) - len(bad)
    return kept


def example(strategy: str) -> tuple[str, Settings]:
    """A strategy's label and settings in the table: each knob at its small example value,
    named where the knob says how (``async-chunked (3 chunks)``)."""
    impl = get(strategy)
    settings = Settings()
    for knob in impl.knobs:
        settings = settings.with_values(**{knob.name: knob.example_value()})
    phrases = [k.phrase.format(k.of(settings)) for k in impl.knobs if k.phrase]
    label = f"{strategy} ({', '.join(phrases)})" if phrases else strategy
    return label, settings


def table_cases() -> list[tuple[str, str, Settings]]:
    """``(label, strategy, settings)`` of every registered strategy, in listing order."""
    cases = []
    for name in names():
        label, settings = example(name)
        cases.append((label, name, settings))
    return cases


TABLE_ROWS, TABLE_FAILING_ROW = 60, 37


def _cell(kept: int | None) -> str:
    return "refused" if kept is None else str(kept)


def table_markdown() -> str:
    """The README's atomicity table, from :func:`persisted`."""
    from dataclasses import replace

    lines = [f"| {TABLE_ROWS} new rows, row {TABLE_FAILING_ROW} fails | invalid, transactions "
             "| error, transactions | invalid, no transactions | error, no transactions "
             "| dry run |",
             "|---|---|---|---|---|---|"]
    for label, strategy, settings in table_cases():
        off = replace(settings, use_transactions=False)
        cells = [persisted(strategy, s, TABLE_ROWS, {TABLE_FAILING_ROW: kind})
                 for s, kind in ((settings, "invalid"), (settings, "error"), (off, "invalid"),
                                 (off, "error"))]
        cells.append(persisted(strategy, replace(settings, dry_run=True), TABLE_ROWS, {}))
        lines.append(f"| {label} | " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
