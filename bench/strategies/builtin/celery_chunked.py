"""``celery-chunked``: the file split into chunks, each a Celery task on real workers.

Each chunk of ``chunk_size`` rows is sent to a Redis broker as a task
(:mod:`bench.strategies.remote`) that a Celery worker process imports with the ``inner``
strategy in one transaction; the results come back through the result backend (JSON: the
totals and the rows with problems, numbered in the file) and are merged in file order, as
for the other chunked strategies. The broker and ``workers`` pool processes are started in
``prepare()``, outside the timed region, and kept for the run (:mod:`bench.distributed`);
with ``CELERY_BROKER_URL`` (and a ``DATABASE_URL``) given, workers elsewhere may take part.

Tasks are acknowledged when they end, so a worker killed in the middle of a chunk leaves it
on the broker for another worker; its transaction died with its connection. Each chunk
writes a receipt in its own transaction (:mod:`bench.strategies.receipts`), so a chunk whose
report does not come (the broker went away, its ``time_limit`` killed it) is settled by the
database: the run reports committed exactly the chunks that are, and names the rows of the
others. Chunks run at once and commit separately, as ``process-chunked``'s; a key repeated
in two chunks is refused, and the sequence reset runs once after every chunk (PostgreSQL).
"""

from __future__ import annotations

from .. import register
from ..bases import INNER, TIME_LIMIT, Chunked, inner_strategy
from ..blocks import block_outcome
from ..chunking import reset_sequences, split
from ..contract import Outcome, Refused
from ..kept import KeptResult
from ..library import refuse_without_error_rows
from ..settings import Knob, Settings
from ..workers import WORKERS

CHUNK_SIZE = Knob(
    "chunk_size", "rows per Celery task", tag="c", sweep=(1000, 5000, 20000), example=20,
    default=5000, phrase="chunks of {} rows", flag="--chunk-size")


@register
class CeleryChunked(Chunked):
    name = "celery-chunked"
    summary = "chunks as Celery tasks on workers the harness starts (Redis broker)"
    knobs = (WORKERS, CHUNK_SIZE, INNER, TIME_LIMIT)
    supports_dry_run = False
    in_default_matrix = False
    rank = 8

    def check(self, resource_class, dataset, settings: Settings) -> None:
        refuse_without_error_rows(self.name)
        from ..remote import refuse_unimportable

        if settings.dry_run:
            raise Refused("celery-chunked commits each chunk in its worker; it has no dry run")
        refuse_unimportable(self.name, resource_class)
        super().check(resource_class, dataset, settings)

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        from ..remote import start_workers

        return start_workers(self.name, settings, using)

    def concurrent(self, settings: Settings) -> bool:
        return True

    def chunk_size(self, rows: int, settings: Settings) -> int:
        return int(settings.value("chunk_size", CHUNK_SIZE.default))

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        from ..remote import import_remotely

        self.check(resource_class, dataset, settings)
        workers = prepared or self.prepare(resource_class, dataset, settings, using)
        inner = inner_strategy(self.name, settings)
        chunks = split(dataset, self.chunk_size(len(dataset), settings))
        pairs = import_remotely(workers, inner.name, resource_class, chunks, settings, using)
        kept, facts = KeptResult(settings.error_limit), []
        for (_, chunk), (result, fact) in zip(chunks, pairs, strict=True):
            if result is None:
                kept.add(0, len(chunk), None)  # counted; the base error names its rows
            else:
                kept.add_kept(len(chunk), result)
            facts.append(fact)
        if settings.defer_sequence_reset and any(
                f.committed and (f.totals or {}).get("new") for f in facts):
            reset_sequences(resource_class, using)
        # kept as a block strategy keeps them; chunks run at once, so commit separately
        return block_outcome(self.name, settings, kept, facts, True, part="chunk")
