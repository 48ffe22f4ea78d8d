"""Instructions executed, counted by valgrind's callgrind: a figure no other load on the
machine moves.

On a shared machine a round of the same import can take 1.7x as long as the round before,
in wall time and in CPU time alike, and no ratio of times cancels that out. The number of
instructions the import executes does not depend on how fast the machine runs them: three
counts of the same 300-row import, each in a new process, differed by 0.01% (with the hash
seed fixed; with Python's random seed, by 0.7%).

The count pass (:mod:`bench.execute.count`) runs a harness process under ``valgrind
--tool=callgrind --instr-atstart=no``, so that nothing is counted until :func:`counted`
switches instrumentation on around an import (through ``callgrind_control``) and reads the
total of every thread of the process when it ends. Worker processes, traced too, count their
own chunks and report them with the chunk. Outside the count pass :func:`counted` does
nothing, and costs nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: Set (to "1") in the environment of the count pass, and inherited by its workers.
ENV = "BENCH_COUNT_INSTRUCTIONS"
TOOLS = ("valgrind", "callgrind_control")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def active() -> bool:
    """Whether this process runs under the count pass."""
    return os.environ.get(ENV) == "1"


@dataclass
class Count:
    instructions: int | None = None


def _control(*args: str) -> str:
    done = subprocess.run(["callgrind_control", *args, str(os.getpid())],
                          capture_output=True, text=True, check=True)
    return done.stdout


def parse_totals(output: str) -> int:
    """The sum over threads of ``callgrind_control -e Ir``'s totals."""
    counts = re.findall(r"Th\s+\d+\s+([\d,]+)", output)
    if not counts:
        raise RuntimeError(f"callgrind_control printed no instruction totals: {output!r}")
    return sum(int(count.replace(",", "")) for count in counts)


@contextmanager
def counted() -> Iterator[Count]:
    """``with counted() as count: ...`` then ``count.instructions``: what every thread of
    this process executed inside the block (``None`` outside the count pass)."""
    count = Count()
    if not active():
        yield count
        return
    _control("--instr=on")
    _control("--zero")  # while on: counters of an instrumentation that is off do not reset
    try:
        yield count
    finally:
        output = _control("-e", "Ir")
        _control("--instr=off")
        count.instructions = parse_totals(output)
