import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from bench.data.spec import DatasetSpec, export
from bench.execute.generated import generate_data
from bench.results.summary import SUMMARY_KEYS

from .helpers import bench_cli as _bench


def test_help_explains_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    commands = ("generate", "run", "tune", "regress", "import", "report")
    assert all(command in out for command in commands)
    for command in commands:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert f"usage: python -m bench {command}" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_generate_writes_the_same_bytes_as_the_api(fmt, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_RESULTS_DIR", str(tmp_path / "results"))
    out = tmp_path / f"books.{fmt}"
    assert main(["generate", "--rows", "120", "--seed", "9", "--scenario", "update",
                 "--format", fmt, "--out", str(out)]) == 0
    expected = export(generate_data(DatasetSpec(120, seed=9, scenario="update"),
                                    cache_dir=False).dataset, fmt)
    if fmt == "xlsx":  # zip timestamps differ between writes; compare the cells
        import tablib
        assert tablib.Dataset().load(out.read_bytes(), format="xlsx").dict == \
            tablib.Dataset().load(expected, format="xlsx").dict
    else:
        assert out.read_bytes() == expected


@pytest.mark.parametrize("args, message", [
    (["generate", "--rows", "abc"], "expected a whole number"),
    (["generate", "--rows", "0"], "at least 1"),
    (["generate", "--scenario", "delete"], "invalid choice"),
    (["generate", "--scenario", "create", "--invalid-fraction", "0.1"], "'errors' scenario"),
    (["run", "--scenarios", "create,bogus"], "unknown 'bogus'"),
    (["run", "--rows", "5000,x"], "expected a whole number"),
    (["run", "--rows", "abc"], "expected a whole number"),
    (["run", "--strategies", "sequential,warp"], "unknown 'warp'"),
    (["run", "--thread-sensitive", "maybe"], "expected true or false"),
    (["run", "--inner", "reference"], "unknown 'reference'"),
    (["run", "--db", "oracle"], "invalid choice"),
    (["run", "--profile", "nested", "--rows", "10"], "no resource is configured for the "
     "'nested' profile; [tool.django-import-bench.generated] resources has flat, full"),
])
def test_user_mistakes_get_a_message_not_a_traceback(args, message, tmp_path):
    done = _bench(*args, tmp_path=tmp_path, check=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_run_writes_the_output_contract(tmp_path):
    out = tmp_path / "out"
    done = _bench("run", "--rows", "60", "--rounds", "1", "--profile", "full",
                  "--strategies", "sequential,async-chunked,process-chunked,bulk",
                  "--scenarios", "create", "--thread-sensitive", "true", "--async-sizes", "3",
                  "--no-memory", "--out", str(out), tmp_path=tmp_path)
    assert "rows/s" in done.stdout
    run_dir = (out / "latest").resolve()
    assert run_dir.parent == out.resolve() and run_dir.name != "latest"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["complete"] is True
    assert set(summary["environment"]) >= {"python", "django", "django_import_export", "db"}
    cases = {c["id"]: c for c in summary["cases"]}
    assert set(cases) == {"sequential-create-60", "async-chunked-a3-ts1-create-60",
                          "process-chunked-w2-create-60", "bulk-bs1000-create-60"}
    for case in cases.values():
        assert set(SUMMARY_KEYS) <= set(case)
    refused = cases.pop("bulk-bs1000-create-60")
    assert refused["verified"] is False and "categories" in refused["verification"]
    for case in cases.values():
        assert case["verified"] is True, case["verification"]
        assert case["rounds"] == 1 and case["median_s"] > 0 and case["queries_per_row"] > 1
        html = (run_dir / case["flame"]).read_text()
        assert html.lstrip().lower().startswith("<!doctype html>") and "pyinstrument" in html
        assert (run_dir / case["flame"]).with_suffix(".speedscope.json").exists()
    # two chunks in two worker processes (whether 30 rows each overlap in time is up to the
    # scheduler; tests/test_strategies.py proves the overlap on 600 rows)
    facts = cases["process-chunked-w2-create-60"]["chunk_facts"]
    assert len(facts) == 2 and len({f["pid"] for f in facts}) == 2
    # the workers' time is in their own reports, one per chunk
    assert len(cases["process-chunked-w2-create-60"]["chunk_flames"]) == 2
    assert len(cases["async-chunked-a3-ts1-create-60"]["chunk_flames"]) == 3
    benchmarks = json.loads((run_dir / "benchmark.json").read_text())["benchmarks"]
    assert len(benchmarks) == 3
    # the rounds were timed interleaved and replayed: pytest-benchmark holds exactly them,
    # and its own tools read the file
    for bench in benchmarks:
        assert bench["stats"]["data"] == cases[bench["extra_info"]["id"]]["times"]
    compare = subprocess.run([str(Path(sys.executable).with_name("pytest-benchmark")),
                              "compare", str(run_dir / "benchmark.json")],
                             capture_output=True, text=True)
    assert compare.returncode == 0, compare.stderr
    assert "test_case[sequential-create-60]" in compare.stdout
    schedule = json.loads((run_dir / "schedule.json").read_text())
    assert schedule["schedule"] == "interleaved" and schedule["order_seed"] is not None
    (group,) = schedule["groups"]
    assert sorted(set(group["order"])) == sorted(cases)
    assert "| [sequential-create-60](flames/sequential-create-60.html) |" in (
        run_dir / "summary.md").read_text()


def test_no_flames_writes_none(tmp_path):
    out = tmp_path / "out"
    # --db sqlite is SQLite even where a PostgreSQL entry is in the environment
    _bench("run", "--db", "sqlite", "--rows", "30", "--rounds", "2", "--strategies", "tuned",
           "--scenarios", "update", "--no-flames", "--no-memory", "--out", str(out),
           tmp_path=tmp_path,
           extra_env={"BENCH_DATABASE": '{"ENGINE": "no.such.backend"}'})
    summary = json.loads((out / "latest" / "summary.json").read_text())
    (case,) = summary["cases"]
    assert case["flame"] is None and case["rounds"] == 2 and case["verified"]
    assert not (out / "latest" / "flames").exists()
