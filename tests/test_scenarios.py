from decimal import Decimal

import pytest

from bench.data.generate import FULL_HEADERS
from sample_app.models import Author, Book, Category
from sample_app.seed import reset_database, seed_database

pytestmark = pytest.mark.django_db


def test_create_seeds_reference_data_and_no_books(make_data):
    data = make_data(200, "create")
    seed_database(data)
    assert Author.objects.count() == len(data.authors) > 0
    assert set(Category.objects.values_list("name", flat=True)) == set(data.categories)
    assert Book.objects.count() == 0


def test_update_seeds_every_book_with_its_old_values(make_data):
    data = make_data(200, "update")
    seed_database(data)
    assert Book.objects.count() == 200
    col = {name: i for i, name in enumerate(FULL_HEADERS)}
    books = {b.isbn: b for b in Book.objects.select_related("author")}
    for row in data.existing:
        book = books[row[col["isbn"]]]
        assert book.title == row[col["title"]]
        assert book.price == Decimal(row[col["price"]])
        assert book.author.name == row[col["author"]]
    # the file to import differs from what is stored
    assert {r["isbn"] for r in data.dataset.dict} == set(books)


def test_mixed_full_seeds_existing_books_with_categories(make_data):
    data = make_data(300, "mixed", "full")
    seed_database(data)
    assert Book.objects.count() == 200
    col = FULL_HEADERS.index("categories")
    for row in data.existing[:20]:
        stored = set(Book.objects.get(isbn=row[0]).categories.values_list("name", flat=True))
        assert stored == set(row[col].split("|"))


def test_seeding_twice_starts_from_empty_tables(make_data):
    data = make_data(100, "update", "full")
    seed_database(data)
    seed_database(data)
    assert Book.objects.count() == 100
    assert Author.objects.count() == len(data.authors)
    reset_database()
    assert not Book.objects.exists() and not Author.objects.exists()
    assert not Book.categories.through.objects.exists()
