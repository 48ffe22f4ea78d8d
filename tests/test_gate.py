"""The regression gate catches what it must (one extra query per row, a 1.5x slowdown of one
strategy) and passes unchanged code. Each test runs ``python -m bench regress`` as CI does,
on a small matrix recorded in a temporary baseline."""

import json

import pytest

from bench.results import gate
from bench.results.record import CaseRecord
from bench.results.summary import Summary

from .helpers import bench_cli

ROWS = 1000
MATRIX = ("--rows", str(ROWS), "--strategies", "sequential,reference,bulk",
          "--scenarios", "create", "--rounds", "3")


@pytest.fixture(autouse=True)
def _sqlite_only(request):
    if request.config.getoption("--db") == "postgres":
        pytest.skip("the gate runs on SQLite whatever --db says; the SQLite pass covers it")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gate")
    path = tmp / "baseline.json"
    done = bench_cli("regress", "--baseline", str(path), "--update-baseline", *MATRIX,
                     "--out", str(tmp / "results"), tmp_path=tmp)
    assert f"wrote {path}" in done.stdout.replace("\n", "")
    return path


def _regress(baseline, tmp_path, **env):
    return bench_cli("regress", "--baseline", str(baseline), "--out", str(tmp_path / "r"),
                     tmp_path=tmp_path, check=False, extra_env=env)


def test_baseline_records_the_matrix_and_every_case(baseline):
    data = json.loads(baseline.read_text())
    assert data["matrix"]["rows"] == [ROWS] and data["matrix"]["rounds"] == 3
    assert set(data["cases"]) == {f"{s}-create-{ROWS}" for s in ("sequential", "reference")} | {
        f"bulk-bs1000-create-{ROWS}"}
    for case in data["cases"].values():
        assert case["verified"] and case["tolerance"] == gate.DEFAULT_TOLERANCE
        assert case["rows_written"]["books"] == ROWS


@pytest.mark.parametrize("attempt", [1, 2])
def test_unchanged_code_passes(baseline, tmp_path, attempt):
    done = _regress(baseline, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no regression" in done.stdout
    assert "largest time change" in done.stdout


def test_one_extra_query_per_row_fails_and_names_the_case(baseline, tmp_path):
    done = _regress(baseline, tmp_path, BENCH_RESOURCE_HOOK="tests.injected:extra_query",
                    BENCH_INJECT_STRATEGY="bulk")
    assert done.returncode == 1, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    assert f"REGRESSION bulk-bs1000-create-{ROWS}: queries:" in out
    assert "queries per row" in out and "flame report:" in out
    assert f"REGRESSION sequential-create-{ROWS}" not in out


def test_a_one_and_a_half_times_slowdown_of_one_strategy_fails(baseline, tmp_path):
    base = json.loads(baseline.read_text())["cases"][f"bulk-bs1000-create-{ROWS}"]
    pause = 0.5 * base["median_s"] / ROWS  # half the baseline time again, spread over rows
    done = _regress(baseline, tmp_path, BENCH_RESOURCE_HOOK="tests.injected:slow_rows",
                    BENCH_INJECT_STRATEGY="bulk", BENCH_INJECT_SLEEP_S=repr(pause))
    assert done.returncode == 1, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    assert f"REGRESSION bulk-bs1000-create-{ROWS}: time vs reference:" in out
    assert "queries:" not in out.split("REGRESSION", 1)[1]  # the sleep sends no SQL


def test_a_missing_baseline_says_how_to_make_one(tmp_path):
    done = _regress(tmp_path / "none.json", tmp_path)
    assert done.returncode == 2
    assert "--update-baseline" in done.stderr and "Traceback" not in done.stderr


def test_matrix_options_without_update_are_refused(tmp_path):
    done = bench_cli("regress", "--rows", "10", tmp_path=tmp_path, check=False)
    assert done.returncode == 2 and "--update-baseline" in done.stderr


def test_check_compares_deterministic_figures_exactly():
    figures = {"queries": 5000, "queries_per_row": 5.0, "totals": {"new": 1000},
               "rows_written": {"books": 1000}, "fingerprint": {"books": "ab"},
               "verified": True, "median_s": 1.0, "x_reference": 40.0, "tolerance": 1.3}
    baseline = {"cases": {"sequential-create-1000": figures}}

    def case(**changes):
        values = {"id": "sequential-create-1000", "strategy": "sequential", "rows": 1000,
                  "scenario": "create", "queries": 5000, "totals": {"new": 1000},
                  "verified": True,
                  "fingerprint": {"counts": {"books": 1000}, "digests": {"books": "ab"}},
                  "times": [1.0], "x_reference": 40.0, "flame": "flames/x.html"}
        return Summary({}, True, [CaseRecord(**{**values, **changes})])

    assert all(c.ok for c in gate.check(baseline, case()))
    assert all(c.ok for c in gate.check(baseline, case(x_reference=51.0)))  # 1.28x: noise
    assert all(c.ok for c in gate.check(baseline, case(x_reference=20.0)))  # faster is fine
    failed = {c.figure for c in gate.check(baseline, case(queries=5001)) if not c.ok}
    assert failed == {"queries"}
    failed = {c.figure for c in gate.check(baseline, case(x_reference=60.0)) if not c.ok}
    assert failed == {"time vs reference"}
    changed = case(fingerprint={"counts": {"books": 999}, "digests": {"books": "cd"}})
    assert {c.figure for c in gate.check(baseline, changed) if not c.ok} == {
        "rows_written", "fingerprint"}
    assert [c.figure for c in gate.check(baseline, Summary({}, True)) if not c.ok] == [
        "present"]
