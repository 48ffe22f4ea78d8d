"""Everything derived from a run, tested on a stored run folder instead of a benchmark.

``tests/data/run-sample`` is what ``python -m bench run --rows 100,200 --strategies
sequential,reference,bulk,async-chunked,process-chunked,tuned --scenarios create,errors
--async-sizes 2,4 --thread-sensitive true --batch-sizes 50,1000 --rounds 4 --no-flames
--order-seed 7``
wrote (``cases.jsonl``, ``refused.json``, ``options.json``, ``complete``): verified,
unverified and refused cases, chunked cases, two row counts. The summary, the report and its
charts, the recommendations and the gate are rebuilt from it here.
"""

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bench.results import gate
from bench.results.html import write_report
from bench.results.recommend import recommendations
from bench.results.record import SCHEMA_VERSION, CaseRecord
from bench.results.summary import SUMMARY_KEYS, Summary, build_summary, read_records

#: a stored run folder, no database
pytestmark = pytest.mark.any_database

STORED = Path(__file__).resolve().parent / "data" / "run-sample"


@pytest.fixture
def run_dir(tmp_path):
    copy = tmp_path / "run-sample"
    shutil.copytree(STORED, copy)
    return copy


def test_every_record_reads_back_as_it_was_written():
    lines = [json.loads(line) for line in (STORED / "cases.jsonl").read_text().splitlines()]
    assert len(lines) == 36 and {line["schema"] for line in lines} == {SCHEMA_VERSION}
    for line in lines:
        assert CaseRecord.from_json(line).to_json() == line


def test_a_record_of_a_newer_schema_is_refused_with_a_message():
    line = json.loads((STORED / "cases.jsonl").read_text().splitlines()[0])
    with pytest.raises(ValueError, match="upgrade the harness"):
        CaseRecord.from_json({**line, "schema": SCHEMA_VERSION + 1})


def test_the_summary_relates_cases_to_their_yardsticks(run_dir):
    summary = build_summary(run_dir)
    assert summary.complete and summary.environment["django_import_export"]
    cases = {c.id: c for c in summary.cases}
    refused = {i for i, c in cases.items() if c.refused}
    assert refused == {"reference-errors-100", "reference-errors-200"}
    tuned = cases["tuned-bs1000-create-200"]
    reference = cases["reference-create-200"]
    sequential = cases["sequential-create-200"]
    assert tuned.x_reference == pytest.approx(tuned.median_s / reference.median_s)
    assert tuned.speedup_vs_sequential == pytest.approx(sequential.median_s / tuned.median_s)
    assert cases["tuned-bs1000-errors-200"].x_reference is None  # reference refused there
    for case in summary.to_json()["cases"]:
        assert set(SUMMARY_KEYS) <= set(case)
    assert Summary.from_json(summary.to_json()) == summary
    # verified cases fastest first in each group, then the others
    for group in summary.grouped().values():
        flags = [c.verified for c in group]
        assert flags == sorted(flags, reverse=True)
        medians = [c.median_s for c in group if c.verified]
        assert medians == sorted(medians)


def test_the_report_rebuilds_every_chart_and_verdict(run_dir):
    page = write_report(run_dir).read_text()
    charts = sorted(p.name for p in (run_dir / "charts").glob("*.png"))
    assert "time_vs_rows.png" in charts and "queries_per_row.png" in charts
    assert sorted(n for n in charts if n.startswith("timeline-")) == [
        f"timeline-{s}-flat-{scenario}-{rows}-rows.png"
        for s in ("async-chunked", "process-chunked") for scenario in ("create", "errors")
        for rows in (100, 200)]
    assert sorted(n for n in charts if n.startswith("settings-")) == [
        f"settings-{s}-flat-{scenario}-{rows}-rows.png"
        for s in ("async-chunked", "bulk", "tuned") for scenario in ("create", "errors")
        for rows in (100, 200)]
    for record in read_records(run_dir):
        assert f"<td class=l>{record.id}</td>" in page
    verdicts = json.loads((run_dir / "recommendations.json").read_text())
    kinds = {(v["strategy"], v["scenario"], v["rows"]): v["kind"] for v in verdicts}
    # errors: bulk and tuned lose the duplicate key in a batch; 4 async chunks commit apart
    assert kinds[("bulk", "errors", 100)] == kinds[("tuned", "errors", 200)] == "none"
    assert kinds[("async-chunked", "errors", 100)] == "only"
    assert all(v["choice"] is None or v["choice"] in page for v in verdicts)


def test_recommendations_never_choose_an_unverified_setting(run_dir):
    cases = read_records(run_dir)
    verified = {c.id for c in cases if c.verified}
    for verdict in recommendations(cases):
        choice = verdict.recommendation.choice
        assert choice is None or choice.id in verified


def test_the_gate_passes_its_own_run_and_fails_a_change(run_dir):
    summary = build_summary(run_dir)
    matrix = json.loads((run_dir / "options.json").read_text())
    baseline = gate.make_baseline([summary], matrix, None)
    assert set(baseline["cases"]) == {c.id for c in summary.cases if c.timed}
    checks = gate.check(baseline, summary)
    assert checks and all(c.ok for c in checks)

    def changed(case_id, **values):
        cases = [replace(c, **values) if c.id == case_id else c for c in summary.cases]
        run = Summary(summary.environment, True, cases)
        run.relate()
        return {(c.case, c.figure) for c in gate.check(baseline, run) if not c.ok}

    bulk = next(c for c in summary.cases if c.id == "bulk-bs50-create-200")
    assert changed(bulk.id, queries=bulk.queries + bulk.rows) == {(bulk.id, "queries")}
    slower = {"times": [t * 1.5 for t in bulk.times],
              "cpu_times": [t * 1.5 for t in bulk.cpu_times]}
    assert changed(bulk.id, **slower) == {(bulk.id, "time")}


def test_a_reference_that_wrote_nothing_is_no_yardstick():
    """An update of unchanged rows into a skip_unchanged resource: reference skips every
    row in a fraction of a millisecond, and a case 4,000 times its time says nothing."""
    def case(strategy, seconds, totals):
        return CaseRecord(id=f"{strategy}-update-2000", strategy=strategy, scenario="update",
                          rows=2000, times=[seconds], totals=totals, verified=True)
    skipped = {"new": 0, "update": 0, "delete": 0, "skip": 2000}
    summary = Summary({}, True, cases=[case("reference", 0.0004, skipped),
                             case("sequential", 1.8, skipped), case("bulk", 1.7, skipped)])
    summary.relate()
    assert [c.x_reference for c in summary.cases] == [None, None, None]
    assert summary.cases[2].speedup_vs_sequential == pytest.approx(1.8 / 1.7)
    written = {**skipped, "update": 5, "skip": 1995}
    summary = Summary({}, True, cases=[case("reference", 0.01, written),
                                       case("bulk", 1.7, written)])
    summary.relate()
    assert summary.cases[1].x_reference == pytest.approx(170)
