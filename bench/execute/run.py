"""Running a matrix with pytest-benchmark into a run folder.

``results/<run-id>/`` gets ``options.json``, ``cases.jsonl`` (a record per case, written as
soon as it is measured), ``benchmark.json`` (pytest-benchmark's own), ``refused.json``,
``summary.json``, ``summary.md``, ``report.html`` and ``flames/``; ``results/latest`` points
at it. ``run``, ``tune`` and ``regress`` all come here.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from ..db import latency
from ..results.html import write_report
from ..results.summary import Summary, write_summary
from .matrix import MatrixOptions

SUITE = Path(__file__).resolve().parent / "suite" / "test_matrix.py"


def new_run_dir(out: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = out / f"{stamp}-{secrets.token_hex(2)}"
    run_dir.mkdir(parents=True)
    return run_dir


def point_latest(out: Path, run_dir: Path) -> None:
    latest = out / "latest"
    tmp = out / f".latest-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    tmp.replace(latest)  # atomic: readers never see a missing link


def run(options: MatrixOptions, out: Path, db_path: Path, pytest_args: list[str] = (),
        progress: bool = False) -> tuple[int, Path, Summary]:
    """Run the matrix; return (pytest exit code, run folder, summary).

    The database is one the harness creates for this call (:mod:`bench.db.choice`):
    ``options.db`` ``project`` follows the engine of the project's settings, ``sqlite`` a
    SQLite file, ``postgres`` a throwaway cluster (or a scratch database on ``DATABASE_URL``'s
    server).
    """
    from ..db.choice import harness_database

    with harness_database(options.db, db_path) as (engine, where):
        options.db, options.database = engine, where
        check_files(options)
        return _run(options, out, pytest_args, progress)


def check_files(options: MatrixOptions) -> None:
    """Start Django, generate the files ``--generate`` asks for (from the cache when made
    before) and load every file case once, before anything runs, so that a wrong resource,
    file or header stops the run with one message
    (:class:`~bench.execute.project.ProjectProblem`); records each file's row count. Without
    files, the generated datasets' profile must be one the project configures."""
    if not options.files:
        if options.profile:  # read from the project's configuration: no Django needed
            from .generated import profile_name

            profile_name(options.profile)
        return
    from ..db.django_setup import setup
    from .config import file_case_of
    from .project import generated_file, load_file_case

    setup()
    root = Path(options.project_root or ".")
    for entry in options.files:
        if "generate" in entry:
            entry.update(generated_file(entry["generate"], root))
        entry["rows"] = len(load_file_case(file_case_of(entry), root).dataset)


def _run(options, out, pytest_args, progress):
    import pytest

    run_dir = new_run_dir(out)
    if options.order_seed is None:
        options.order_seed = secrets.randbelow(2**31)
    options.save(run_dir / "options.json")
    if any(options.db_latency_ms):
        latency.set_ms(0)  # through the environment: installs the model when Django starts
    args = [
        str(SUITE),
        # the project's own pytest configuration (its addopts, its plugins' options) has
        # nothing to say about the benchmark suite
        "-c", os.devnull, "--rootdir", str(run_dir),
        "-p", "bench.execute.suite.plugin",
        f"--bench-config={run_dir / 'options.json'}",
        f"--bench-run-dir={run_dir}",
        f"--benchmark-json={run_dir / 'benchmark.json'}",
        "--benchmark-columns=median,iqr,min,max,rounds",
        # the rounds are timed by the runner, interleaved; pytest-benchmark replays them
        "--benchmark-timer=bench.execute.suite.replay.clock",
        "--benchmark-sort=name",
        # a progress bar instead of pytest's terminal output (the plugin prints failures)
        *(["-s", "-p", "no:terminal", "-o", "addopts=-p no:cacheprovider",
            "--benchmark-quiet", "--bench-progress"] if progress
          else ["-v", "-rs", "--no-header"]),
        *pytest_args,
    ]
    try:
        code = int(pytest.main(args))
        if code == 0 and options.count_rows:
            from .count import count_instructions

            count_instructions(options, run_dir, options.count_rows,
                               progress=print if progress else None)
        if code == 0 and options.memory:
            from .memory import measure_memory

            # a line per case: the pass takes a while, with or without a progress bar
            measure_memory(options, run_dir, options.memory_rows, progress=print)
        if code == 0 and options.browser:
            from ..results.summary import read_records
            from .browser import measure_pages

            measure_pages(run_dir, read_records(run_dir), progress=print)
        if code == 0:
            (run_dir / "complete").touch()
    finally:  # after a failure or Ctrl-C too: keep what was measured, marked incomplete
        summary = write_summary(run_dir)
        point_latest(out, run_dir)
        try:
            write_report(run_dir, summary)
        except Exception as exc:  # noqa: BLE001 - the measurements matter more than the page
            print(f"could not write {run_dir / 'report.html'}: {type(exc).__name__}: {exc}")
    return code, run_dir, summary
