"""Property: for any file with any invalid rows, split into any number of chunks, the merged
result of a chunked strategy reports the same (row number, column, kind) errors and the
same totals as ``sequential`` importing the file in one go."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.execute.importing import import_dataset
from bench.strategies import Settings
from sample_app.resources import FlatBookResource

from .helpers import with_changes

pytestmark = pytest.mark.django_db(transaction=True)

MAX_ROWS = 40
#: column -> a value its widget rejects (bad date: invalid; the others: error rows)
CORRUPTIONS = {"published": "2021-13-01", "price": "ten", "pages": "many",
               "author": "Nobody Atall", "rating": "high"}


@pytest.fixture(scope="module")
def pool(make_data):
    return make_data(MAX_ROWS)


def _report(result_report):
    result = result_report.outcome.result
    problems = {(p.row, p.column, p.kind) for p in result_report.problems}
    return problems, dict(result.totals), result.total_rows


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(1, MAX_ROWS),
       bad=st.dictionaries(st.integers(1, MAX_ROWS), st.sampled_from(sorted(CORRUPTIONS)),
                           max_size=10),
       chunks=st.integers(1, 12),
       inner=st.sampled_from(["sequential", "bulk", "tuned"]),
       transactions=st.booleans())
def test_chunked_results_report_what_sequential_reports(pool, rows, bad, chunks, inner,
                                                         transactions):
    changes = {n: {column: CORRUPTIONS[column]} for n, column in bad.items() if n <= rows}
    full = with_changes(pool, changes)
    dataset = full.subset(rows=range(rows)) if rows < MAX_ROWS else full
    use = None if transactions else False
    base = import_dataset(dataset, FlatBookResource, "sequential",
                          Settings(use_transactions=use), pool, verify=False)
    chunked = import_dataset(dataset, FlatBookResource, "async-chunked",
                             Settings(async_size=chunks, inner=inner, batch_size=7,
                                      use_transactions=use), pool, verify=False)
    assert _report(chunked) == _report(base)
    assert {p.row for p in base.problems} == set(changes)
