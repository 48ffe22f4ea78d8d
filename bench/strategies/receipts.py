"""Receipts: a row a remote chunk writes in the transaction that writes its rows, so that the
database, not the broker, says which chunks committed.

A Celery chunk's result comes back through the broker, and a broker that goes away mid-run
loses the reports of chunks that committed and of chunks that did not alike. So each chunk,
inside its import's transaction (django-import-export's ``after_import`` runs there, before
the library commits or rolls back), inserts ``(run, chunk)`` with its kept result into
:data:`TABLE` (:func:`receipted`). The primary key makes a receipt the one claim on a chunk:

- the parent claims every chunk whose report did not come with an empty receipt
  (:func:`settle`): where the chunk had committed, the claim finds its receipt and takes its
  result from there; where it had not, the claim stands, and a worker that runs the chunk
  later fails on the key and rolls the chunk back. The database holds exactly the chunks the
  run reports committed, whatever the broker did;
- a task the broker delivers again after a delivery that committed (the worker died between
  its commit and its acknowledgement) finds the receipt and returns it (:func:`read`) instead
  of importing the rows twice.

Without transactions (``use_transactions=False``) rows commit one at a time and a receipt
holds nothing back: a chunk that did not report may be partly written, and the run says so.
The table lives in the harness's database, beside the imported tables, and no model reads it.
"""

from __future__ import annotations

import json

from django.db import connections

from .chunking import kept
from .contract import ChunkFact, now
from .settings import Settings

TABLE = "bench_chunk_receipt"


def ensure(using: str) -> None:
    """Create the table where it is missing (once per run, before the first chunk is sent)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (run VARCHAR(64) NOT NULL, "
                       "chunk INTEGER NOT NULL, payload TEXT, PRIMARY KEY (run, chunk))")


def write(using: str, run: str, chunk: int, payload: dict) -> None:
    """Claim ``chunk`` as committed; raises ``IntegrityError`` when it is claimed already."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (run, chunk, payload) VALUES (%s, %s, %s)",
                       [run, chunk, json.dumps(payload)])


class Unclaimed:
    """No receipt: nothing has claimed the chunk."""


UNCLAIMED = Unclaimed()


def read(using: str, run: str, chunk: int) -> dict | None | Unclaimed:
    """The payload ``chunk`` committed with; ``None`` where the parent claimed it first."""
    with connections[using].cursor() as cursor:
        return _claim(cursor, run, chunk)


def _claim(cursor, run: str, chunk: int) -> dict | None | Unclaimed:
    cursor.execute(f"SELECT payload FROM {TABLE} WHERE run = %s AND chunk = %s", [run, chunk])
    found = cursor.fetchone()
    if found is None:
        return UNCLAIMED
    return json.loads(found[0]) if found[0] is not None else None


def settle(using: str, run: str, chunks: list[int]) -> dict[int, dict | None]:
    """Claim each of ``chunks`` for the parent, where no worker's receipt claimed it first,
    and return what holds each: the payload it committed with, or ``None`` (not committed,
    and now it never will be). Each claim is its own transaction; a worker's chunk still open
    with its receipt written makes the claim wait for its commit or rollback."""
    settled = {}
    with connections[using].cursor() as cursor:
        for chunk in chunks:
            cursor.execute(f"INSERT INTO {TABLE} (run, chunk, payload) VALUES (%s, %s, NULL) "
                           "ON CONFLICT (run, chunk) DO NOTHING", [run, chunk])
            settled[chunk] = _claim(cursor, run, chunk)  # there is one now
    return settled


def receipted(resource_class, settings: Settings, run: str, chunk: int, to_payload):
    """``resource_class`` with an ``after_import`` that, when the import's writes are to be
    kept, writes the chunk's receipt holding ``to_payload(result)`` before the library
    commits. A claim already there (the parent's) fails the insert; django-import-export
    reports that as the import's error and rolls the chunk back."""

    def after_import(self, dataset, result, *args, **kwargs):
        super(subclass, self).after_import(dataset, result, *args, **kwargs)
        if kept(result, self, settings, self.get_db_connection_name()):
            write(self.get_db_connection_name(), run, chunk, to_payload(result))

    subclass = type(resource_class.__name__, (resource_class,),
                    {"after_import": after_import, "__module__": resource_class.__module__,
                     "__qualname__": resource_class.__qualname__})
    return subclass


def receipt_fact(index: int, offset: int, rows: int, payload: dict) -> ChunkFact:
    """The fact of a chunk that committed but whose report did not come: what its receipt
    says (its times travelled with the report: the chunk shows at the moment it was settled)."""
    t = now()
    return ChunkFact(index=index, first_row=offset + 1, rows=rows, thread_id=0,
                     pid=payload["pid"], start=t, end=t, committed=True,
                     totals=payload["result"]["totals"], host=payload["host"], receipt=True)

