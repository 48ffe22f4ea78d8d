"""Does an import's result agree with what it did to the database?

Checked for every case, ``sequential`` included, without any baseline: the rows of the
resource's model are read by primary key before the import (from the restored starting
state) and after it, and compared with what the committed chunks reported. New rows must be
exactly the rows that appeared, deleted rows exactly those that went, and no more rows may
have changed value than the chunks reported updated (an update that writes the same values
changes nothing). A resource whose ``import_data`` loses rows, or reports rows it never
wrote, is caught here even when every strategy agrees with ``sequential``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Accounting:
    """What the result reported and what the database shows, for the resource's table."""

    table: str
    reported_new: int
    reported_updated: int
    reported_deleted: int
    created: int
    changed: int
    deleted: int

    @property
    def agrees(self) -> bool:
        return (self.created == self.reported_new and self.deleted == self.reported_deleted
                and self.changed <= self.reported_updated)

    def disagreement(self) -> str:
        """One phrase naming every figure that does not add up ("" when it agrees)."""
        parts = []
        if self.created != self.reported_new:
            parts.append(f"reported {self.reported_new:,} new, {self.created:,} rows appeared")
        if self.deleted != self.reported_deleted:
            parts.append(f"reported {self.reported_deleted:,} deleted, "
                         f"{self.deleted:,} rows went")
        if self.changed > self.reported_updated:
            parts.append(f"reported {self.reported_updated:,} updated, "
                         f"{self.changed:,} existing rows changed")
        if not parts:
            return ""
        return f"result disagrees with the database ({self.table}): " + "; ".join(parts)


def committed_totals(chunks) -> dict[str, int]:
    """Row counts by import type over the chunks whose writes were kept."""
    totals: dict[str, int] = {}
    for chunk in chunks:
        if chunk.committed and chunk.totals:
            for kind, count in chunk.totals.items():
                totals[kind] = totals.get(kind, 0) + int(count or 0)
    return totals


def account(table: str, chunks, before: dict, after: dict) -> Accounting:
    """Compare the committed chunks' totals with ``before``/``after`` (``{pk: row text}``
    of the resource's model)."""
    totals = committed_totals(chunks)
    created = sum(1 for pk in after if pk not in before)
    deleted = sum(1 for pk in before if pk not in after)
    changed = sum(1 for pk, text in after.items() if pk in before and before[pk] != text)
    return Accounting(table, totals.get("new", 0), totals.get("update", 0),
                      totals.get("delete", 0), created, changed, deleted)
