"""The two shapes of strategy: one ``import_data`` in this thread (:class:`SingleProcess`),
or the file split into chunks, each imported by an inner strategy and merged
(:class:`Chunked`), with what chunked strategies must refuse and the documented ways in which
their result may differ from ``sequential``."""

from __future__ import annotations

from typing import ClassVar

from . import chunkable, get
from .chunking import import_chunk, reset_sequences, split
from .contract import ChunkFact, Outcome, Refused, Strategy
from .merge import merge_results
from .resources import refuse_many_to_many, refuse_skipped_saves
from .settings import Knob, Settings

CHUNKS_COMMIT_SEPARATELY = (
    "chunks commit separately: a chunk with an error row rolls back only its own rows, "
    "where sequential rolls back the whole file"
)

#: What each chunk of a chunked strategy runs.
INNER = Knob(
    "inner", "the single-process strategy each chunk runs", flag="--inner",
    shown_at_default=False, choices=lambda: chunkable())

#: How long a Celery task may run (its worker process is killed, its rows reported).
TIME_LIMIT = Knob(
    "time_limit", "seconds a Celery task may run before its worker process is killed, its "
    "transaction dying with it, and its rows reported as not imported (0: no limit)",
    tag="tl", default=0.0, shown_at_default=False, flag="--time-limit")


class SingleProcess(Strategy):
    """A strategy that imports the whole file with one resource, in this thread; it can
    also run inside a chunk of a chunked strategy."""

    chunkable = True
    #: False for strategies in django-import-export's bulk mode, which drops many-to-many
    #: values: a file with such a column is refused instead.
    saves_many_to_many: ClassVar[bool] = True

    def check(self, resource_class, dataset, settings: Settings) -> None:
        super().check(resource_class, dataset, settings)
        if not self.saves_many_to_many:  # django-import-export's bulk mode
            refuse_many_to_many(self.name, resource_class, dataset)
            refuse_skipped_saves(self.name, resource_class, settings)
            refuse_repeated_keys(self.name, resource_class, dataset)

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        self.check(resource_class, dataset, settings)
        result, fact = import_chunk(self, resource_class, dataset, settings, using=using)
        failed = [fact] if fact.error else []
        merged = merge_results([(0, result)], len(dataset), failed) if failed else result
        return Outcome(self.name, settings, merged, [fact])

    def resource_class_for(self, resource_class, dataset, settings, using="default"):
        return resource_class


def inner_strategy(strategy_name: str, settings: Settings, knob: str = "inner",
                   part: str = "a chunk") -> Strategy:
    """The single-process strategy the setting ``knob`` names, to run inside ``part``."""
    name = settings.value(knob)
    try:
        inner = get(name)
    except KeyError as exc:
        raise Refused(str(exc.args[0])) from None
    if not inner.chunkable:
        raise Refused(f"{strategy_name} cannot run {name!r} inside {part}")
    return inner


def with_inner_knobs(strategy: Strategy, settings: Settings, part: str = "a chunk"
                     ) -> tuple[Knob, ...]:
    """``strategy``'s knobs and those of the strategy its ``inner`` setting names (a
    chunked strategy's chunks, the Celery job's task, the admin's resource)."""
    try:
        inner = inner_strategy(strategy.name, settings, part=part)
    except Refused:
        return strategy.knobs
    return strategy.knobs + tuple(k for k in inner.knobs_given(settings)
                                  if k not in strategy.knobs)


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


def key_columns(resource_class) -> list[str]:
    """The file columns of the resource's import key, read from the class where the
    resource does not compute its key itself (making a resource instance copies every
    field, and this runs inside every timed round)."""
    from import_export.resources import Resource

    if resource_class.get_import_id_fields is Resource.get_import_id_fields:
        names, fields = resource_class._meta.import_id_fields, resource_class.fields
    else:
        resource = resource_class()
        names, fields = resource.get_import_id_fields(), resource.fields
    return [fields[name].column_name for name in names]


def repeated_keys(resource_class, dataset):
    """``(earlier row, row, key columns, key)`` for every row whose import key an earlier
    row of the file has (an empty key is no key: such rows are all new)."""
    columns = key_columns(resource_class)
    if not dataset.headers or not all(c in dataset.headers for c in columns):
        return
    # by columns, and most files have no repeat at all: this runs inside every timed round
    keys = list(zip(*(dataset.get_col(dataset.headers.index(c)) for c in columns),
                    strict=True))
    if len(set(keys)) == len(keys):
        return
    first_seen: dict = {}
    for number, key in enumerate(keys, start=1):
        if all(value in (None, "") for value in key):
            continue
        earlier = first_seen.setdefault(key, number)
        if earlier != number:
            yield earlier, number, columns, key


