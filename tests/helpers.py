"""What several test modules share."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import tablib

from bench.execute.generated import job_for, resource_class_for
from bench.execute.runner import Baselines, run_case, sequential_baseline
from bench.strategies import Settings

ROOT = Path(__file__).resolve().parents[1]


def ctrl_c_reaches_it() -> None:
    """``preexec_fn`` of a child a test stops with SIGINT: Ctrl-C reaches it as it would
    from a terminal, even when the suite itself was started in the background, where the
    shell ignores SIGINT for what it starts and children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def processes_naming(*words: str) -> int:
    """Live processes whose command line holds every one of ``words``, read from ``/proc``
    (``ps`` cuts long command lines to the width of a terminal it does not have)."""
    needles = [word.encode() for word in words]
    count = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:  # ended while we looked
            continue
        count += all(needle in text for needle in needles)
    return count


def sample_resource(data):
    """The sample app's resource for a generated dataset's profile."""
    return resource_class_for(data.spec.profile)


def baseline_of(data, settings: Settings = Settings()):
    """What ``sequential`` does with a generated dataset, from its starting state."""
    return sequential_baseline(job_for("sequential", data, settings))


def run_generated(strategy: str, data, settings: Settings = Settings(), base=None):
    """A generated dataset through the one runner, verified (against ``base`` if given)."""
    job = job_for(strategy, data, settings)
    baselines = Baselines()
    if base is not None:
        baselines.keep(job, base)
    return run_case(job, baselines=baselines)


def bench_cli(*args, tmp_path, check=True, extra_env=None, python=("-m", "bench")):
    """Run ``python -m bench ARGS`` (or ``python PYTHON ARGS``) in a subprocess, as a user
    would, from the checkout."""
    env = {**os.environ, "BENCH_RESULTS_DIR": str(tmp_path / "results"), **(extra_env or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, *python, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if check:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def with_changes(data, changes: dict[int, dict]) -> tablib.Dataset:
    """A copy of the dataset with ``{row number: {column: value}}`` applied (1-based)."""
    dataset = tablib.Dataset(headers=data.dataset.headers)
    for number, row in enumerate(data.dataset, start=1):
        row = list(row)
        for column, value in changes.get(number, {}).items():
            row[dataset.headers.index(column)] = value
        dataset.append(row)
    return dataset


def books_in_database() -> set[str]:
    from sample_app.models import Book

    return set(Book.objects.values_list("isbn", flat=True))


def kept_isbns(report, dataset) -> set[str]:
    """The ISBNs the merged result says are in the database: rows imported (new or
    update) in chunks that committed. A chunk that raised has no row results."""
    result, isbn = report.outcome.result, dataset.headers.index("isbn")
    row_results = iter(result.rows)
    kept = set()
    for chunk in report.outcome.chunks:
        if chunk.error:
            continue
        for number in range(chunk.first_row, chunk.last_row + 1):
            row_result = next(row_results)  # every row of a chunk that ran has one
            if chunk.committed and row_result.import_type in ("new", "update", "skip"):
                kept.add(dataset[number - 1][isbn])
    assert next(row_results, None) is None, "one row result per row"
    return kept
