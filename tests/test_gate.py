"""The regression gate catches what it must (one extra query per row, a quarter more work in
another) and passes unchanged code. Each test runs ``python -m bench regress`` as CI
does, on a small matrix recorded in a temporary baseline measured over two runs, with a count
pass under valgrind. The time figure's tolerance is widened in the baseline file here (by
hand, as a user may): how often time alone passes unchanged code on this machine is a
measurement (the README), not something a test can promise."""

import json

import pytest

from bench.probes import instructions
from bench.results import gate
from bench.results.record import CaseRecord
from bench.results.summary import Summary

from .helpers import bench_cli
from .injected import iterations_for

#: the gate, which runs on SQLite whatever --db says
pytestmark = pytest.mark.any_database

ROWS = 500
MATRIX = ("--rows", str(ROWS), "--strategies", "sequential,reference,bulk",
          "--scenarios", "create", "--rounds", "3", "--count-rows", "40")
COUNT_ROWS = 40


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    if instructions.missing_tools():
        pytest.skip("valgrind is not installed (apt-get install valgrind); .ci/run installs it")
    tmp = tmp_path_factory.mktemp("gate")
    path = tmp / "baseline.json"
    done = bench_cli("regress", "--baseline", str(path), "--update-baseline", *MATRIX,
                     "--reruns", "2", "--out", str(tmp / "results"), tmp_path=tmp)
    assert f"wrote {path}" in done.stdout.replace("\n", "")
    data = json.loads(path.read_text())
    for case in data["cases"].values():
        if case.get("figure"):
            case.update(tolerance=3.0, tolerance_fixed=True)
    path.write_text(json.dumps(data))
    return path


def _regress(baseline, tmp_path, **env):
    return bench_cli("regress", "--baseline", str(baseline), "--out", str(tmp_path / "r"),
                     tmp_path=tmp_path, check=False, extra_env=env)


def test_baseline_records_the_matrix_and_every_case(baseline):
    data = json.loads(baseline.read_text())
    assert data["matrix"]["rows"] == [ROWS] and data["matrix"]["rounds"] == 3
    assert data["matrix"]["count_rows"] == COUNT_ROWS and data["reruns"] == 2
    assert set(data["cases"]) == {f"{s}-create-{ROWS}" for s in ("sequential", "reference")} | {
        f"bulk-bs1000-create-{ROWS}"}
    for case_id, case in data["cases"].items():
        assert case["verified"] and case["rows_written"]["sample_app.book"] == ROWS
        if case_id.startswith("reference"):
            continue  # the yardstick: nothing to divide its time by
        assert case["figure"] in gate.GATE_FIGURES.values() and len(case["values"]) == 2
        # two counts of the same work, each in a new process under valgrind, agree
        assert case["instruction_spread"] < 1.005, case["instruction_counts"]
        assert case["instruction_tolerance"] == gate.MIN_INSTRUCTION_TOLERANCE
        assert case["instruction_rows"] == COUNT_ROWS
    # the count pass imported from the state the timed run started from (not from what the
    # timed run left behind): its first rows are new books
    counted = [json.loads(p.read_text()) for p in
               (baseline.parent / "results").glob("*/instructions.json")
               if not p.parent.is_symlink()]  # results/latest
    assert len(counted) == 2
    for count in counted:
        for case_id, case in count["cases"].items():
            assert case["totals"]["new"] == COUNT_ROWS, (case_id, case["totals"])


