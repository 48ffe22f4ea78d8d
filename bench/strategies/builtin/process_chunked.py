"""``process-chunked``: chunks imported by ``workers`` processes at the same time.

Each worker is a fresh interpreter (the ``spawn`` start method: nothing of the parent's
database connections is inherited, which forked workers would break) with its own Django
setup and connection to the parent's database. The file is split into ``workers`` chunks;
each worker imports one with the ``inner`` strategy and sends its ``Result`` back to be
merged. Workers wait for each other after setting up Django, so that chunks start together
and the pool's start-up shows up once, not per chunk.

On SQLite, concurrent write transactions that begin as readers fail with "database is
locked" when they try to write; with ``sqlite_transaction_mode="IMMEDIATE"`` (the default)
each worker's transaction takes the write lock when it begins, so chunks queue and every row
is kept. Parallel writes need a server database.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.db import connections

from ...db.django_setup import setup
from .. import get, register
from ..bases import INNER, Chunked
from ..chunking import import_chunk
from ..contract import ChunkFact, Refused, now
from ..settings import Knob, Settings

WORKER_START_TIMEOUT_S = 120

_worker_using = "default"


def _init_worker(settings_module: str, using: str, database: dict, barrier) -> None:
    """Runs once in each worker: Django on the parent's database (through the harness's
    own start, so that the worker counts its statements too), then wait for the others."""
    global _worker_using
    setup(settings_module, database=database)
    _worker_using = using
    barrier.wait(timeout=WORKER_START_TIMEOUT_S)


def _import_in_worker(inner_name, resource_class, chunk, settings, index, offset):
    try:
        return import_chunk(get(inner_name), resource_class, chunk, settings, index=index,
                            offset=offset, using=_worker_using, chunked=True)
    finally:
        connections[_worker_using].close()


def _worker_database(using: str, settings: Settings) -> dict:
    database = dict(connections[using].settings_dict)
    database["OPTIONS"] = dict(database.get("OPTIONS") or {})
    if connections[using].vendor == "sqlite":
        database["OPTIONS"]["transaction_mode"] = settings.sqlite_transaction_mode
    return database


WORKERS = Knob(
    "workers", "worker processes; the file is split into one chunk each", tag="w",
    sweep=(1, 2, 4), example=2, phrase="{} workers", flag="--workers")


@register
class ProcessChunked(Chunked):
    name = "process-chunked"
    summary = "workers processes, one chunk each, results merged"
    knobs = (WORKERS, INNER)
    rank = 3

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        connection = connections[using]
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            raise Refused(
                "worker processes cannot open an in-memory SQLite database (pytest-django's "
                "default test database): give the test database a file "
                "(DATABASES['default']['TEST']['NAME']) or use PostgreSQL")
        return super().prepare(resource_class, dataset, settings, using)

    def concurrent(self, settings: Settings) -> bool:
        return settings.workers > 1

    def chunk_size(self, rows: int, settings: Settings) -> int:
        return max(1, -(-rows // settings.workers))  # ceiling division: one chunk a worker

    def import_chunks(self, inner, resource_class, chunks, settings: Settings, using: str):
        from django.conf import settings as django_settings

        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(len(chunks))
        database = _worker_database(using, settings)
        connections[using].close()  # no open transaction may hold a lock the workers need
        pairs = []
        with ProcessPoolExecutor(
            max_workers=len(chunks), mp_context=context, initializer=_init_worker,
            initargs=(django_settings.SETTINGS_MODULE, using, database, barrier),
        ) as pool:
            futures = [
                pool.submit(_import_in_worker, inner.name, resource_class, chunk, settings,
                            index, offset)
                for index, (offset, chunk) in enumerate(chunks)
            ]
            for index, ((offset, chunk), future) in enumerate(zip(chunks, futures, strict=True)):
                try:
                    pairs.append(future.result())
                except BrokenProcessPool as exc:
                    pairs.append((None, self._lost(index, offset, len(chunk),
                                                   f"worker process died: {exc}")))
                except Exception as exc:  # noqa: BLE001 - e.g. a result that did not pickle
                    pairs.append((None, self._lost(index, offset, len(chunk),
                                                   f"{type(exc).__name__}: {exc}")))
        return pairs

    @staticmethod
    def _lost(index: int, offset: int, rows: int, error: str) -> ChunkFact:
        t = now()
        return ChunkFact(index=index, first_row=offset + 1, rows=rows, thread_id=0, pid=0,
                         start=t, end=t, committed=False, error=error)
