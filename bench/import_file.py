"""Import one user file with one strategy, and say what happened.

The database starts in the state a generated file expects (authors, categories, and the
existing books of ``update`` and ``mixed``: see ``bench.scenarios``), so the authors a
file names exist. Unless told not to, ``sequential`` imports the file first from that same
state, and the strategy's database and merged result are verified against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cases import run_strategy
from .datasets import GeneratedData
from .row_errors import Problem, problems
from .strategies import Outcome, Settings
from .verify import Verification


@dataclass
class ImportReport:
    strategy: str
    settings: Settings
    outcome: Outcome | None = None
    problems: list[Problem] = field(default_factory=list)
    verification: Verification | None = None
    refused: str | None = None
    books: int = 0

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
    from sample_app.models import Book

    run = run_strategy(strategy_name, resource_class, dataset, state, settings,
                       verify=verify and strategy_name != "sequential", using=using)
    report = ImportReport(strategy_name, settings, run.outcome, refused=run.refused)
    if run.outcome is None:
        return report
    report.verification = run.verification
    report.problems = problems(run.outcome.result, resource_class, dataset)
    report.books = Book.objects.using(using).count()
    return report
