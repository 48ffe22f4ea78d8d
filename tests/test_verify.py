"""The verification must catch a wrong result; a test that cannot fail proves nothing."""

import copy

import pytest
import tablib

from bench.execute.generated import seed_generated
from bench.execute.states import empty_tables
from bench.strategies import Settings
from bench.verify import compare, fingerprint
from sample_app.models import Author, Book, Category

from .helpers import baseline_of as baseline
from .helpers import run_generated as run_case

pytestmark = pytest.mark.django_db


def test_fingerprint_ignores_ids_and_order(make_data):
    data = make_data(60, "update", "full")
    seed_generated(data)
    first = fingerprint()
    before_ids = dict(Book.objects.values_list("isbn", "pk"))
    empty_tables()
    reversed_data = make_data(60, "update", "full")
    reversed_data.existing = tablib.Dataset(*reversed(reversed_data.existing),
                                            headers=reversed_data.existing.headers)
    reversed_data.related = list(reversed(reversed_data.related))
    seed_generated(reversed_data)  # the books get other ids
    assert dict(Book.objects.values_list("isbn", "pk")) != before_ids
    assert fingerprint() == first


@pytest.mark.parametrize("damage, expected", [
    (lambda: Book.objects.filter(pk=Book.objects.first().pk).update(title="X"),
     "sample_app.book values differ"),
    (lambda: Book.objects.filter(pk=Book.objects.first().pk).update(price="0.01"),
     "sample_app.book values differ"),
    (lambda: Book.objects.first().delete(), "sample_app.book rows 59 vs 60"),
    (lambda: Book.objects.first().categories.add(Category.objects.last()),
     "sample_app.book_categories"),
    (lambda: Author.objects.filter(pk=Author.objects.first().pk).update(country="Nowhere"),
     "sample_app.author values differ"),
])
def test_fingerprint_catches_one_wrong_row(damage, expected, make_data):
    data = make_data(60, "update", "full")
    seed_generated(data)
    before = fingerprint()
    damage()
    assert expected in " ".join(fingerprint().differences(before))


def test_compare_catches_shifted_row_numbers(make_data):
    data = make_data(200, "errors", invalid_fraction=0.1)
    base = baseline(data, Settings(use_transactions=False))
    result = base.outcome.result
    assert compare(result, base.fingerprint, result, base.fingerprint).verified
    # what the recipe's merge does: a row numbered within its chunk, not in the file
    shifted = copy.deepcopy(result)
    shifted.invalid_rows[-1].number -= 100
    verdict = compare(shifted, base.fingerprint, result, base.fingerprint)
    assert not verdict.verified
    assert "errors differ: 1 missing" in verdict.reason and "1 unexpected" in verdict.reason


def test_compare_catches_wrong_totals_and_lost_rows(make_data):
    data = make_data(100, "create")
    base = baseline(data)
    Book.objects.filter(pk__in=list(Book.objects.values_list("pk", flat=True)[:3])).delete()
    result = copy.deepcopy(base.outcome.result)
    result.totals["new"] -= 3
    verdict = compare(result, fingerprint(), base.outcome.result, base.fingerprint)
    assert not verdict.verified
    assert "sample_app.book rows 97 vs 100" in verdict.reason
    assert "totals differ: new 97 vs 100" in verdict.reason


def test_known_differences_are_recorded_not_passed(make_data):
    data = make_data(100, "create")
    base = baseline(data)
    Book.objects.first().delete()
    verdict = compare(base.outcome.result, fingerprint(), base.outcome.result,
                      base.fingerprint, ["chunks commit separately"])
    assert not verdict.verified
    assert "known difference: chunks commit separately" in verdict.reason
    assert verdict.known_differences == ["chunks commit separately"]


def test_sequential_verifies_against_itself(make_data):
    data = make_data(80, "mixed")
    run = run_case("sequential", data)
    assert run.verification.verified, run.verification.reason


@pytest.mark.django_db(transaction=True)
def test_a_clean_file_run_from_a_state_it_was_not_made_for_does_not_verify(make_data):
    """An update file imported where its rows do not exist creates them: every strategy
    agrees with sequential, and all are wrong; the file's own record says so."""
    data = make_data(40, "update", seed=99)
    data.existing = tablib.Dataset(headers=data.existing.headers)  # a state without them
    run = run_case("sequential", data)
    assert not run.verification.verified
    assert "made with 0 new and 40 existing rows" in run.verification.reason
    assert "has 40 new and 0 updated or skipped" in run.verification.reason


def test_a_clean_file_with_a_failed_row_or_a_miscount_does_not_match_its_record(make_data):
    from import_export.results import Error

    from bench.verify.expected import expectation_problem

    data = make_data(30, "create")
    result = baseline(data).outcome.result
    assert expectation_problem(result, data.expected) is None
    miscounted = copy.deepcopy(result)
    miscounted.totals["new"] -= 1
    miscounted.totals["update"] += 1
    assert "made with 30 new and 0 existing rows" in expectation_problem(miscounted,
                                                                         data.expected)
    failed = copy.deepcopy(result)
    failed.append_base_error(Error(ValueError("database is locked")))
    assert "a clean generated file failed" in expectation_problem(failed, data.expected)
