"""Every strategy on small data, verified against sequential.

Strategies that use threads or processes open their own database connections, so these
tests commit for real (``transaction=True``) instead of running inside one transaction.
"""

import pytest

from bench.execute.generated import seed_generated
from bench.strategies import Refused, Settings, get, names
from sample_app.models import Book

from .helpers import baseline_of as baseline
from .helpers import run_generated as run_case
from .helpers import sample_resource as resource_class_for

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 240

#: (strategy, settings) pairs that must reproduce sequential exactly on clean data.
CORRECT_ON_CLEAN_DATA = [
    ("sequential", Settings()),
    ("bulk", Settings(batch_size=50)),
    ("async-chunked", Settings(async_size=4)),
    ("async-chunked", Settings(async_size=3, inner="bulk", batch_size=40)),
    ("process-chunked", Settings(workers=2)),
    ("process-chunked", Settings(workers=2, inner="tuned", batch_size=40)),
    ("tuned", Settings(batch_size=50)),
    ("reference", Settings(batch_size=50)),
]


def _id(case):
    name, settings = case
    return f"{name}-{settings.inner}" if "chunked" in name else name


@pytest.fixture(scope="module")
def clean_data(make_data):
    return {s: make_data(ROWS, s) for s in ("create", "update", "mixed")}


@pytest.mark.parametrize("scenario", ["create", "update", "mixed"])
@pytest.mark.parametrize("case", CORRECT_ON_CLEAN_DATA, ids=_id)
def test_strategy_reproduces_sequential_on_clean_data(case, scenario, clean_data):
    name, settings = case
    data = clean_data[scenario]
    run = run_case(name, data, settings)
    assert run.verification.verified, run.verification.reason
    assert Book.objects.count() == len({r[0] for r in data.dataset})
    kinds = data.kind_counts()
    assert run.outcome.result.totals["new"] == kinds.get("new", 0)
    assert run.outcome.result.totals["update"] == kinds.get("changed", 0) + kinds.get(
        "unchanged", 0)


@pytest.mark.parametrize("name", ["sequential", "async-chunked", "process-chunked"])
def test_strategies_that_save_many_to_many_verify_on_the_full_profile(name, make_data):
    data = make_data(150, "mixed", "full")
    run = run_case(name, data, Settings(async_size=3))
    assert run.verification.verified, run.verification.reason


@pytest.mark.parametrize("name", ["bulk", "tuned", "reference"])
def test_bulk_writers_refuse_many_to_many_instead_of_dropping_it(name, make_data):
    data = make_data(30, "create", "full")
    with pytest.raises(Refused, match="categories"):
        get(name).check(resource_class_for(data), data.dataset, Settings())
    run = run_case(name, data)
    assert run.refused and not run.verification.verified
    assert run.verification.reason.startswith("refused:")


def test_errors_scenario_sequential_rolls_back_and_chunks_are_caught_differing(make_data):
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    base = baseline(data)
    assert base.outcome.result.has_errors()
    assert base.fingerprint.counts["sample_app.book"] == 0  # one error row rolls back the file
    run = run_case("async-chunked", data, Settings(async_size=4), base=base)
    assert not run.verification.verified
    assert "chunks commit separately" in run.verification.reason
    assert run.verification.known_differences
    assert run.outcome.max_overlap == 1


@pytest.mark.parametrize("name", ["bulk", "tuned"])
def test_errors_scenario_duplicate_keys_are_refused_by_bulk_modes(name, make_data):
    """A repeated ISBN updates its twin row by row; in one bulk batch it would be an
    IntegrityError that the library files as a base error without a row number (and
    without a unique constraint, a second row): bulk modes refuse the file instead."""
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    run = run_case(name, data, Settings(batch_size=1000, use_transactions=False))
    twin = min(n for n, k in data.row_kinds.items() if k == "duplicate_key")
    assert run.refused and f"and {twin} share isbn" in run.refused


def test_errors_without_transactions_chunked_reports_the_same_rows(make_data):
    """Chunks on one thread commit in order, so the merged errors, numbered in the whole
    file, and the database match sequential exactly."""
    data = make_data(ROWS, "errors", invalid_fraction=0.1)
    settings = Settings(async_size=5, use_transactions=False)
    run = run_case("async-chunked", data, settings)
    assert run.verification.verified, run.verification.reason
    bad = {n for n, e in data.expected.items() if e.get("reported") in ("invalid", "error")}
    result = run.outcome.result
    reported = {r.number for r in result.invalid_rows} | {r.number for r in result.error_rows}
    assert reported == bad
    assert len(run.outcome.chunks) == 5


@pytest.mark.parametrize("name", [n for n in names() if get(n).supports_dry_run])
def test_dry_run_leaves_nothing_behind(name, make_data):
    data = make_data(90, "mixed")
    seed_generated(data)
    before = sorted(Book.objects.values_list("isbn", "title", "price"))
    settings = Settings(dry_run=True, async_size=3)
    outcome = get(name).run(resource_class_for(data), data.dataset, settings)
    assert outcome.result.totals["new"] == 30
    assert sorted(Book.objects.values_list("isbn", "title", "price")) == before
    assert not any(c.committed for c in outcome.chunks)


def test_reference_refuses_dry_run(make_data):
    data = make_data(10, "create")
    with pytest.raises(Refused, match="dry run"):
        get("reference").check(resource_class_for(data), data.dataset, Settings(dry_run=True))


def test_async_thread_sensitive_runs_chunks_one_after_another(make_data):
    data = make_data(ROWS, "create")
    seed_generated(data)
    outcome = get("async-chunked").run(resource_class_for(data), data.dataset,
                                       Settings(async_size=8, thread_sensitive=True))
    assert len(outcome.chunks) == 8
    assert outcome.max_overlap == 1
    assert len({c.thread_id for c in outcome.chunks}) == 1
    assert Book.objects.count() == ROWS


def test_process_chunked_workers_really_overlap(make_data):
    data = make_data(600, "create")
    seed_generated(data)
    outcome = get("process-chunked").run(resource_class_for(data), data.dataset,
                                         Settings(workers=2))
    assert outcome.max_overlap == 2
    assert len({c.pid for c in outcome.chunks}) == 2
    assert all(c.committed for c in outcome.chunks)
    assert Book.objects.count() == 600


def test_async_not_thread_sensitive_on_sqlite_is_reported_not_raised(make_data):
    data = make_data(ROWS, "create")
    run = run_case("async-chunked", data, Settings(async_size=6, thread_sensitive=False))
    outcome = run.outcome
    assert outcome.max_overlap >= 2
    locked = [e for e in outcome.result.error_rows
              if "locked" in str(e.errors[0].error)] + outcome.failed_chunks
    books = Book.objects.count()
    if locked or books != ROWS:
        assert not run.verification.verified
        assert "differ" in run.verification.reason
        if locked:
            assert "database is locked" in run.verification.reason
    else:  # the scheduler happened to serialize every writer
        assert run.verification.verified


def test_unknown_inner_strategy_is_refused(make_data):
    data = make_data(10, "create")
    run = run_case("async-chunked", data, Settings(inner="warp-drive"))
    assert run.refused and "warp-drive" in run.refused
    run = run_case("process-chunked", data, Settings(inner="reference"))
    assert run.refused and "cannot run" in run.refused
