import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from bench.datasets import export, generate

ROOT = Path(__file__).resolve().parents[1]


def _bench(*args, tmp_path, check=True):
    env = {**os.environ, "BENCH_RESULTS_DIR": str(tmp_path / "results")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=check)


def test_help_explains_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "generate" in out and "run" in out
    for command in ("generate", "run"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--rows" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_generate_writes_the_same_bytes_as_the_api(fmt, tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_RESULTS_DIR", str(tmp_path / "results"))
    out = tmp_path / f"books.{fmt}"
    assert main(["generate", "--rows", "120", "--seed", "9", "--scenario", "update",
                 "--format", fmt, "--out", str(out)]) == 0
    expected = export(generate(120, seed=9, scenario="update", cache_dir=False), fmt)
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
])
def test_user_mistakes_get_a_message_not_a_traceback(args, message, tmp_path):
    done = _bench(*args, tmp_path=tmp_path, check=False)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_run_imports_and_writes_a_summary(tmp_path):
    out = tmp_path / "out"
    done = _bench("run", "--rows", "40", "--scenarios", "create,update", "--rounds", "2",
                  "--out", str(out), tmp_path=tmp_path)
    assert "rows/s" in done.stdout
    summary = json.loads((out / "latest" / "summary.json").read_text())
    cases = {c["scenario"]: c for c in summary["cases"]}
    assert set(cases) == {"create", "update"}
    assert cases["create"]["totals"]["new"] == 40
    assert cases["update"]["totals"]["update"] == 40
    for case in cases.values():
        assert case["rounds"] == 2 and case["books_after"] == 40
        assert case["queries_per_row"] > 4
    assert summary["environment"]["django_import_export"]
    assert (out / "db" / "bench.sqlite3").exists()
