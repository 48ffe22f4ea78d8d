"""Instruction counts under callgrind: read from every thread, repeatable, proportional to
the work, and nothing at all outside the count pass."""

import os
import signal
import subprocess
import sys
import time

import pytest

from bench.probes import instructions

from .helpers import ROOT, processes_naming

#: the count pass runs on SQLite whatever --db says
pytestmark = pytest.mark.any_database

OUTPUT = """PID 24633: python /tmp/vg.py tuned 300
   Totals:         Ir
   Th 1  238,244,923
   Th 2      1,000,077
"""


def test_the_totals_of_every_thread_are_added():
    assert instructions.parse_totals(OUTPUT) == 239_245_000
    with pytest.raises(RuntimeError, match="no instruction totals"):
        instructions.parse_totals("No information available as instrumentation is off.")


def test_outside_the_count_pass_nothing_is_counted(monkeypatch):
    monkeypatch.delenv(instructions.ENV, raising=False)
    with instructions.counted() as count:
        sum(range(1000))
    assert count.instructions is None


SCRIPT = """
from bench.probes.instructions import counted

def work(n):
    total = 0
    for i in range(n):
        total += i
for n in (200000, 200000, 400000):
    with counted() as count:
        work(n)
    print(count.instructions)
"""


@pytest.mark.skipif(bool(instructions.missing_tools()),
                    reason="valgrind is not installed (apt-get install valgrind); .ci/run "
                    "installs it")
def test_counts_repeat_and_grow_with_the_work(tmp_path):
    env = {**os.environ, instructions.ENV: "1", "PYTHONHASHSEED": "0"}
    done = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                           f"--callgrind-out-file={tmp_path}/callgrind.%p", sys.executable,
                           "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    first, again, double = (int(line) for line in done.stdout.split())
    assert abs(again - first) / first < 0.005
    assert 1.9 < double / first < 2.1


def _traced(marker: str) -> int:
    """Processes under valgrind whose command line names ``marker``."""
    return processes_naming("callgrind", marker)


@pytest.mark.skipif(bool(instructions.missing_tools()),
                    reason="valgrind is not installed (apt-get install valgrind); .ci/run "
                    "installs it")
def test_a_stopped_run_leaves_no_count_pass_behind(tmp_path):
    """SIGTERM (how CI stops a job) during the count pass removes valgrind and the worker
    processes it traced, which are in a process group of their own."""
    scratch = tmp_path / "scratch"  # valgrind's output folder, named in every traced process
    scratch.mkdir()
    env = {**os.environ, "BENCH_RESULTS_DIR": str(tmp_path / "results"), "TMPDIR": str(scratch)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = subprocess.Popen(
        [sys.executable, "-m", "bench", "regress", "--update-baseline", "--reruns", "1",
         "--baseline", str(tmp_path / "baseline.json"), "--rows", "40", "--strategies",
         "process-chunked", "--scenarios", "create", "--rounds", "1", "--count-rows", "40",
         "--out", str(tmp_path / "out")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _traced(str(scratch)) < 2:  # valgrind and a worker it traced
        assert cli.poll() is None, "the run ended before its count pass started workers"
        assert time.monotonic() < deadline, "no count pass workers after 300 s"
        time.sleep(0.2)
    cli.send_signal(signal.SIGTERM)
    assert cli.wait(timeout=60) != 0
    deadline = time.monotonic() + 10
    while _traced(str(scratch)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _traced(str(scratch)) == 0
