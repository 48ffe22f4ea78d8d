import json

import pytest

from bench.execute.matrix import Case, MatrixOptions, expand
from bench.results.record import CaseRecord
from bench.results.summary import Summary, build_summary, markdown
from bench.strategies import Settings


def test_default_matrix_has_one_case_per_strategy_variant():
    cases = expand(MatrixOptions())
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids))
    # 8 strategies, async-chunked twice (thread_sensitive true/false), 2 scenarios
    assert len(cases) == 2 * 9
    assert {c.strategy for c in cases} == {"sequential", "bulk", "async-chunked",
                                           "process-chunked", "tuned", "reference",
                                           "streaming", "streaming-parallel"}


def test_settings_expand_only_where_they_matter():
    options = MatrixOptions(rows=[100, 200], scenarios=["create"], knobs={
        "batch_size": [100, 500], "async_size": [2, 4, 8], "thread_sensitive": [True],
        "workers": [1, 2], "inner": ["sequential", "tuned"]})
    cases = expand(options)
    per_rows = {}
    for case in cases:
        per_rows.setdefault(case.rows, []).append(case)
    for group in per_rows.values():
        count = {}
        for case in group:
            count[case.strategy] = count.get(case.strategy, 0) + 1
        # chunked: sequential chunks take no batch size; tuned chunks one per batch size
        assert count == {"sequential": 1, "reference": 1, "bulk": 2, "tuned": 2,
                         "async-chunked": 3 * (1 + 2), "process-chunked": 2 * (1 + 2),
                         "streaming": 2,  # blocks through tuned: one per batch size
                         "streaming-parallel": 2 * 2}
        assert [c.strategy for c in group[:2]] == ["sequential", "reference"]
    tuned = [c for c in cases if c.strategy == "tuned"]
    assert {c.settings.batch_size for c in tuned} == {100, 500}
    assert "inner" not in next(c for c in cases if c.strategy == "process-chunked"
                               and c.settings.inner == "sequential").shown
    assert {c.settings.batch_size for c in cases if c.strategy == "async-chunked"
            and c.settings.inner == "tuned"} == {100, 500}


def test_case_ids_name_the_settings():
    case = Case("async-chunked", "update", 5000, "flat", 7,
                Settings(async_size=10, thread_sensitive=False, inner="tuned"),
                ("async_size", "thread_sensitive", "inner"))
    assert case.id == "async-chunked-a10-ts0-tuned-update-5000"
    assert case.settings_shown == {"async_size": 10, "thread_sensitive": False,
                                   "inner": "tuned"}


def _record(case_id, strategy, median, verified=True, scenario="create", rows=1000):
    return CaseRecord(id=case_id, strategy=strategy, scenario=scenario, rows=rows,
                      profile="flat", times=[median * 0.9, median, median * 1.1], queries=10,
                      peak_memory_mb=1.0, max_overlap=1, verified=verified,
                      verification="ok" if verified else "books rows 9 vs 10",
                      versions={"django": "5.2"})


def test_summary_relates_every_case_to_sequential_and_reference(tmp_path):
    records = [_record("sequential-create-1000", "sequential", 4.0),
               _record("reference-create-1000", "reference", 0.5),
               _record("tuned-create-1000", "tuned", 1.0),
               _record("fast-but-wrong", "async-chunked", 0.2, verified=False),
               CaseRecord.refusal("no many-to-many", id="bulk-create-1000", strategy="bulk",
                                  scenario="create", rows=1000, profile="flat")]
    (tmp_path / "cases.jsonl").write_text(
        "".join(json.dumps(r.to_json()) + "\n" for r in records))
    summary = build_summary(tmp_path)
    cases = {c.id: c for c in summary.cases}
    assert cases["tuned-create-1000"].speedup_vs_sequential == pytest.approx(4.0)
    assert cases["tuned-create-1000"].x_reference == pytest.approx(2.0)
    assert cases["bulk-create-1000"].verified is False
    assert cases["bulk-create-1000"].verification == "refused: no many-to-many"
    table = markdown(summary)
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line
            and not line.startswith("| case")]
    assert rows[0].startswith("| reference-create-1000")   # fastest verified first
    assert rows[1].startswith("| tuned-create-1000")
    assert "**NO**: books rows 9 vs 10" in rows[3]          # unverified after, marked
    assert "refused: no many-to-many" in table
    assert Summary.from_json(json.loads(json.dumps(summary.to_json()))) == summary


def test_summary_reads_a_run_written_before_records_had_a_schema(tmp_path):
    extra = {"id": "tuned-create-1000", "strategy": "tuned", "scenario": "create",
             "rows": 1000, "profile": "flat", "db": "sqlite", "settings": {"batch_size": 1000},
             "rows_per_s": 1000.0, "queries": 10, "queries_per_row": 0.01,
             "peak_memory_mb": 1.0, "max_overlap": 1, "verified": True, "verification": "ok",
             "flame": None, "versions": {"django": "5.2"}}
    (tmp_path / "benchmark.json").write_text(json.dumps({"benchmarks": [
        {"extra_info": extra, "stats": {"median": 1.0, "data": [0.9, 1.0, 1.2]}}]}))
    (tmp_path / "refused.json").write_text(json.dumps([{
        "id": "bulk-create-1000", "strategy": "bulk", "scenario": "create", "rows": 1000,
        "profile": "flat", "settings": {}, "reason": "no many-to-many"}]))
    cases = {c.id: c for c in build_summary(tmp_path).cases}
    assert cases["tuned-create-1000"].median_s == 1.0
    assert cases["tuned-create-1000"].times == [0.9, 1.0, 1.2]
    assert cases["bulk-create-1000"].refused == "no many-to-many"
    assert cases["bulk-create-1000"].rounds == 0


@pytest.mark.parametrize("times", [[1.0], [3.0, 1.0], [1, 2, 3], [5, 1, 4, 2],
                                   [1, 2, 3, 4, 5], [2, 9, 4, 7, 1, 3, 8],
                                   [0.1 * i for i in range(1, 12)]])
def test_iqr_is_the_one_pytest_benchmark_prints(times):
    from pytest_benchmark.stats import Stats

    stats = Stats()
    for t in times:
        stats.update(t)
    record = CaseRecord(id="x-create-1", strategy="x", scenario="create", rows=1, times=times)
    assert record.median_s == stats.median
    assert record.iqr_s == stats.iqr