def test_unchanged_code_passes(baseline, tmp_path):
    done = _regress(baseline, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no regression" in done.stdout
    assert "largest time change" in done.stdout


def test_each_injected_fault_fails_its_case_and_only_its_case(baseline, tmp_path):
    """In one gate run: a quarter more work per row in ``sequential`` (its time per row,
    measured in the baseline), and in ``bulk`` one extra query per row and 4 KB more held
    per row (several times what bulk holds per row: the memory pass's figure)."""
    base = json.loads(baseline.read_text())["cases"][f"sequential-create-{ROWS}"]
    work = iterations_for(0.25 * base["cpu_s"] / ROWS)
    done = _regress(baseline, tmp_path, BENCH_RESOURCE_HOOK="tests.injected:query_and_work",
                    BENCH_INJECT_STRATEGY="sequential", BENCH_INJECT_WORK=str(work),
                    BENCH_INJECT_QUERY_STRATEGY="bulk", BENCH_INJECT_MEMORY_STRATEGY="bulk",
                    BENCH_INJECT_MEMORY_BYTES="4096")
    assert done.returncode == 1, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    failed = {line.split(":")[0].split()[-1] + ":" + line.split(":")[1].strip()
              for line in out.split("REGRESSION ")[1:]}
    assert f"sequential-create-{ROWS}:instructions" in failed  # more work, no more SQL
    assert f"sequential-create-{ROWS}:queries" not in failed
    assert f"bulk-bs1000-create-{ROWS}:queries" in failed
    assert f"bulk-bs1000-create-{ROWS}:python memory" in failed
    assert f"sequential-create-{ROWS}:python memory" not in failed
    assert "queries per row" in out and "flame report:" in out
    assert not any(f.startswith("reference") for f in failed), [
        line for line in done.stdout.splitlines() if "reference" in line]


def test_a_missing_baseline_says_how_to_make_one(tmp_path):
    done = _regress(tmp_path / "none.json", tmp_path)
    assert done.returncode == 2
    assert "--update-baseline" in done.stderr and "Traceback" not in done.stderr


def test_a_count_pass_without_valgrind_is_a_clear_error(tmp_path):
    done = bench_cli("regress", "--baseline", str(tmp_path / "b.json"), "--update-baseline",
                     "--rows", "20", "--strategies", "sequential", "--scenarios", "create",
                     "--rounds", "1", "--reruns", "1", "--count-rows", "10",
                     "--out", str(tmp_path / "r"), tmp_path=tmp_path, check=False,
                     extra_env={"PATH": str(tmp_path)})  # no valgrind on this PATH
    assert done.returncode == 2, done.stdout + done.stderr
    assert "apt-get install valgrind" in done.stderr and "Traceback" not in done.stderr


def test_matrix_options_without_update_are_refused(tmp_path):
    done = bench_cli("regress", "--rows", "10", tmp_path=tmp_path, check=False)
    assert done.returncode == 2 and "--update-baseline" in done.stderr


def test_check_compares_deterministic_figures_exactly():
    def run(case_times, cpu=None, **changes):
        values = {"id": "sequential-create-1000", "strategy": "sequential", "rows": 1000,
                  "scenario": "create", "queries": 5000, "totals": {"new": 1000},
                  "verified": True,
                  "fingerprint": {"counts": {"books": 1000}, "digests": {"books": "ab"}},
                  "times": case_times, "cpu_times": cpu or case_times,
                  "flame": "flames/x.html"}
        reference = CaseRecord(id="reference-create-1000", strategy="reference", rows=1000,
                               scenario="create", queries=2, times=[0.1], cpu_times=[0.1])
        return Summary({}, True, [CaseRecord(**{**values, **changes}), reference])

    baseline = gate.make_baseline([run([4.0]), run([4.2])], {}, None)
    base = baseline["cases"]["sequential-create-1000"]
    assert base["spread"] == pytest.approx(1.05) and base["value"] == pytest.approx(41.0)
    assert base["tolerance"] == pytest.approx(gate.MIN_TOLERANCE)
    assert all(c.ok for c in gate.check(baseline, run([5.0])))  # 1.22x: within 1.3x
    assert all(c.ok for c in gate.check(baseline, run([2.0])))  # faster is fine
    failed = {c.figure for c in gate.check(baseline, run([4.1], queries=5001)) if not c.ok}
    assert failed == {"queries"}
    failed = {c.figure for c in gate.check(baseline, run([5.5])) if not c.ok}
    assert failed == {"time"}  # 55 / 41 = 1.34x > 1.3x
    changed = run([4.1], fingerprint={"counts": {"books": 999}, "digests": {"books": "cd"}})
    assert {c.figure for c in gate.check(baseline, changed) if not c.ok} == {
        "rows_written", "fingerprint"}
    assert [c.figure for c in gate.check(baseline, Summary({}, True)) if not c.ok] == [
        "present", "present"]


def test_each_kind_has_its_figure_and_the_reruns_set_the_tolerance():
    def run(wall, cpu, ran_in="this thread"):
        case = CaseRecord(id="bulk-create-10", strategy="bulk", rows=10, scenario="create",
                          times=[wall, wall * 1.5], cpu_times=[cpu, cpu * 1.5], ran_in=ran_in)
        reference = CaseRecord(id="reference-create-10", strategy="reference", rows=10,
                               scenario="create", times=[1.0], cpu_times=[1.0])
        return Summary({}, True, [case, reference])

    base = gate.make_baseline([run(1.0, 1.0), run(1.3, 1.02)], {}, None)["cases"]
    assert base["bulk-create-10"]["figure"] == "min CPU / reference"  # the fastest round
    assert base["bulk-create-10"]["spread"] == pytest.approx(1.02)
    assert base["bulk-create-10"]["tolerance"] == gate.MIN_TOLERANCE
    base = gate.make_baseline([run(1.0, 1.0, "worker processes"),
                               run(1.25, 1.02, "worker processes")], {}, None)["cases"]
    assert base["bulk-create-10"]["figure"] == "min wall / reference"
    assert base["bulk-create-10"]["tolerance"] == pytest.approx(1.5)  # 1 + 2 x 0.25
    assert gate.tolerance_for(1.2) == pytest.approx(1.4)
    fixed = {"cases": {"bulk-create-10": {"tolerance": 1.5, "tolerance_fixed": True}}}
    base = gate.make_baseline([run(1.0, 1.0), run(1.3, 1.02)], {}, fixed)["cases"]
    assert base["bulk-create-10"]["tolerance"] == 1.5


def test_a_change_of_versions_since_the_baseline_is_named():
    baseline = {"environment": {"python": "3.11.7", "django": "5.2.19", "db": "sqlite",
                                "platform": "Linux-a"}}
    same = Summary({"python": "3.11.7", "django": "5.2.19", "db": "sqlite",
                    "platform": "Linux-b"}, True)
    assert gate.environment_changes(baseline, same) == []  # the platform string is not work
    newer = Summary({"python": "3.11.7", "django": "5.2.20", "db": "sqlite"}, True)
    assert gate.environment_changes(baseline, newer) == ["django 5.2.19 -> 5.2.20"]


def test_a_small_count_gets_room_for_the_noise_of_any_count():
    assert gate.instruction_tolerance_for(500e6, 1.001) == gate.MIN_INSTRUCTION_TOLERANCE
    assert gate.instruction_tolerance_for(500e6, 1.05) == pytest.approx(1.1)  # the reruns
    small = gate.instruction_tolerance_for(10e6, 1.001)  # reference over a few rows
    assert small == pytest.approx(1 + gate.INSTRUCTION_NOISE / 10e6)
