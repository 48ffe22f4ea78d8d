"""pytest plugin of the benchmark suite: options, Django on the benchmark database, the
matrix as parametrization, shared data and baselines, and a progress line per case."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..matrix import Case, MatrixOptions, expand


def pytest_addoption(parser):
    group = parser.getgroup("django-import-bench")
    group.addoption("--bench-config", help="JSON file of MatrixOptions")
    group.addoption("--bench-run-dir", help="folder this run writes to")
    group.addoption("--bench-progress", action="store_true",
                    help="show a progress bar over the cases (run with -s -p no:terminal)")


class Progress:
    """A rich progress bar over the cases; case lines and failures print above it."""

    def __init__(self, total: int):
        import sys

        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        console = Console(file=sys.__stderr__, width=None if sys.__stderr__.isatty() else 160)
        self.bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                       console=console, transient=False)
        self.task = self.bar.add_task("cases", total=total)
        self.bar.start()

    def print(self, line: str) -> None:
        self.bar.console.print(line, highlight=False, markup=False)

    def advance(self, case_id: str) -> None:
        self.bar.update(self.task, advance=1, description=case_id)

    def stop(self) -> None:
        self.bar.stop()


_progress: Progress | None = None


def announce(line: str, capsys) -> None:
    """Print a line for the person watching, whatever pytest captures."""
    if _progress is not None:
        _progress.print(line.lstrip("\n"))
        return
    with capsys.disabled():
        print(line, flush=True)


def pytest_collection_finish(session):
    global _progress
    if session.config.getoption("--bench-progress") and session.items:
        _progress = Progress(len(session.items))


def pytest_runtest_logreport(report):
    if _progress is None:
        return
    if report.failed:
        _progress.print(f"{report.nodeid} FAILED ({report.when}):\n{report.longreprtext}")
    if report.when == "teardown":
        _progress.advance(report.nodeid.split("[", 1)[-1].rstrip("]"))


def pytest_sessionfinish(session):
    global _progress
    if _progress is not None:
        _progress.stop()
        _progress = None


@dataclass
class BenchState:
    """What the cases of one run share."""

    options: MatrixOptions
    run_dir: Path
    data: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)
    refused: list = field(default_factory=list)

    def dataset(self, case: Case):
        from ..datasets import generate_data

        if case.spec not in self.data:
            self.data.clear()  # one dataset in memory at a time; the cache makes reloads cheap
            self.data[case.spec] = generate_data(case.spec)
        return self.data[case.spec]

    def record_refusal(self, case: Case, reason: str) -> None:
        self.refused.append({"id": case.id, "strategy": case.strategy,
                             "scenario": case.scenario, "rows": case.rows,
                             "profile": case.profile, "settings": case.settings_shown,
                             "db_latency_ms": case.latency_ms,
                             "reason": reason})
        (self.run_dir / "refused.json").write_text(json.dumps(self.refused, indent=2) + "\n")


def _options(config) -> MatrixOptions:
    path = config.getoption("--bench-config")
    return MatrixOptions.load(Path(path)) if path else MatrixOptions(rows=[200], rounds=1)


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        cases = expand(_options(metafunc.config))
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


@pytest.fixture(scope="session")
def bench_state(request, django_db_blocker) -> BenchState:
    from .. import django_env

    run_dir = Path(request.config.getoption("--bench-run-dir") or "results/unnamed-run")
    run_dir.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        django_env.fresh_database()
    return BenchState(_options(request.config), run_dir)


@pytest.fixture(autouse=True)
def _benchmark_database(django_db_blocker):
    """The suite writes to the benchmark database itself, not a test database."""
    with django_db_blocker.unblock():
        yield
