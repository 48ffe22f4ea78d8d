"""pytest plugin of the benchmark suite: options, Django on the benchmark database, the
matrix as parametrization, what the cases of a run share, and a progress bar."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ...db import latency
from ...results.console import Progress
from ...results.record import CaseRecord
from ...results.summary import STATE_TIMES_FILE
from ..browser import save_pages
from ..matrix import Case, MatrixOptions, expand
from ..project import data_for_case, job_for_case
from ..runner import Baselines, CaseRunner
from ..schedule import plan, run_rounds


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before pytest-django starts Django: the harness's app and database in the project's
    settings (:func:`~bench.db.django_setup.configure`)."""
    from ...db.django_setup import configure

    configure()
    return (yield)


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


_selected: list[Case] = []


def pytest_collection_finish(session):
    global _progress
    _selected[:] = [item.callspec.params["case"] for item in session.items
                    if hasattr(item, "callspec") and "case" in item.callspec.params]
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
    run_dir = session.config.getoption("--bench-run-dir")
    if run_dir:
        write_state_times(Path(run_dir))
    if _progress is not None:
        _progress.stop()
        _progress = None


def write_state_times(run_dir: Path) -> None:
    """``states.json``: the seconds each starting state took to make and to restore."""
    from ..states import states

    times = [t.to_json() for t in states().times.values()]
    (run_dir / STATE_TIMES_FILE).write_text(json.dumps({"states": times}, indent=2) + "\n")


#: ``reference`` is the yardstick every case's time is divided by (x ref, the regression
#: gate); it is cheap, so it gets this many times the rounds for a steadier median...
YARDSTICK_ROUNDS = 3
#: ...on files up to this many rows. Above, a round of it is no longer cheap (at a million
#: rows its untimed ``prepare()`` takes a minute and the write 40 s), and a round that long
#: is steadier than the short ones the extra rounds are for.
YARDSTICK_ROUNDS_MAX_ROWS = 100_000


@dataclass
class BenchState:
    """What the cases of one run share: the options, the run folder, the selected cases,
    the dataset in memory, the ``sequential`` baselines, the runners and records of the
    groups measured so far, and the order their rounds ran in."""

    options: MatrixOptions
    run_dir: Path
    cases: list[Case] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    baselines: Baselines = field(default_factory=Baselines)
    runners: dict[str, CaseRunner] = field(default_factory=dict)
    records: dict[str, CaseRecord] = field(default_factory=dict)
    refused: list = field(default_factory=list)
    orders: list = field(default_factory=list)

    def dataset(self, case: Case):
        key = case.data_key
        if key not in self.data:
            self.data.clear()  # one dataset in memory at a time; the cache makes reloads cheap
            self.data[key] = data_for_case(case, self.options.project_root)
        return self.data[key]

    def rounds(self, case: Case) -> int:
        factor = (YARDSTICK_ROUNDS if case.strategy == "reference"
                  and case.rows <= YARDSTICK_ROUNDS_MAX_ROWS else 1)
        return self.options.rounds * factor

    def measured(self, case: Case) -> CaseRecord:
        """The case's record, measuring the rounds of its whole group the first time one
        of its cases asks."""
        if case.id not in self.records:
            self._measure_group(case)
        return self.records[case.id]

    def _measure_group(self, first: Case) -> None:
        options = self.options
        key = (first.data_key, first.latency_ms)
        group = [c for c in self.cases if (c.data_key, c.latency_ms) == key] or [first]
        if any(options.db_latency_ms):
            latency.set_ms(first.latency_ms)
        data = self.dataset(first)
        runners: dict[str, tuple[Case, CaseRunner]] = {}
        for case in group:
            runner = CaseRunner(job_for_case(case, data, options.project_root),
                                baselines=self.baselines)
            if runner.open() is not None:
                self._keep(case.record(runner.run, options.db))
                continue
            runners[case.id] = (case, runner)
        if not runners:
            return
        rng = random.Random(f"{options.order_seed}:{first.group.title}")
        provider = next((i for i, (_, r) in runners.items() if r.provides_baseline), None)
        order = plan({i: self.rounds(c) for i, (c, _) in runners.items()},
                     options.schedule, rng, first=provider)
        run_rounds({i: r for i, (_, r) in runners.items()}, order, self._on_round)
        for case_id, (case, runner) in runners.items():
            self.records[case_id] = case.record(runner.run, options.db)
            if runner.run.outcome is not None and runner.run.outcome.pages:
                self.records[case_id].pages = save_pages(self.run_dir, case_id,
                                                         runner.run.outcome.pages)
            runner.run.outcome = None  # the record holds what is kept; free the result
            self.runners[case_id] = runner
        self.orders.append({"group": first.group.title, "order": order})
        (self.run_dir / "schedule.json").write_text(json.dumps(
            {"schedule": options.schedule, "order_seed": options.order_seed,
             "groups": self.orders}, indent=2) + "\n")

    def _keep(self, record: CaseRecord) -> None:
        self.records[record.id] = record
        self.keep(record)

    @staticmethod
    def _on_round(case_id: str, done: int, total: int) -> None:
        if _progress is not None:
            _progress.status(f"round {done}/{total} of this group: {case_id}")

    def keep(self, record: CaseRecord) -> None:
        """Append the record to ``cases.jsonl`` once the case is done: pytest-benchmark
        writes ``benchmark.json`` only when the session ends normally, and an interrupted
        run must keep what it measured."""
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
    from ..states import forget_all

    run_dir = Path(request.config.getoption("--bench-run-dir") or "results/unnamed-run")
    run_dir.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        forget_all()
        fresh_database()
    return BenchState(_options(request.config), run_dir, cases=list(_selected))


@pytest.fixture(autouse=True)
def _benchmark_database(django_db_blocker):
    """The suite writes to the benchmark database itself, not a test database."""
    with django_db_blocker.unblock():
        yield
