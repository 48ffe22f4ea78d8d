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
