"""Exact memory: the memory pass's figures, and the promise of ``streaming`` that what an
import holds does not grow with the file, checked with tracemalloc's exact peak (never a
time). The gate's memory check fails a change that doubles what an import holds."""

import json

import pytest

from bench.data.source import CsvSource
from bench.execute.generated import seed_generated
from bench.execute.states import empty_tables
from bench.probes.memory import PythonPeak
from bench.results import gate
from bench.results.record import CaseRecord
from bench.strategies import Settings, get

from .helpers import bench_cli, sample_resource

pytestmark = pytest.mark.django_db(transaction=True)


def _python_peak(strategy, data, source, settings) -> float:
    """The import's Python peak, in MB, from the file's starting state."""
    empty_tables()
    seed_generated(data)
    with PythonPeak() as python:
        get(strategy).run(sample_resource(data), source, settings)
    return python.peak_bytes / 2**20


@pytest.mark.any_database  # what Python holds does not depend on the database
def test_streaming_holds_the_same_memory_for_a_file_eight_times_larger(make_data, tmp_path):
    """What a streamed import holds does not grow with the file; a whole-file import's
    does. (A generated file eight times larger also names eight times as many authors,
    which the foreign-key cache of every block holds: the part that grows in both.)"""
    settings = Settings(block_size=250, batch_size=250)
    peaks = {}
    for rows in (1000, 8000):
        data = make_data(rows, "create")
        path = tmp_path / f"{rows}.csv"
        path.write_text(data.dataset.export("csv"))
        peaks["streaming", rows] = _python_peak("streaming", data, CsvSource(path), settings)
        peaks["tuned", rows] = _python_peak("tuned", data, data.dataset, settings)
    tuned = peaks["tuned", 8000] - peaks["tuned", 1000]
    streaming = peaks["streaming", 8000] - peaks["streaming", 1000]
    assert tuned > 2.0, peaks  # a result per row: about 340 bytes a row
    assert streaming < 0.25 * tuned, peaks


@pytest.mark.any_database  # runs on SQLite whatever the suite's database
def test_the_memory_pass_measures_every_case_in_a_process_of_its_own(tmp_path):
    bench_cli("run", "--db", "sqlite", "--rows", "200", "--rounds", "1", "--no-flames",
              "--strategies", "sequential,streaming,process-chunked", "--scenarios", "create",
              "--out", str(tmp_path / "out"), tmp_path=tmp_path)
    run_dir = (tmp_path / "out" / "latest").resolve()
    figures = json.loads((run_dir / "memory.json").read_text())["cases"]
    assert set(figures) == {"sequential-create-200", "streaming-blk5000-bs1000-create-200",
                            "process-chunked-w2-create-200"}
    summary = json.loads((run_dir / "summary.json").read_text())
    cases = {c["id"]: c for c in summary["cases"]}
    for case_id, found in figures.items():
        case = cases[case_id]
        assert case["memory_rows"] == found["rows"] == 200
        assert case["peak_rss_mb"] > 30  # a Python with Django: the absolute peak
        assert 0 < case["peak_python_mb"] < case["peak_rss_mb"]
        assert case["bytes_per_row"] == pytest.approx(case["python_mb"] * 2**20 / 200)
    workers = cases["process-chunked-w2-create-200"]
    assert workers["worker_rss_mb"] > 30 and workers["worker_python_mb"] > 0
    assert cases["sequential-create-200"]["worker_rss_mb"] is None
    assert "Python MB" in (run_dir / "summary.md").read_text()
    assert (run_dir / "charts" / "memory.png").exists()


@pytest.mark.any_database
def test_the_gate_fails_a_case_whose_memory_doubled():
    def case(python, rss):
        return CaseRecord(id="tuned-create-1000", strategy="tuned", scenario="create",
                          rows=1000, times=[1.0], peak_python_mb=python, peak_rss_mb=rss,
                          memory_rows=1000)

    base = gate._memory([(None, case(2.0, 70.0)), (None, case(2.01, 71.0))])
    entry = {**base}
    ok = gate._memory_checks("tuned-create-1000", entry, case(2.1, 72.0))
    assert [c.ok for c in ok] == [True, True]
    doubled = gate._memory_checks("tuned-create-1000", entry, case(4.0, 72.0))
    assert [c.figure for c in doubled if not c.ok] == ["python memory"]
    swollen = gate._memory_checks("tuned-create-1000", entry, case(2.0, 150.0))
    assert [c.figure for c in swollen if not c.ok] == ["resident memory"]
    missing = gate._memory_checks("tuned-create-1000", entry, case(None, None))
    assert not any(c.ok for c in missing)


@pytest.mark.any_database
def test_lanes_run_side_by_side_each_on_a_database_of_its_own(tmp_path, monkeypatch):
    """The untimed passes' processes: two at a time on a SQLite file, the second lane on a
    copy of the run's database (a process of each lane empties its tables), one that starts
    workers of its own after the others and by itself, the results in the order given; on a
    database the harness cannot copy, one at a time."""
    import sqlite3
    import sys

    from bench.db import environment
    from bench.execute.lanes import Command, lane_count, side_by_side

    run_db = tmp_path / "run.sqlite3"
    with sqlite3.connect(run_db) as db:
        db.execute("create table marker (name text)")
        db.execute("insert into marker values ('the run')")
    monkeypatch.setenv(environment.DB_PATH_ENV, str(run_db))
    monkeypatch.delenv(environment.DATABASE_ENV, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert lane_count() == 2
    # each process notes when it started, waits until the other has started too (or gives
    # up after 20 s), and prints its database and what that database holds
    script = """if True:
        import os, sqlite3, sys, time
        from pathlib import Path
        Path(sys.argv[1], sys.argv[2]).touch()
        deadline = time.monotonic() + 20
        def begun():
            return len([n for n in os.listdir(sys.argv[1]) if "." not in n])
        while begun() < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        path = os.environ["BENCH_DB_PATH"]
        held = sqlite3.connect(path).execute("select name from marker").fetchone()[0]
        print(sys.argv[2], begun(), path, held)
        Path(sys.argv[1], sys.argv[2] + ".done").touch()
    """
    # a command whose import starts workers of its own runs after the others, by itself
    alone = """if True:
        import os, sys
        print("alone", sorted(os.listdir(sys.argv[1])))
    """
    started = tmp_path / "started"
    started.mkdir()
    lines = []
    done = side_by_side([Command([sys.executable, "-c", alone, str(started)], alone=True),
                         *(Command([sys.executable, "-c", script, str(started), name])
                           for name in ("first", "second"))], 2, lines.append)
    assert [d.returncode for d in done] == [0, 0, 0]
    assert done[0].stdout.split(maxsplit=1)[1].strip() == str(
        ["first", "first.done", "second", "second.done"])
    first, second = (d.stdout.split(maxsplit=3) for d in done[1:])
    assert first[0] == "first" and second[0] == "second"  # in the order given
    assert first[1] == second[1] == "2"  # each saw the other start: side by side
    assert first[2] == str(run_db) and second[2] != str(run_db)  # a copy for lane 2
    assert first[3].strip() == second[3].strip() == "the run"
    assert sorted(line.split()[0] for line in lines) == ["alone", "first", "second"]
    assert not list(run_db.parent.glob("django-import-bench-lanes-*"))  # copy removed

    monkeypatch.setenv(environment.DATABASE_ENV, '{"ENGINE": "django.db.backends.postgresql"}')
    assert lane_count() == 1
