"""The count pass: the instructions each case of a matrix executes, counted by callgrind.

:func:`count_instructions` starts one harness process under ``valgrind --tool=callgrind
--instr-atstart=no --trace-children=yes`` with the hash seed fixed (dicts and sets then
iterate alike in every run), which imports the first ``rows`` rows of every case once
(:meth:`~bench.execute.runner.CaseRunner.count`), untimed, on the run's database, and writes
the counts to ``instructions.json`` in the run folder. Under valgrind an import runs about 50
times slower, so the pass imports few rows; the count, unlike a time, is the same on a busy
machine as on an idle one (:mod:`bench.probes.instructions`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..db.postgres import terminate_gracefully
from ..probes import instructions
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
    it is counted (the pass takes minutes)."""
    missing = instructions.missing_tools()
    if missing:
        raise CountUnavailable(
            f"{', '.join(missing)} not found: the count pass runs under valgrind "
            "(Debian/Ubuntu: 'apt-get install valgrind')")
    if progress:
        progress(f"count pass: {len(expand(options))} cases, the first {rows:,} rows of each, "
                 "under valgrind (about 50x slower than a timed round)")
    result = run_dir / RESULT_FILE
    env = {**os.environ, instructions.ENV: "1", "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="django-import-bench-callgrind-") as scratch:
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   "--trace-children=yes", f"--callgrind-out-file={scratch}/callgrind.%p",
                   sys.executable, "-m", __name__, str(run_dir / "options.json"), str(rows),
                   str(result)]
        returncode, stderr = _run_to_the_end(command, env, Path(scratch), progress)
    if returncode != 0 or not result.exists():
        tail = "\n".join(stderr.splitlines()[-15:])
        raise CountFailed(f"the count pass failed ({returncode}):\n{tail}")
    return json.loads(result.read_text())["cases"]


def _run_to_the_end(command: list[str], env: dict, scratch: Path,
                    progress: Callable[[str], None] | None) -> tuple[int, str]:
    """Run ``command`` in a process group of its own, handing each line it prints to
    ``progress``; remove the whole group (valgrind and the worker processes it traced) if
    this process is stopped while it runs: Ctrl-C, or SIGTERM, which
    :func:`terminate_gracefully` turns into an exception here. The exit status and the
    standard error (valgrind's and the harness's)."""
    errors = scratch / "stderr"
    with terminate_gracefully(), errors.open("w") as stderr:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr,
                                   text=True, start_new_session=True)
        try:
            for line in process.stdout:
                if progress:
                    progress(line.rstrip("\n"))
            process.wait()
        except BaseException:
            _kill_group(process)
            raise
    return process.returncode, errors.read_text()


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _count_all(options: MatrixOptions, rows: int) -> dict:
    """In the process under valgrind: every case once, verification off, on the database
    the timed run migrated, emptied first: every state is made from the empty database, as
    in the timed run (which left its last state behind)."""
    from ..db.django_setup import setup
    from .project import data_for_case, job_for_case
    from .runner import CaseRunner
    from .states import empty_tables

    setup()
    empty_tables()
    counts, data, key = {}, None, None
    for case in expand(options):
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
    options_file, rows, result = argv
    options = MatrixOptions.load(Path(options_file))
    counts = _count_all(options, int(rows))
    Path(result).write_text(json.dumps({"rows": int(rows), "cases": counts}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
