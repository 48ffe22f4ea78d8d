"""django-import-bench: how fast django-import-export imports, and whether it stays correct.

The package is layered, each layer importing only those below it (``nox -s lint`` checks
this with import-linter):

========================  =================================================================
``bench.cli``             ``python -m bench``: a module per command
``bench.plugin``          the pytest plugin of a project's own suite (``import_bench``)
``bench.execute``         the one runner of a verified case; the matrix, run, tune, regress
``bench.results``         the case record and everything derived from it; the renderers
``bench.verify``          is the result the result of ``sequential``?
``bench.strategies``      the strategies, their contract, knobs and shared machinery
``bench.probes``          what is observed during an import (queries, memory, flames)
``bench.data``            datasets, users' files, the starting state of the database
``bench.db``              the database: environment contract, Django, PostgreSQL, latency
========================  =================================================================

The names below are the public API, imported on first use so that ``import bench`` stays
cheap and does not start Django.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "Settings": "bench.strategies",
    "Knob": "bench.strategies",
    "Strategy": "bench.strategies",
    "Refused": "bench.strategies",
    "Outcome": "bench.strategies",
    "register": "bench.strategies",
    "Job": "bench.execute.runner",
    "StartingState": "bench.execute.runner",
    "CaseRunner": "bench.execute.runner",
    "run_case": "bench.execute.runner",
    "MatrixOptions": "bench.execute.matrix",
    "CaseRecord": "bench.results.record",
    "Summary": "bench.results.summary",
    "build_summary": "bench.results.summary",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'bench' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__():
    return __all__
