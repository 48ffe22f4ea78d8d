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

from . import get, register
from .base import Outcome, Refused, Settings, Strategy

CHUNKS_COMMIT_SEPARATELY = (
    "chunks commit separately: a chunk with an error row rolls back only its own rows, "
    "where sequential rolls back the whole file"
)


def inner_strategy(strategy_name: str, settings: Settings) -> Strategy:
    try:
        inner = get(settings.inner)
    except KeyError as exc:
        raise Refused(str(exc.args[0])) from None
    if not inner.chunkable:
        raise Refused(f"{strategy_name} cannot run {settings.inner!r} inside a chunk")
    return inner


def chunk_differences(outcome: Outcome) -> list[str]:
    """The documented differences of a chunked run that apply to this outcome."""
    notes = []
    if len(outcome.chunks) > 1:
        notes.append(CHUNKS_COMMIT_SEPARATELY)
    failed = outcome.failed_chunks
    if failed:
        notes.append(f"{len(failed)} of {len(outcome.chunks)} chunks raised and were not "
                     f"imported (first: {failed[0].error})")
    return notes


@register
class AsyncChunked(Strategy):
    name = "async-chunked"
    summary = "the recipe: async_size chunks through sync_to_async + asyncio.gather"
    uses = ("async_size", "thread_sensitive", "inner", "batch_size", "use_transactions",
            "dry_run")

    def check(self, resource_class, dataset, settings: Settings) -> None:
        inner_strategy(self.name, settings).check(resource_class, dataset, settings)

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        from ..chunks import import_chunk, recipe_chunk_size, split
        from ..merge import merge_results

        inner = inner_strategy(self.name, settings)
        inner.check(resource_class, dataset, settings)
        chunks = split(dataset, recipe_chunk_size(len(dataset), settings.async_size))

        def run_one(index, offset, chunk):
            try:
                return import_chunk(inner, resource_class, chunk, settings, index=index,
                                    offset=offset, using=using)
            finally:
                connections[using].close()

        async def run_all():
            runner = sync_to_async(run_one, thread_sensitive=settings.thread_sensitive)
            return await asyncio.gather(
                *(runner(i, offset, chunk) for i, (offset, chunk) in enumerate(chunks))
            )

        pairs = asyncio.run(run_all())
        facts = [fact for _, fact in pairs]
        result = merge_results(
            [(offset, r) for (offset, _), (r, _) in zip(chunks, pairs)],
            len(dataset),
            [f for f in facts if f.error],
        )
        outcome = Outcome(self.name, settings, result, facts)
        outcome.known_differences = chunk_differences(outcome)
        return outcome
