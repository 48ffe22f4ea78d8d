"""pytest plugin of the benchmark suite: options, Django on the benchmark database, the
matrix as parametrization, what the cases of a run share, and a progress bar."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ...results.console import Progress
from ...results.record import CaseRecord
from ..matrix import Case, MatrixOptions, expand
from ..runner import Baselines


def pytest_addoption(parser):
    group = parser.getgroup("django-import-bench")
    group.addoption("--bench-config", help="JSON file of MatrixOptions")
    group.addoption("--bench-run-dir", help="folder this run writes to")
    group.addoption("--bench-progress", action="store_true",
                    help="show a progress bar over the cases (run with -s -p no:terminal)")


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
    """What the cases of one run share: the options, the run folder, the dataset in memory,
    the ``sequential`` baselines, and the records written so far."""

    options: MatrixOptions
    run_dir: Path
    data: dict = field(default_factory=dict)
    baselines: Baselines = field(default_factory=Baselines)
    refused: list = field(default_factory=list)

    def dataset(self, case: Case):
        from ...data.generate import generate_data

        if case.spec not in self.data:
            self.data.clear()  # one dataset in memory at a time; the cache makes reloads cheap
            self.data[case.spec] = generate_data(case.spec)
        return self.data[case.spec]

    def keep(self, record: CaseRecord) -> None:
        """Append the record to ``cases.jsonl`` as soon as the case is done:
        pytest-benchmark writes ``benchmark.json`` only when the session ends normally, and
        an interrupted run must keep what it measured."""
        with open(self.run_dir / "cases.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(record.to_json()) + "\n")
        if record.refused is not None:
            self.refused.append({"id": record.id, "strategy": record.strategy,
                                 "scenario": record.scenario, "rows": record.rows,
                                 "profile": record.profile, "settings": record.settings,
                                 "db_latency_ms": record.db_latency_ms,
                                 "reason": record.refused})
            (self.run_dir / "refused.json").write_text(
                json.dumps(self.refused, indent=2) + "\n")


def _options(config) -> MatrixOptions:
    path = config.getoption("--bench-config")
    return MatrixOptions.load(Path(path)) if path else MatrixOptions(rows=[200], rounds=1)


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        cases = expand(_options(metafunc.config))
        metafunc.parametrize("case", cases, ids=[c.id for c in cases])


@pytest.fixture(scope="session")
def bench_state(request, django_db_blocker) -> BenchState:
    from ...db.django_setup import fresh_database

    run_dir = Path(request.config.getoption("--bench-run-dir") or "results/unnamed-run")
    run_dir.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        fresh_database()
    return BenchState(_options(request.config), run_dir)


@pytest.fixture(autouse=True)
def _benchmark_database(django_db_blocker):
    """The suite writes to the benchmark database itself, not a test database."""
    with django_db_blocker.unblock():
        yield
