"""The benchmark as it stands before the strategy matrix: a plain sequential import.

For every (scenario, rows) it generates the dataset, seeds the database outside the timed
region, then times ``BookResource().import_data`` with the library's defaults and counts its
SQL statements. Results go to ``results/<run-id>/summary.json`` and ``results/latest``.
"""

from __future__ import annotations

import json
import platform
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from .datasets import DatasetSpec, generate_data


@dataclass
class CaseResult:
    scenario: str
    profile: str
    rows: int
    times_s: list[float] = field(default_factory=list)
    queries: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    books_after: int = 0

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    def as_dict(self) -> dict:
        return {
            "id": f"sequential-{self.scenario}-{self.profile}-{self.rows}",
            "strategy": "sequential",
            "scenario": self.scenario,
            "profile": self.profile,
            "rows": self.rows,
            "rounds": len(self.times_s),
            "times_s": self.times_s,
            "median_s": self.median_s,
            "rows_per_s": self.rows / self.median_s,
            "queries": self.queries,
            "queries_per_row": self.queries / self.rows,
            "totals": self.totals,
            "books_after": self.books_after,
        }


def environment() -> dict:
    import django
    import import_export

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "django_import_export": import_export.__version__,
        "platform": platform.platform(),
        "db": "sqlite",
    }


def run_case(spec: DatasetSpec, rounds: int, on_round=None) -> CaseResult:
    from sample_app.models import Book
    from sample_app.resources import RESOURCES

    from .measure import count_queries, timed
    from .scenarios import seed_database

    data = generate_data(spec)
    case = CaseResult(spec.scenario, spec.profile, spec.rows)
    for _ in range(rounds):
        seed_database(data)
        with count_queries() as counter, timed() as timing:
            result = RESOURCES[spec.profile]().import_data(data.dataset)
        case.times_s.append(timing.seconds)
        case.queries = counter.count
        case.totals = dict(result.totals)
        case.books_after = Book.objects.count()
        if on_round:
            on_round()
    return case


def run(
    rows: list[int],
    scenarios: list[str],
    profile: str,
    seed: int,
    rounds: int,
    out: Path,
    console: Console | None = None,
) -> Path:
    """Run every (scenario, rows) case; write and return the run folder."""
    from .django_env import fresh_database

    console = console or Console()
    fresh_database()
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = out / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    specs = [DatasetSpec(n, seed, scenario, profile) for scenario in scenarios for n in rows]
    cases = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("sequential import", total=len(specs) * rounds)
        for spec in specs:
            progress.update(task, description=f"{spec.scenario} x {spec.rows:,} rows")
            cases.append(run_case(spec, rounds, on_round=lambda: progress.advance(task)))

    summary = {"environment": environment(), "cases": [c.as_dict() for c in cases]}
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    _point_latest(out, run_dir)
    console.print(_table(cases))
    console.print(f"results: {run_dir}")
    return run_dir


def _point_latest(out: Path, run_dir: Path) -> None:
    latest = out / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(run_dir.name, target_is_directory=True)


def _table(cases: list[CaseResult]) -> Table:
    table = Table(title="sequential import (library defaults)")
    for name in ("scenario", "rows", "median s", "rows/s", "queries/row", "totals", "books"):
        table.add_column(name, justify="left" if name in ("scenario", "totals") else "right")
    for c in cases:
        totals = ", ".join(f"{k} {v}" for k, v in c.totals.items() if v)
        table.add_row(
            c.scenario,
            f"{c.rows:,}",
            f"{c.median_s:.2f}",
            f"{c.rows / c.median_s:,.0f}",
            f"{c.queries / c.rows:.2f}",
            totals,
            f"{c.books_after:,}",
        )
    return table
