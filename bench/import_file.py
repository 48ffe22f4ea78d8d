"""Import one user file with one strategy, and say what happened.

The database starts in the state a generated file expects (authors, categories, and the
existing books of ``update`` and ``mixed``: see ``bench.scenarios``), so the authors a
file names exist. Unless told not to, ``sequential`` imports the file first from that same
state, and the strategy's database and merged result are verified against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .datasets import GeneratedData
from .row_errors import Problem, problems
from .scenarios import seed_database
from .strategies import Outcome, Refused, Settings, get
from .verify import Verification, compare, fingerprint


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

    strategy = get(strategy_name)
    report = ImportReport(strategy_name, settings)
    try:
        strategy.check(resource_class, dataset, settings)
    except Refused as exc:
        report.refused = str(exc)
        return report
    baseline = None
    if verify and strategy_name != "sequential":
        seed_database(state, using)
        plain = Settings(use_transactions=settings.use_transactions, dry_run=settings.dry_run)
        base = get("sequential").run(resource_class, dataset, plain, using=using)
        baseline = (base, fingerprint(using))
    seed_database(state, using)
    try:
        prepared = strategy.prepare(resource_class, dataset, settings, using)
    except Refused as exc:
        report.refused = str(exc)
        return report
    report.outcome = strategy.run(resource_class, dataset, settings, prepared, using)
    report.problems = problems(report.outcome.result, resource_class, dataset)
    report.books = Book.objects.using(using).count()
    if baseline is not None:
        base, printed = baseline
        report.verification = compare(report.outcome.result, fingerprint(using), base.result,
                                      printed, report.outcome.known_differences)
    return report
