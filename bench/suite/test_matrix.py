"""One benchmark per case of the matrix (see ``bench/matrix.py``).

Each case: the database is re-seeded before every round outside the timed region
(pytest-benchmark's pedantic mode with ``setup``); the timed region is ``strategy.run``
only. After the rounds, untimed: the last round's database and result are verified
against ``sequential``; then, unless disabled, one more run under pyinstrument writes the
flame report, over the first ``flame_rows`` rows of the file (all rows when 0) so that the
profiler, which slows an import 2-3x, does not dominate the run. An unverified case is a
finding to report, never a test failure.
"""

from __future__ import annotations

import platform

import pytest

from .. import latency
from ..cases import baseline, resource_class_for
from ..chunks import split
from ..flames import profiled
from ..memory import PeakMemory
from ..scenarios import seed_database
from ..strategies import Refused, get
from ..verify import compare, fingerprint
from .plugin import announce

YARDSTICK_ROUNDS = 3


def _versions() -> dict:
    import django
    import import_export

    return {"python": platform.python_version(), "django": django.get_version(),
            "django_import_export": import_export.__version__}


def _keep(run_dir, benchmark) -> None:
    """Append the case to ``cases.jsonl`` as soon as it is measured: pytest-benchmark writes
    ``benchmark.json`` only when the session ends normally, and an interrupted run must
    keep what it measured."""
    import json

    stats = benchmark.stats.stats
    entry = {"extra_info": benchmark.extra_info,
             "stats": {"median": stats.median, "iqr": stats.iqr, "rounds": stats.rounds,
                       "data": list(stats.data)}}
    with open(run_dir / "cases.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def _chunk_fact(chunk, origin: float) -> dict:
    """A chunk of the last timed round, its times in seconds from the first chunk's start."""
    return {"index": chunk.index, "first_row": chunk.first_row, "rows": chunk.rows,
            "thread_id": chunk.thread_id, "pid": chunk.pid,
            "start": chunk.start - origin, "end": chunk.end - origin,
            "committed": chunk.committed, "queries": chunk.queries, "error": chunk.error}


def test_case(case, benchmark, bench_state, capsys):
    options = bench_state.options
    if any(options.db_latency_ms):
        latency.set_ms(case.latency_ms)
    data = bench_state.dataset(case)
    strategy = get(case.strategy)
    resource_class = resource_class_for(data, case.strategy)
    try:
        strategy.check(resource_class, data.dataset, case.settings)
    except Refused as exc:
        bench_state.record_refusal(case, str(exc))
        pytest.skip(f"refused: {exc}")

    runs = []

    def setup():
        seed_database(data)
        return (strategy.prepare(resource_class, data.dataset, case.settings),), {}

    def import_once(prepared):
        with PeakMemory() as peak:
            outcome = strategy.run(resource_class, data.dataset, case.settings, prepared)
        runs.append((outcome, peak.delta_bytes))

    # reference is the yardstick every case's time is divided by (x ref, the regression
    # gate); it is cheap, so it gets more rounds for a steadier median
    rounds = options.rounds * YARDSTICK_ROUNDS if case.strategy == "reference" else options.rounds
    benchmark.pedantic(import_once, setup=setup, rounds=rounds, iterations=1)

    outcome, _ = runs[-1]
    printed = fingerprint()
    if case.group not in bench_state.baselines:
        if case.strategy == "sequential":
            bench_state.baselines[case.group] = (outcome, printed)
        else:
            base = baseline(data)
            bench_state.baselines[case.group] = (base.outcome, base.fingerprint)
    base_outcome, base_print = bench_state.baselines[case.group]
    verdict = compare(outcome.result, printed, base_outcome.result, base_print,
                      outcome.known_differences)

    flame, chunk_flames = None, []
    if options.flames:
        flames_dir = bench_state.run_dir / "flames"
        rows = options.flame_rows or len(data.dataset)
        sample = split(data.dataset, rows)[0][1] if len(data.dataset) else data.dataset
        seed_database(data)
        prepared = strategy.prepare(resource_class, sample, case.settings)
        with profiled(flames_dir / f"{case.id}.html") as chunk_reports:
            strategy.run(resource_class, sample, case.settings, prepared)
        flame = f"flames/{case.id}.html"
        chunk_flames = [f"flames/{p.name}" for p in chunk_reports]

    median = benchmark.stats.stats.median
    origin = min((c.start for c in outcome.chunks), default=0.0)
    benchmark.extra_info.update({
        "id": case.id,
        "strategy": case.strategy,
        "scenario": case.scenario,
        "rows": case.rows,
        "profile": case.profile,
        "seed": case.seed,
        "db": options.db,
        "db_latency_ms": case.latency_ms,
        "settings": case.settings_shown,
        "all_settings": case.settings.as_dict(),
        "rows_per_s": case.rows / median if median else None,
        "queries": outcome.queries,
        "queries_per_row": outcome.queries / case.rows,
        "peak_memory_mb": max(p for _, p in runs) / 2**20,
        "max_overlap": outcome.max_overlap,
        "chunks": len(outcome.chunks),
        "failed_chunks": len(outcome.failed_chunks),
        "chunk_facts": [_chunk_fact(c, origin) for c in outcome.chunks],
        "totals": dict(outcome.result.totals),
        "fingerprint": {"counts": printed.counts, "digests": printed.digests},
        "verified": verdict.verified,
        "verification": verdict.reason,
        "known_differences": verdict.known_differences,
        "flame": flame,
        "flame_rows": min(options.flame_rows or case.rows, case.rows) if flame else None,
        "chunk_flames": chunk_flames,
        "versions": _versions(),
    })
    _keep(bench_state.run_dir, benchmark)
    mark = "verified" if verdict.verified else f"NOT VERIFIED: {verdict.reason}"
    announce(f"\n    {case.id}: median {median:.3f} s, {case.rows / median:,.0f} rows/s, "
             f"{outcome.queries / case.rows:.2f} queries/row, {mark}", capsys)
