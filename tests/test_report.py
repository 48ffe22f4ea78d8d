"""``python -m bench tune`` end to end on a tiny sweep, the report it writes, its rebuild by
``python -m bench report``, and that the page renders in a headless browser."""

import json
import re
import shutil
import subprocess

import pytest

from bench.execute.tune import sweep_options

from .helpers import bench_cli

TUNE = ("tune", "--strategy", "async-chunked", "--rows", "100,200", "--scenarios", "create",
        "--async-sizes", "2", "--thread-sensitive", "true", "--inner", "sequential,tuned",
        "--batch-sizes", "50", "--rounds", "2", "--flame-rows", "40", "--no-memory")


#: charts, verdicts and the page are made from the records, whatever database measured them
pytestmark = pytest.mark.any_database


@pytest.fixture(scope="module")
def tuned_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tune")
    done = bench_cli(*TUNE, "--out", str(tmp / "results"), tmp_path=tmp)
    return (tmp / "results" / "latest").resolve(), done


def _images(html: str) -> list[str]:
    return re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', html)


def test_sweep_always_measures_the_defaults_and_the_yardsticks():
    options = sweep_options("async-chunked", {"async_size": [3], "inner": ["sequential"]},
                            rows=[100])
    assert options.strategies == ["sequential", "reference", "async-chunked"]
    assert options.knobs["async_size"] == [3, 10]  # 10: Settings' default
    assert options.knobs["thread_sensitive"] == [True, False]
    assert "batch_size" not in options.knobs  # no batches inside sequential chunks
    tuned_chunks = sweep_options("process-chunked", {"inner": ["tuned"]}, rows=[100])
    assert tuned_chunks.knobs["inner"] == ["tuned"]  # held, not swept
    assert tuned_chunks.knobs["batch_size"] == [100, 500, 1000, 5000]  # tuned's own sweep
    with pytest.raises(ValueError, match="no settings to tune"):
        sweep_options("sequential", {})


def test_tune_sweeps_the_celery_knobs():
    options = sweep_options("celery-chunked", {"inner": ["tuned"]}, rows=[100])
    assert options.knobs["workers"] == [1, 2, 4]
    assert options.knobs["chunk_size"] == [1000, 5000, 20000]
    assert options.knobs["batch_size"] == [100, 500, 1000, 5000]  # its chunks' own
    assert options.knobs["time_limit"] == [0.0]  # held at no limit unless given
    job = sweep_options("celery-job", {"inner": ["tuned"]}, rows=[100])
    assert job.knobs["dry_run_first"] == [True, False]
    assert job.knobs["batch_size"] == [100, 500, 1000, 5000]  # its task's own


def test_tune_sweeps_the_admin_settings():
    options = sweep_options("admin", {"inner": ["tuned"]}, rows=[100])
    assert options.knobs["skip_admin_confirm"] == [False, True]
    assert options.knobs["skip_diff"] == options.knobs["skip_html_diff"] == [False, True]
    assert options.knobs["tmp_storage"] == ["CacheStorage", "MediaStorage",
                                            "TempFolderStorage"]
    assert options.knobs["batch_size"] == [100, 500, 1000, 5000]  # tuned's, in the admin


def test_tune_prints_a_verdict_for_each_row_count_and_the_growth(tuned_run):
    run_dir, done = tuned_run
    for rows in ("100", "200"):
        assert f"async-chunked: flat: create, {rows} rows" in done.stdout
    assert re.search(r"(winner|tie|noise|undecided): ", done.stdout)
    assert "fewer than 4 rounds" in done.stdout  # 2 rounds: it must not crown anything
    assert "log-log slope" in done.stdout
    verdicts = json.loads((run_dir / "recommendations.json").read_text())
    assert {v["rows"] for v in verdicts} == {100, 200}
    assert all(v["kind"] == "undecided" for v in verdicts)


def test_report_holds_every_chart_case_and_flame_link(tuned_run):
    run_dir, _ = tuned_run
    html = (run_dir / "report.html").read_text()
    charts = sorted(p.name for p in (run_dir / "charts").glob("*.png"))
    assert "time_vs_rows.png" in charts and "queries_per_row.png" in charts
    assert any(name.startswith("settings-async-chunked-inner-tuned") for name in charts)
    # a timeline for every chunked case: one figure per row count, a panel per case
    assert sorted(n for n in charts if n.startswith("timeline-")) == [
        "timeline-async-chunked-flat-create-100-rows.png",
        "timeline-async-chunked-flat-create-200-rows.png"]
    summary = json.loads((run_dir / "summary.json").read_text())
    panels = sorted(name.strip() for found in re.findall(r"Panels: ([^(<]*)", html)
                    for name in found.split(","))
    assert panels == sorted(c["id"].rsplit("-", 2)[0] for c in summary["cases"]
                            if c["strategy"] == "async-chunked")
    assert len(_images(html)) == len(charts)
    for name in charts:
        assert f'href="charts/{name}"' in html
    # 2 row counts x (sequential, reference, 2 async sizes x (sequential, tuned x 2 batches))
    assert len(summary["cases"]) == 2 * (2 + 2 * 3)
    for case in summary["cases"]:
        assert f"<td class=l>{case['id']}</td>" in html
        assert case["flame"] and (run_dir / case["flame"]).exists()
        assert f'href="{case["flame"]}"' in html
        assert case["verified"], case["verification"]
    every_case = html.split("<h2>Every case</h2>", 1)[1]
    assert every_case.count('class="ok">yes') == len(summary["cases"])
    chunked = [c for c in summary["cases"] if c["strategy"] == "async-chunked"]
    assert all(len(c["chunk_facts"]) == c["settings"]["async_size"] for c in chunked)
    assert all(f["end"] >= f["start"] >= 0 for c in chunked for f in c["chunk_facts"])


def test_report_rebuilds_from_the_run_files_alone(tuned_run, tmp_path):
    run_dir, _ = tuned_run
    copy = tmp_path / run_dir.name
    shutil.copytree(run_dir, copy)
    before = sorted(p.name for p in (copy / "charts").glob("*.png"))
    for generated in ("report.html", "summary.json", "summary.md", "recommendations.json"):
        (copy / generated).unlink()
    shutil.rmtree(copy / "charts")
    bench_cli("report", str(copy), tmp_path=tmp_path)
    assert sorted(p.name for p in (copy / "charts").glob("*.png")) == before
    assert len(_images((copy / "report.html").read_text())) == len(before)
    assert (json.loads((copy / "summary.json").read_text())
            == json.loads((run_dir / "summary.json").read_text()))


def test_report_of_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path):
    done = bench_cli("report", str(tmp_path), tmp_path=tmp_path, check=False)
    assert done.returncode == 2
    assert "is not a run folder" in done.stderr and "Traceback" not in done.stderr


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(apt-get install chromium); .ci/run installs it")
def test_report_renders_in_a_headless_browser(tuned_run, tmp_path):
    run_dir, _ = tuned_run
    url = (run_dir / "report.html").as_uri()
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # the page marks itself once every embedded image decoded, and on any error
    assert 'data-images="ok"' in dom.stdout
    assert "data-errors" not in dom.stdout
    shot = tmp_path / "report.png"
    done = subprocess.run([*flags, "--window-size=1280,2400", f"--screenshot={shot}", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
