"""Import one user file with one strategy, and say what happened.

The database starts in the state a generated file of the project expects (its related
rows, and the existing rows of ``update`` and ``mixed``: :mod:`bench.execute.generated`),
or, for a user's file, from its fixtures and state file. Unless told not to,
``sequential`` imports the file first from that same state, and the strategy's database
and merged result are verified against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..results.problems import Problem, problems
from ..strategies import Outcome, Settings
from ..verify import Verification
from .generated import GeneratedData, job_for
from .runner import Job, run_case


@dataclass
class ImportReport:
    strategy: str
    settings: Settings
    outcome: Outcome | None = None
    problems: list[Problem] = field(default_factory=list)
    verification: Verification | None = None
    refused: str | None = None
    #: Rows of the resource's model in the database afterwards, and its plural name.
    stored: int = 0
    stored_label: str = "rows"

    @property
    def failed(self) -> bool:
        """Whether the user must look: errors, invalid rows, lost chunks, or a different
        result from ``sequential``."""
        return bool(self.refused or self.problems
                    or (self.outcome and self.outcome.failed_chunks)
                    or (self.verification and not self.verification.verified))


def import_dataset(dataset, resource_class, strategy_name: str, settings: Settings,
                   state: GeneratedData, verify: bool = True,
                   using: str = "default") -> ImportReport:
    """Import ``dataset`` from ``state``'s starting state; ``sequential`` is the baseline
    itself, so it is never verified against itself here."""
    job = job_for(strategy_name, state, settings, resource_class=resource_class,
                  dataset=dataset)
    return import_job(job, verify, using)


def import_job(job: Job, verify: bool = True, using: str = "default") -> ImportReport:
    """Run ``job`` once and say what happened; ``sequential`` is the baseline itself, so it
    is never verified against itself here."""
    strategy_name, settings = job.strategy, job.settings
    resource_class = job.resource_class
    run = run_case(job, verify=verify and strategy_name != "sequential", using=using)
    report = ImportReport(strategy_name, settings, run.outcome, refused=run.refused)
    if run.outcome is None:
        return report
    report.verification = run.verification
    report.problems = problems(run.outcome.result, resource_class, job.source.loaded())
    model = resource_class._meta.model
    report.stored = model.objects.using(using).count()
    report.stored_label = str(model._meta.verbose_name_plural)
    return report
