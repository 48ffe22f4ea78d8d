"""The count pass: the instructions each case of a matrix executes, counted by callgrind.

:func:`count_instructions` starts a harness process per lane (:mod:`.lanes`) under
``valgrind --tool=callgrind --instr-atstart=no --trace-children=yes`` with the hash seed fixed
(dicts and sets then iterate alike in every run), which imports the first ``rows`` rows of
each of its cases once (:meth:`~bench.execute.runner.CaseRunner.count`), untimed, on its
lane's database, and writes the counts to ``instructions.json`` in the run folder. Under
valgrind an import runs about 50 times slower, so the pass imports few rows; the count,
unlike a time, is the same on a busy machine as on an idle one
(:mod:`bench.probes.instructions`).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..probes import instructions
from .lanes import Command, lane_count, side_by_side
from .matrix import MatrixOptions, expand

RESULT_FILE = "instructions.json"


class CountUnavailable(RuntimeError):
    """The count pass cannot run here; the message says what to install."""


class CountFailed(RuntimeError):
    """The process under valgrind failed; the message holds the end of its output."""


def count_instructions(options: MatrixOptions, run_dir: Path, rows: int,
                       progress: Callable[[str], None] | None = None) -> dict:
    """Count every case of ``options`` over its first ``rows`` rows; the counts by case id
    (also written to ``run_dir/instructions.json``). ``progress`` gets a line per case as
    it is counted (the pass takes minutes). The cases are shared out between the lanes
    (:mod:`.lanes`): a process under valgrind per lane, each counting its cases in turn."""
    missing = instructions.missing_tools()
    if missing:
        raise CountUnavailable(
            f"{', '.join(missing)} not found: the count pass runs under valgrind "
            "(Debian/Ubuntu: 'apt-get install valgrind')")
    cases = [case.id for case in expand(options)]
    lanes = max(1, min(lane_count(), len(cases)))
    if progress:
        progress(f"count pass: {len(cases)} cases, the first {rows:,} rows of each, "
                 f"under valgrind (about 50x slower than a timed round), {lanes} at a time")
    env = {instructions.ENV: "1", "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="django-import-bench-callgrind-") as scratch:
        commands, results = [], []
        for lane in range(lanes):
            results.append(Path(scratch) / f"counts{lane}.json")
            commands.append(Command([
                "valgrind", "--tool=callgrind", "--instr-atstart=no", "--trace-children=yes",
                f"--callgrind-out-file={scratch}/callgrind.%p", sys.executable, "-m",
                __name__, str(run_dir / "options.json"), str(rows), str(results[-1]),
                ",".join(cases[lane::lanes])], env))
        finished = side_by_side(commands, lanes, progress)
        counts = {}
        for done, result in zip(finished, results, strict=True):
            if done.returncode != 0 or not result.exists():
                tail = "\n".join(done.stderr.splitlines()[-15:])
                raise CountFailed(f"the count pass failed ({done.returncode}):\n{tail}")
            counts.update(json.loads(result.read_text())["cases"])
    counts = {case: counts[case] for case in cases if case in counts}  # the matrix's order
    (run_dir / RESULT_FILE).write_text(json.dumps({"rows": rows, "cases": counts},
                                                  indent=2) + "\n")
    return counts


def _count_all(options: MatrixOptions, rows: int, case_ids: set[str]) -> dict:
    """In the process under valgrind: each case of ``case_ids`` once, verification off, on
    its lane's database (the timed run's, or a copy), emptied first: every state is made
    from the empty database, as in the timed run (which left its last state behind)."""
    from ..db.django_setup import setup
    from .project import data_for_case, job_for_case
    from .runner import CaseRunner
    from .states import empty_tables

    setup()
    empty_tables()
    counts, data, key = {}, None, None
    for case in expand(options):
        if case.id not in case_ids:
            continue
        if data is None or key != case.data_key:
            data, key = data_for_case(case, options.project_root), case.data_key
        runner = CaseRunner(job_for_case(case, data, options.project_root), verify=False)
        if runner.open() is not None:
            continue  # refused: nothing to count
        started = time.monotonic()
        count = runner.count(rows)
        # what the counted import did: the same as the timed run's first rows, from the
        # same starting state
        totals = dict(runner.run.outcome.result.totals) if runner.run.outcome else None
        counts[case.id] = {"instructions": count, "rows": min(rows or case.rows, case.rows),
                           "totals": totals}
        print(f"count pass: {case.id}, {count:,} instructions "
              f"({time.monotonic() - started:.0f} s under valgrind)", flush=True)
    return counts


def main(argv: list[str]) -> int:
    options_file, rows, result, case_ids = argv
    options = MatrixOptions.load(Path(options_file))
    counts = _count_all(options, int(rows), set(case_ids.split(",")))
    Path(result).write_text(json.dumps({"rows": int(rows), "cases": counts}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
