"""``celery-job``: the ecosystem's practice as a yardstick: the whole file as one Celery task.

django-import-export-celery and django-import-export-extensions run an import as one task
on a worker, by default twice: a dry run whose result the user confirms, then the import.
``celery-job`` does the same on the workers the harness starts (:mod:`bench.distributed`):
one task imports the whole file with the ``inner`` strategy in one transaction, after a dry
run of the whole file first when ``dry_run_first`` is on (the default, as those tools do).
What ``celery-chunked`` gains over it is what chunking over workers gains.
"""

from __future__ import annotations

from dataclasses import replace

from import_export.results import Error

from .. import register
from ..bases import INNER, TIME_LIMIT, inner_strategy, with_inner_knobs
from ..contract import Outcome, Strategy
from ..kept import KeptResult
from ..library import refuse_without_error_rows
from ..merge import ChunkFailed
from ..settings import Knob, Settings

DRY_RUN_FIRST = Knob(
    "dry_run_first", "a dry run of the whole file before the import, as "
    "django-import-export-celery does by default", tag="dr", sweep=(True, False),
    default=True, shown_at_default=False)


@register
class CeleryJob(Strategy):
    name = "celery-job"
    summary = "the whole file as one Celery task (a dry run first), as the Celery tools do"
    knobs = (INNER, DRY_RUN_FIRST, TIME_LIMIT)
    supports_dry_run = False
    in_default_matrix = False
    rank = 9

    def check(self, resource_class, dataset, settings: Settings) -> None:
        refuse_without_error_rows(self.name)
        from ..remote import refuse_unimportable

        super().check(resource_class, dataset, settings)
        refuse_unimportable(self.name, resource_class)
        inner_strategy(self.name, settings).check(resource_class, dataset, settings)

    def knobs_given(self, settings: Settings):
        return with_inner_knobs(self, settings, part="the task")

    def prepare(self, resource_class, dataset, settings: Settings, using: str = "default"):
        from ..remote import start_workers

        return start_workers(self.name, settings, using)

    def run(self, resource_class, dataset, settings: Settings, prepared=None,
            using: str = "default") -> Outcome:
        from ..remote import import_remotely

        self.check(resource_class, dataset, settings)
        workers = prepared or self.prepare(resource_class, dataset, settings, using)
        inner = inner_strategy(self.name, settings).name
        facts = []
        if settings.value("dry_run_first", DRY_RUN_FIRST.default):
            [(_, fact)] = import_remotely(workers, inner, resource_class, [(0, dataset)],
                                          settings.with_values(dry_run=True), using)
            facts.append(fact)  # the dry run: committed nothing
        [(result, fact)] = import_remotely(workers, inner, resource_class, [(0, dataset)],
                                           settings, using)
        facts.append(replace(fact, index=len(facts)))
        kept = KeptResult(settings.error_limit)
        if result is None:
            kept.add(0, len(dataset), None)
        else:
            kept.add_kept(len(dataset), result)
        merged = kept.finished()
        if fact.error:
            merged.base_errors.append(Error(ChunkFailed(
                f"the import task (rows 1-{len(dataset)}) did not finish: {fact.error}")))
        return Outcome(self.name, settings, merged, facts)
