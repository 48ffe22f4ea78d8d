"""``regress``: the gate's fixed matrix, run and compared with the committed baseline
(:mod:`bench.results.gate` holds the baseline file and the comparison)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..results import gate
from ..results.summary import Summary
from ..strategies import default_names
from .matrix import MatrixOptions

#: Strategies the fixed matrix leaves out: ``streaming-parallel`` starts a pool of worker
#: processes in every round, and under valgrind (the count pass) each worker's start-up
#: takes most of a minute; ``process-chunked`` stands for the strategies with workers.
NOT_GATED = ("streaming-parallel",)


def gate_matrix() -> MatrixOptions:
    """The fixed matrix: every strategy (but :data:`NOT_GATED`), create and update, 1,000
    rows, SQLite, a count pass of 100 rows under valgrind, and the memory pass over all
    1,000 rows.

    ``async-chunked`` runs with ``thread_sensitive=True`` only: with False, SQLite answers
    some chunks "database is locked", and how many depends on thread timing, so its figures
    cannot be compared exactly (``nox -s bench`` measures it).
    """
    return MatrixOptions(rows=[1000], strategies=[n for n in default_names()
                                                  if n not in NOT_GATED],
                         scenarios=["create", "update"], knobs={"thread_sensitive": [True]},
                         rounds=5, flames=True, flame_rows=300, db="sqlite", count_rows=100,
                         memory=True, memory_rows=0)


def matrix(baseline: dict | None, **overrides) -> MatrixOptions:
    """The baseline's matrix (the fixed one without a baseline), with the ``overrides``
    that are not ``None``."""
    options = MatrixOptions.from_json(baseline["matrix"]) if baseline else gate_matrix()
    return replace(options, **{k: v for k, v in overrides.items() if v is not None})


def update(summaries: list[Summary], options: MatrixOptions, path: Path,
           previous: dict | None) -> dict:
    """Rewrite the baseline file from reruns of the matrix: each case's figure and
    tolerance from their spread (tolerances marked fixed by hand are kept)."""
    new = gate.make_baseline(summaries, options.to_json(), previous)
    gate.save_baseline(new, path)
    return new
