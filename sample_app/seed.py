"""Put the database in the state a generated dataset expects before it is imported.

Every scenario starts from empty tables, then creates the reference data (authors and
categories) and the books that must already exist (``update`` and ``mixed``). Seeding is
done with ``bulk_create`` and is never part of a timed region.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connections, transaction

from bench.data.generate import CATEGORY_SEPARATOR, FULL_HEADERS, GeneratedData

SEED_BATCH_SIZE = 500


def _models():
    from .models import Author, Book, Category

    return Author, Book, Category


def reset_database(using: str = "default") -> None:
    """Delete every author, category and book (and the book-category links)."""
    Author, Book, Category = _models()
    tables = [Book.categories.through._meta.db_table, Book._meta.db_table]
    tables += [Author._meta.db_table, Category._meta.db_table]
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def seed_database(data: GeneratedData, using: str = "default") -> None:
    """Empty the tables, then create the authors, categories and existing books of ``data``."""
    Author, Book, Category = _models()
    reset_database(using)
    col = {name: i for i, name in enumerate(FULL_HEADERS)}
    with transaction.atomic(using=using):
        Author.objects.using(using).bulk_create(
            [Author(name=n, email=e, country=c) for n, e, c in data.authors],
            batch_size=SEED_BATCH_SIZE,
        )
        Category.objects.using(using).bulk_create(
            [Category(name=name) for name in data.categories], batch_size=SEED_BATCH_SIZE
        )
        if not data.existing:
            return
        author_ids = dict(Author.objects.using(using).values_list("name", "id"))
        books = [
            Book(
                isbn=row[col["isbn"]],
                title=row[col["title"]],
                author_id=author_ids[row[col["author"]]],
                published=date.fromisoformat(row[col["published"]]),
                price=Decimal(row[col["price"]]),
                pages=int(row[col["pages"]]),
                in_print=row[col["in_print"]] == "1",
                description=row[col["description"]],
                rating=float(row[col["rating"]]),
            )
            for row in data.existing
        ]
        Book.objects.using(using).bulk_create(books, batch_size=SEED_BATCH_SIZE)
        if data.spec.profile != "full":
            return
        category_ids = dict(Category.objects.using(using).values_list("name", "id"))
        book_ids = dict(Book.objects.using(using).values_list("isbn", "id"))
        Link = Book.categories.through
        links = [
            Link(book_id=book_ids[row[col["isbn"]]], category_id=category_ids[name])
            for row in data.existing
            for name in row[col["categories"]].split(CATEGORY_SEPARATOR)
        ]
        Link.objects.using(using).bulk_create(links, batch_size=SEED_BATCH_SIZE)
