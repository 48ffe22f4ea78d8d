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

from concurrent.futures.process import BrokenProcessPool

from django.db import connections

from .. import get, register
from ..bases import INNER, Chunked
from ..chunking import import_chunk, lost_chunk
from ..settings import Settings
from ..workers import WORKERS, refuse_in_memory_sqlite, worker_pool, worker_using


def _import_in_worker(inner_name, resource_class, chunk, settings, index, offset):
    try:
        return import_chunk(get(inner_name), resource_class, chunk, settings, index=index,
                            offset=offset, using=worker_using(), chunked=True)
    finally:
        connections[worker_using()].close()


@register
class ProcessChunked(Chunked):
    name = "process-chunked"
    summary = "workers processes, one chunk each, results merged"
    knobs = (WORKERS, INNER)
    rank = 3

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        refuse_in_memory_sqlite(using)
        return super().prepare(resource_class, dataset, settings, using)

    def concurrent(self, settings: Settings) -> bool:
        return settings.workers > 1

    def chunk_size(self, rows: int, settings: Settings) -> int:
        return max(1, -(-rows // settings.workers))  # ceiling division: one chunk a worker

    def import_chunks(self, inner, resource_class, chunks, settings: Settings, using: str):
        pairs = []
        with worker_pool(len(chunks), using, settings) as pool:
            futures = [
                pool.submit(_import_in_worker, inner.name, resource_class, chunk, settings,
                            index, offset)
                for index, (offset, chunk) in enumerate(chunks)
            ]
            for index, ((offset, chunk), future) in enumerate(zip(chunks, futures, strict=True)):
                try:
                    pairs.append(future.result())
                except BrokenProcessPool as exc:
                    pairs.append((None, lost_chunk(index, offset, len(chunk),
                                                   f"worker process died: {exc}")))
                except Exception as exc:  # noqa: BLE001 - e.g. a result that did not pickle
                    pairs.append((None, lost_chunk(index, offset, len(chunk),
                                                   f"{type(exc).__name__}: {exc}")))
        return pairs