def refuse_repeated_keys(name: str, resource_class, dataset) -> None:
    """Refuse a file whose import key repeats, for django-import-export's bulk mode.

    Row by row, the later row updates the row the earlier one created. In bulk mode every
    row's instance is looked up before anything is written and new rows are created
    together at the end of their batch, so the later row is created a second time (an
    ``IntegrityError`` that fails the whole batch) or, without a unique constraint, added
    as a second row.
    """
    repeat = next(repeated_keys(resource_class, dataset), None)
    if repeat is not None:
        earlier, number, columns, key = repeat
        raise Refused(
            f"{name}: rows {earlier} and {number} share {', '.join(columns)} "
            f"{', '.join(map(str, key))}; bulk mode looks every row up before it writes, so "
            "the second does not see what the first wrote (a new row would be created "
            "twice). Import such a file with a strategy that saves row by row (sequential)")


def refuse_keys_across_chunks(name: str, resource_class, dataset, chunk_size: int) -> None:
    """Refuse a file whose import key repeats in two chunks that may commit in any order.

    In one ``import_data`` the later row updates the row the earlier one created: the last
    row wins. When the two rows are in chunks that run at the same time, either chunk may
    write first, so which row wins is left to chance (and on PostgreSQL both may insert).
    """
    for earlier, number, columns, key in repeated_keys(resource_class, dataset):
        if (earlier - 1) // chunk_size != (number - 1) // chunk_size:
            raise Refused(
                f"{name}: rows {earlier} and {number} share {', '.join(columns)} "
                f"{', '.join(map(str, key))} but fall in different chunks that may run at "
                "the same time, so which row wins would be left to chance; import such a "
                "file with a strategy that runs in file order (sequential, or async-chunked "
                "with thread_sensitive=True)")


class Chunked(Strategy):
    """Splits the file, imports the chunks with the ``inner`` strategy, merges the results.

    Subclasses say how big a chunk is, whether chunks may run at once, and how they run.
    """

    def knobs_given(self, settings: Settings) -> tuple[Knob, ...]:
        return with_inner_knobs(self, settings)

    def check(self, resource_class, dataset, settings: Settings) -> None:
        super().check(resource_class, dataset, settings)
        inner_strategy(self.name, settings).check(resource_class, dataset, settings)
        if self.concurrent(settings):
            refuse_keys_across_chunks(self.name, resource_class, dataset,
                                      self.chunk_size(len(dataset), settings))

    def chunk_size(self, rows: int, settings: Settings) -> int:
        raise NotImplementedError

    def chunk_bounds(self, rows: int, settings: Settings) -> list[tuple[int, int]]:
        size = self.chunk_size(rows, settings)
        return [(first, min(first + size - 1, rows)) for first in range(1, rows + 1, size)]

    def concurrent(self, settings: Settings) -> bool:
        """Whether chunks may run at the same time, and so commit in any order."""
        raise NotImplementedError

    def import_chunks(self, inner: Strategy, resource_class, chunks, settings: Settings,
                      using: str) -> list[tuple[object, ChunkFact]]:
        """``(result or None, fact)`` of every ``(offset, chunk)``, in file order."""
        raise NotImplementedError

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        self.check(resource_class, dataset, settings)
        inner = inner_strategy(self.name, settings)
        chunks = split(dataset, self.chunk_size(len(dataset), settings))
        pairs = self.import_chunks(inner, resource_class, chunks, settings, using)
        facts = [fact for _, fact in pairs]
        if settings.defer_sequence_reset and not settings.dry_run and any(
                r is not None and r.totals.get("new") for r, _ in pairs):
            reset_sequences(resource_class, using)
        result = merge_results(
            [(offset, r) for (offset, _), (r, _) in zip(chunks, pairs, strict=True)],
            len(dataset),
            [f for f in facts if f.error],
        )
        outcome = Outcome(self.name, settings, result, facts)
        outcome.known_differences = chunk_differences(outcome)
        return outcome
