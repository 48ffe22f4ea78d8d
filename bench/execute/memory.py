"""The memory pass: what each case of a matrix holds in memory while it imports, exactly.

The timed rounds only note how far a round moved the process's resident size
(``peak_memory_mb``): a figure that depends on what earlier cases left behind. This pass
measures each case in a fresh process of its own (``python -m bench.execute.memory``),
untimed, two at a time where the database allows (:mod:`.lanes`: a process's peaks are its
own, whatever runs beside it):

1. the case's starting state is entered and ``prepare()`` run, as before a timed round;
   freed memory is handed back to the system (:func:`~bench.probes.memory.trim`) and the
   kernel's high-water mark reset; then ``run()`` imports the first ``rows`` rows (all
   when 0). ``peak_rss_mb`` is the process's peak resident size during the import
   (Python, Django and the file as the strategy holds it included: what a machine must
   have); ``worker_rss_mb`` the sum of the peaks of its worker processes (an upper bound:
   their peaks need not coincide);
2. on files up to :data:`TRACE_MAX_ROWS` rows, the state is entered again and the import
   repeated under tracemalloc: ``peak_python_mb`` is the most its Python allocations held
   at once (workers trace their own), repeatable to a few kilobytes, and
   ``bytes_per_row`` that peak over the rows. Tracing slows an import 4-5 times and
   inflates the resident size, so it never shares a run with step 1.

The figures go to ``memory.json`` in the run folder, which the summary merges into the
case records (as the count pass's ``instructions.json``).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..probes import memory
from .lanes import Command, lane_count, side_by_side
from .matrix import MatrixOptions, expand

RESULT_FILE = "memory.json"
#: Files larger than this are not traced (at 4-5 times the import's time): their
#: ``peak_python_mb`` is left out, the resident figures are still measured.
TRACE_MAX_ROWS = 200_000
MB = 2**20


class MemoryPassFailed(RuntimeError):
    """A case's process failed; the message holds the end of its output."""


def measure_memory(options: MatrixOptions, run_dir: Path, rows: int = 0,
                   progress: Callable[[str], None] | None = None) -> dict:
    """Measure every case of ``options`` over its first ``rows`` rows (0: all), each in a
    process of its own; the figures by case id (also in ``run_dir/memory.json``)."""
    cases = expand(options)
    lanes = max(1, min(lane_count(), len(cases)))
    if progress:
        progress(f"memory pass: {len(cases)} cases, each in a fresh process, untimed, "
                 f"{lanes} at a time")
    figures = {}
    with tempfile.TemporaryDirectory(prefix="django-import-bench-memory-") as scratch:
        outs = [Path(scratch) / f"case{i}.json" for i in range(len(cases))]
        commands = [Command([sys.executable, "-m", __name__, str(run_dir / "options.json"),
                             case.id, str(rows), str(out)],
                            alone=starts_workers(case))
                    for case, out in zip(cases, outs, strict=True)]
        # a line per case as it ends (the pass takes a while)
        report = (lambda line: progress(f"memory pass: {line}")) if progress else None
        finished = side_by_side(commands, lanes, report)
        for case, out, done in zip(cases, outs, finished, strict=True):
            if done.returncode != 0 or not out.exists():
                tail = "\n".join((done.stderr or done.stdout).splitlines()[-15:])
                raise MemoryPassFailed(f"the memory pass failed on {case.id} "
                                       f"({done.returncode}):\n{tail}")
            found = json.loads(out.read_text())
            if found is not None:  # None: refused, nothing to measure
                figures[case.id] = found
    (run_dir / RESULT_FILE).write_text(json.dumps({"rows": rows, "cases": figures},
                                                  indent=2) + "\n")
    return figures


def starts_workers(case) -> bool:
    """Whether the case's import starts worker processes of its own (a ``workers`` knob
    above 1)."""
    from ..strategies import get
    from ..strategies.workers import WORKERS

    settings = case.settings
    return (WORKERS in get(case.strategy).knobs_given(settings)
            and (settings.workers or 0) > 1)


def _line(found: dict) -> str:
    python = found.get("peak_python_mb")
    traced = f", Python {python:.1f} MB" if python is not None else ""
    workers = found.get("worker_rss_mb")
    return (f"{found['rows']:,} rows, peak RSS {found['peak_rss_mb']:.0f} MB"
            + (f" + workers {workers:.0f} MB" if workers else "") + traced)


def _worker_peaks(outcome, field: str) -> float | None:
    """The sum over worker processes of each one's largest ``field``, in MB."""
    pid, peaks = os.getpid(), {}
    for chunk in outcome.chunks:
        value = getattr(chunk, field)
        if chunk.pid != pid and value:
            peaks[chunk.pid] = max(peaks.get(chunk.pid, 0), value)
    return sum(peaks.values()) / MB if peaks else None


def _measure(options: MatrixOptions, case_id: str, rows: int) -> dict | None:
    """In the fresh process: one case, as the module says; ``None`` when refused."""
    from ..db.django_setup import setup
    from ..strategies import Refused
    from .project import data_for_case, job_for_case
    from .runner import CaseRunner
    from .states import empty_tables

    setup()
    empty_tables()
    case = next(c for c in expand(options) if c.id == case_id)
    data = data_for_case(case, options.project_root)
    job = job_for_case(case, data, options.project_root)
    runner = CaseRunner(job, verify=False)
    # prepared once, here, not also tried in open(): reference's prepare() of a million
    # rows takes a minute
    if runner.open(try_prepare=False) is not None:
        return None
    strategy = runner.strategy
    try:
        sample, prepared = runner.sample(rows)
    except Refused:
        return None
    count = len(sample)
    gc.collect()
    memory.trim()
    memory.reset_peak()
    start = memory.current_bytes()
    outcome = strategy.run(job.resource_class, sample, job.settings, prepared, runner.using)
    peak = memory.peak_bytes()
    found = {"rows": count, "start_rss_mb": start / MB if start else None,
             "peak_rss_mb": peak / MB if peak else None,
             "worker_rss_mb": _worker_peaks(outcome, "peak_rss_bytes"),
             "peak_python_mb": None, "worker_python_mb": None, "traced": False}
    steps = [c for c in outcome.chunks if c.rss_rise_bytes is not None]
    if steps:  # an import in steps (the admin's): how far each raised the peak
        found["steps"] = [[c.rss_rise_bytes / MB, c.rss_rise_bound] for c in steps]
    del outcome, sample, prepared
    if count <= TRACE_MAX_ROWS:
        sample, prepared = runner.sample(rows)
        gc.collect()
        # workers started from now on trace their own allocations (never in step 1: tracing
        # slows an import 4-5 times and inflates what it holds)
        os.environ[memory.TRACE_ENV] = "1"
        with memory.PythonPeak() as python:
            outcome = strategy.run(job.resource_class, sample, job.settings, prepared,
                                   runner.using)
        del os.environ[memory.TRACE_ENV]
        found.update(peak_python_mb=python.peak_bytes / MB, traced=True,
                     worker_python_mb=_worker_peaks(outcome, "peak_python_bytes"))
    return found


def main(argv: list[str]) -> int:
    options_file, case_id, rows, out = argv
    options = MatrixOptions.load(Path(options_file))
    found = _measure(options, case_id, int(rows))
    Path(out).write_text(json.dumps(found) + "\n")
    print(f"{case_id}: {_line(found) if found else 'refused'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
