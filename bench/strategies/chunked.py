"""What the chunked strategies share: the inner strategy each chunk runs, the split, the
merge, and the documented differences from ``sequential``."""

from __future__ import annotations

from . import get
from .base import ChunkFact, Outcome, Refused, Settings, Strategy

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


def refuse_keys_across_chunks(name: str, resource_class, dataset, chunk_size: int) -> None:
    """Refuse a file whose import key repeats in two chunks that may commit in any order.

    In one ``import_data`` the later row updates the book the earlier row created: the last
    row wins. When the two rows are in chunks that run at the same time, either chunk may
    write first, so which row wins is left to chance (and on PostgreSQL both may insert).
    """
    resource = resource_class()
    columns = [resource.fields[f].column_name for f in resource.get_import_id_fields()]
    if not dataset.headers or not all(c in dataset.headers for c in columns):
        return
    positions = [dataset.headers.index(c) for c in columns]
    first_seen: dict = {}
    for number, row in enumerate(dataset, start=1):
        key = tuple(row[i] for i in positions)
        earlier = first_seen.setdefault(key, number)
        if earlier != number and (earlier - 1) // chunk_size != (number - 1) // chunk_size:
            raise Refused(
                f"{name}: rows {earlier} and {number} share {', '.join(columns)} "
                f"{', '.join(map(str, key))} but fall in different chunks that may run at "
                "the same time, so which row wins would be left to chance; import such a "
                "file with a strategy that runs in file order (sequential, or async-chunked "
                "with thread_sensitive=True)")


class Chunked(Strategy):
    """Splits the file, imports the chunks with the ``inner`` strategy, merges the results.

    Subclasses say how big a chunk is and how the chunks are run.
    """

    def check(self, resource_class, dataset, settings: Settings) -> None:
        inner_strategy(self.name, settings).check(resource_class, dataset, settings)
        if self.concurrent(settings):
            refuse_keys_across_chunks(self.name, resource_class, dataset,
                                      self.chunk_size(len(dataset), settings))

    def chunk_size(self, rows: int, settings: Settings) -> int:
        raise NotImplementedError

    def concurrent(self, settings: Settings) -> bool:
        """Whether chunks may run at the same time, and so commit in any order."""
        raise NotImplementedError

    def import_chunks(self, inner: Strategy, resource_class, chunks, settings: Settings,
                      using: str) -> list[tuple[object, ChunkFact]]:
        """``(result or None, fact)`` of every ``(offset, chunk)``, in file order."""
        raise NotImplementedError

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        from ..chunks import split
        from ..merge import merge_results

        self.check(resource_class, dataset, settings)
        inner = inner_strategy(self.name, settings)
        chunks = split(dataset, self.chunk_size(len(dataset), settings))
        pairs = self.import_chunks(inner, resource_class, chunks, settings, using)
        facts = [fact for _, fact in pairs]
        if settings.defer_sequence_reset and not settings.dry_run and any(
                r is not None and r.totals.get("new") for r, _ in pairs):
            from ..chunks import reset_sequences

            reset_sequences(resource_class, using)
        result = merge_results(
            [(offset, r) for (offset, _), (r, _) in zip(chunks, pairs, strict=True)],
            len(dataset),
            [f for f in facts if f.error],
        )
        outcome = Outcome(self.name, settings, result, facts)
        outcome.known_differences = chunk_differences(outcome)
        return outcome
