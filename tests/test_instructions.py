"""Instruction counts under callgrind: read from every thread, repeatable, proportional to
the work, and nothing at all outside the count pass."""

import os
import subprocess
import sys

import pytest

from bench.probes import instructions

from .helpers import ROOT

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
