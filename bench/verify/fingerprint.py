"""A fingerprint of the database after an import: the row count of every table the import
can change and an order-independent digest of every imported value and many-to-many pair (ids
are left out: they depend on insertion order)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

#: What is compared, per table: the values that an import writes, foreign keys by name.
FINGERPRINT_FIELDS = {
    "authors": ("sample_app.Author", ("name", "email", "country")),
    "categories": ("sample_app.Category", ("name",)),
    "books": ("sample_app.Book", ("isbn", "title", "author__name", "published", "price",
                                  "pages", "in_print", "description", "rating")),
    "book_categories": ("sample_app.Book_categories", ("book__isbn", "category__name")),
}


@dataclass(frozen=True)
class Fingerprint:
    counts: dict[str, int]
    digests: dict[str, str]

    def differences(self, other: Fingerprint) -> list[str]:
        """What differs from ``other`` (the baseline), as short phrases."""
        found = []
        for table, count in other.counts.items():
            mine = self.counts.get(table)
            if mine != count:
                found.append(f"{table} rows {mine:,} vs {count:,}")
            elif self.digests.get(table) != other.digests[table]:
                found.append(f"{table} values differ")
        return found


def fingerprint(using: str = "default") -> Fingerprint:
    from django.apps import apps

    counts, digests = {}, {}
    for table, (label, fields) in FINGERPRINT_FIELDS.items():
        model = apps.get_model(label)
        rows = sorted(
            "\x1f".join(_text(v) for v in values)
            for values in model.objects.using(using).values_list(*fields).iterator(2000)
        )
        digest = hashlib.sha256()
        for row in rows:
            digest.update(row.encode("utf-8"))
            digest.update(b"\x1e")
        counts[table] = len(rows)
        digests[table] = digest.hexdigest()
    return Fingerprint(counts, digests)


def _text(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)
