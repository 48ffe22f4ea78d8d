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

from . import register
from .base import Settings
from .chunked import Chunked


@register
class AsyncChunked(Chunked):
    name = "async-chunked"
    summary = "the recipe: async_size chunks through sync_to_async + asyncio.gather"
    uses = ("async_size", "thread_sensitive", "inner", "batch_size", "use_transactions",
            "dry_run")

    def concurrent(self, settings: Settings) -> bool:
        return not settings.thread_sensitive  # True: one thread, chunks in file order

    def chunk_size(self, rows: int, settings: Settings) -> int:
        from ..chunks import recipe_chunk_size

        return recipe_chunk_size(rows, settings.async_size)

    def import_chunks(self, inner, resource_class, chunks, settings: Settings, using: str):
        from ..chunks import import_chunk

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
