"""``async-chunked``: the popular recipe under test.

The file is split into ``async_size`` chunks of ``len(dataset) // async_size + 1`` rows; each
chunk's ``import_data`` is wrapped in ``asgiref.sync.sync_to_async`` and all of them are
``asyncio.gather``-ed inside ``asyncio.run``; the chunk results are merged.

With ``thread_sensitive=True`` (asgiref's default, which the recipe used) every chunk runs on
asgiref's one shared thread, one after another: ``max_overlap`` is 1 and there is nothing to
gain. With ``thread_sensitive=False`` chunks run on the event loop's default thread pool at
the same time; on SQLite concurrent writers then fail with "database is locked" and the
verification reports the rows that were lost.

Unlike the recipe, each chunk gets its own resource instance (a shared one shares its
pending bulk lists between threads and loses rows without an error), each thread closes its
database connection when its chunk ends, and the merge keeps absolute row numbers,
``base_errors``, ``error_rows`` and ``failed_dataset``.
"""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from django.db import connections

from .. import register
from ..bases import INNER, Chunked
from ..chunking import import_chunk
from ..settings import Knob, Settings

ASYNC_SIZE = Knob(
    "async_size", "number of chunks the file is split into", tag="a", sweep=(2, 5, 10, 20),
    example=3, phrase="{} chunks", flag="--async-sizes")
THREAD_SENSITIVE = Knob(
    "thread_sensitive", "asgiref's thread_sensitive: true runs every chunk on one shared "
    "thread, false on the event loop's thread pool", tag="ts", sweep=(True, False),
    run=(True, False))


@register
class AsyncChunked(Chunked):
    name = "async-chunked"
    summary = "the recipe: async_size chunks through sync_to_async + asyncio.gather"
    knobs = (ASYNC_SIZE, THREAD_SENSITIVE, INNER)
    rank = 2

    def concurrent(self, settings: Settings) -> bool:
        return not settings.thread_sensitive  # True: one thread, chunks in file order

    def chunk_size(self, rows: int, settings: Settings) -> int:
        """The recipe's chunk size: ``len(dataset) // async_size + 1``."""
        return rows // settings.async_size + 1

    def import_chunks(self, inner, resource_class, chunks, settings: Settings, using: str):
        def run_one(index, offset, chunk):
            try:
                return import_chunk(inner, resource_class, chunk, settings, index=index,
                                    offset=offset, using=using, chunked=True)
            finally:
                connections[using].close()

        async def run_all():
            runner = sync_to_async(run_one, thread_sensitive=settings.thread_sensitive)
            return await asyncio.gather(
                *(runner(i, offset, chunk) for i, (offset, chunk) in enumerate(chunks))
            )

        return asyncio.run(run_all())
