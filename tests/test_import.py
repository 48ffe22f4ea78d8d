"""A real django-import-export import of generated data into the test database."""

from datetime import date
from decimal import Decimal

import pytest

from bench.execute.generated import seed_generated
from bench.execute.states import empty_tables
from bench.probes.sql import counted
from sample_app.models import Book
from sample_app.resources import BookResource, FlatBookResource

from .helpers import sample_resource

pytestmark = pytest.mark.django_db


def _import(data, resource_class=None, **kwargs):
    resource = (resource_class or sample_resource(data))()
    return resource.import_data(data.dataset, **kwargs)


def test_create_writes_every_row_with_its_values(make_data):
    data = make_data(300, "create")
    seed_generated(data)
    result = _import(data)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 300
    assert Book.objects.count() == 300
    books = {b.isbn: b for b in Book.objects.select_related("author")}
    for row in data.dataset.dict:
        book = books[row["isbn"]]
        assert book.title == row["title"]
        assert book.author.name == row["author"]
        assert book.published == date.fromisoformat(row["published"])
        assert book.price == Decimal(row["price"])
        assert book.pages == int(row["pages"])
        assert book.in_print is (row["in_print"] == "1")
        assert book.rating == float(row["rating"])


def test_update_overwrites_every_book(make_data):
    data = make_data(200, "update")
    seed_generated(data)
    result = _import(data)
    assert result.totals["update"] == 200 and result.totals["new"] == 0
    titles = dict(Book.objects.values_list("isbn", "title"))
    assert titles == {row["isbn"]: row["title"] for row in data.dataset.dict}


def test_full_profile_imports_categories(make_data):
    data = make_data(120, "create", "full")
    seed_generated(data)
    result = _import(data)
    assert result.totals["new"] == 120
    for row in data.dataset.dict[:30]:
        stored = Book.objects.get(isbn=row["isbn"]).categories.values_list("name", flat=True)
        assert set(stored) == (set(row["categories"].split("|")) if row["categories"] else
                               set())


def test_mixed_with_skip_unchanged_skips_exactly_the_unchanged_rows(make_data):
    class SkippingResource(BookResource):
        class Meta(BookResource.Meta):
            skip_unchanged = True

    data = make_data(300, "mixed", "full")
    seed_generated(data)
    result = _import(data, SkippingResource)
    kinds = data.kind_counts()
    assert result.totals["new"] == kinds["new"]
    assert result.totals["update"] == kinds["changed"]
    assert result.totals["skip"] == kinds["unchanged"]
    assert Book.objects.count() == 300


def test_errors_scenario_rows_are_reported_where_the_library_puts_them(make_data):
    data = make_data(400, "errors", invalid_fraction=0.1)
    seed_generated(data)
    result = _import(data, use_transactions=False)
    reported = {how: {n for n, e in data.expected.items() if e.get("reported") == how}
                for how in ("invalid", "error", "update")}
    # a bad date or a word in the (float) rating is a validation error (ValueError); a
    # word in the price or pages (decimal.InvalidOperation: the widgets parse through
    # Decimal) and an unknown author (Author.DoesNotExist) are errors; a repeated ISBN
    # updates its twin
    where = {how: {(data.row_kinds[n], data.expected[n]["column"]) for n in numbers}
             for how, numbers in reported.items()}
    assert where["invalid"] == {("bad_date", "published"), ("not_a_number", "rating")}
    assert where["error"] == {("not_a_number", "price"), ("not_a_number", "pages"),
                              ("unknown_related", "author")}
    assert {r.number for r in result.invalid_rows} == reported["invalid"]
    assert {r.number for r in result.error_rows} == reported["error"]
    assert result.totals["update"] == len(reported["update"]) > 0
    assert result.totals["new"] == data.kind_counts()["new"]
    assert Book.objects.count() == data.kind_counts()["new"]


def test_errors_with_transactions_roll_back_the_whole_import(make_data):
    data = make_data(200, "errors")
    seed_generated(data)
    result = _import(data, use_transactions=True)
    assert result.has_errors()
    assert Book.objects.count() == 0


@pytest.mark.parametrize("resource_class, per_row", [
    # savepoint, instance lookup, author lookup, insert, release
    (FlatBookResource, 5),
    # ... plus the diff's read of the (empty) categories of a new book
    (BookResource, 6),
])
def test_default_create_costs_a_fixed_number_of_queries_per_row(
    resource_class, per_row, make_data
):
    counts = {}
    for rows in (50, 150):
        empty_tables()  # the migrated, empty database
        data = make_data(rows, "create", "flat")
        seed_generated(data)
        with counted() as counter:
            resource_class().import_data(data.dataset)
        counts[rows] = counter.statements
    assert (counts[150] - counts[50]) / 100 == per_row
