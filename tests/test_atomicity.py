"""What every strategy keeps when row k of n fails, with and without transactions, and in a
dry run: measured here, documented in ``bench/atomicity.py``, published in the README."""

from dataclasses import replace
from pathlib import Path

import pytest

from bench.execute.importing import import_dataset
from bench.strategies import get
from bench.strategies.atomicity import (
    TABLE_FAILING_ROW,
    TABLE_ROWS,
    persisted,
    table_cases,
    table_markdown,
)
from sample_app.models import Book
from sample_app.resources import FlatBookResource

from .helpers import with_changes

pytestmark = pytest.mark.django_db(transaction=True)

FAILURES = {"invalid": ("published", "2021-02-30"), "error": ("author", "Nobody Atall")}


@pytest.fixture(scope="module")
def clean(make_data):
    return make_data(TABLE_ROWS)


def _case_id(case):
    return case[0].split(" ")[0]


@pytest.mark.parametrize("kind", list(FAILURES))
@pytest.mark.parametrize("transactions", [True, False], ids=["transactions", "autocommit"])
@pytest.mark.parametrize("case", table_cases(), ids=_case_id)
def test_rows_kept_when_one_row_fails_are_as_documented(case, transactions, kind, clean):
    _, strategy, settings = case
    settings = settings if transactions else replace(settings, use_transactions=False)
    column, value = FAILURES[kind]
    dataset = with_changes(clean, {TABLE_FAILING_ROW: {column: value}})
    report = import_dataset(dataset, FlatBookResource, strategy, settings, clean,
                            verify=False)
    expected = persisted(strategy, settings, TABLE_ROWS, {TABLE_FAILING_ROW: kind})
    if expected is None:
        assert report.refused and f"row {TABLE_FAILING_ROW}" in report.refused
        return
    assert Book.objects.count() == expected
    # ... and the merged result says so: the failing row by its number in the file, and
    # which chunks were kept
    assert [(p.row, p.column, p.kind) for p in report.problems] == [
        (TABLE_FAILING_ROW, column, kind)]
    said = sum(c.rows - (c.first_row <= TABLE_FAILING_ROW <= c.last_row)
               for c in report.outcome.chunks if c.committed)
    assert said == expected


@pytest.mark.parametrize("case", table_cases(), ids=_case_id)
def test_a_dry_run_keeps_nothing(case, clean):
    _, strategy, settings = case
    report = import_dataset(clean.dataset, FlatBookResource, strategy,
                            replace(settings, dry_run=True), clean, verify=False)
    if not get(strategy).supports_dry_run:
        assert "no dry run" in report.refused
        return
    assert Book.objects.count() == 0
    assert report.outcome.result.totals["new"] == TABLE_ROWS  # what it would have done
    assert not any(c.committed for c in report.outcome.chunks)


def test_the_readme_publishes_the_documented_table():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert table_markdown() in readme
