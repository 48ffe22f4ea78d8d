"""One benchmark per case of the matrix (see :mod:`bench.execute.matrix`).

Each case goes through the one runner (:mod:`bench.execute.runner`): refused before anything
is timed, or timed by pytest-benchmark's pedantic mode, the runner's untimed ``setup``
(re-seeding the database, ``prepare``) before every round. After the rounds, untimed: the
last round's database and result are verified against ``sequential``; then, unless
disabled, one more run under pyinstrument writes the flame report, over the first
``flame_rows`` rows of the file (all rows when 0) so that the profiler, which slows an
import 2-3x, does not dominate the run. An unverified case is a finding to report, never a
test failure.
"""

from __future__ import annotations

import pytest

from ...db import latency
from ..project import job_for
from ..runner import CaseRunner
from .plugin import announce

#: ``reference`` is the yardstick every case's time is divided by (x ref, the regression
#: gate); it is cheap, so it gets this many times the rounds for a steadier median.
YARDSTICK_ROUNDS = 3


def test_case(case, benchmark, bench_state, capsys):
    options = bench_state.options
    if any(options.db_latency_ms):
        latency.set_ms(case.latency_ms)
    data = bench_state.dataset(case)
    runner = CaseRunner(job_for(case.strategy, data, case.settings),
                        baselines=bench_state.baselines)
    refusal = runner.open()
    if refusal is not None:
        bench_state.keep(case.record(runner.run, options.db))
        pytest.skip(f"refused: {refusal}")

    rounds = options.rounds * YARDSTICK_ROUNDS if case.strategy == "reference" else options.rounds
    benchmark.pedantic(runner.timed, setup=runner.setup, rounds=rounds, iterations=1)
    runner.run.times = list(benchmark.stats.stats.data)
    runner.verify()

    flame = flame_rows = None
    chunk_flames = []
    if options.flames:
        flame = f"flames/{case.id}.html"
        flame_rows = min(options.flame_rows or case.rows, case.rows)
        reports = runner.profile(bench_state.run_dir / flame, options.flame_rows)
        chunk_flames = [f"flames/{p.name}" for p in reports]

    record = case.record(runner.run, options.db, flame=flame, flame_rows=flame_rows,
                         chunk_flames=chunk_flames)
    benchmark.extra_info.update(record.to_json())
    bench_state.keep(record)
    mark = "verified" if record.verified else f"NOT VERIFIED: {record.verification}"
    announce(f"\n    {case.id}: median {record.median_s:.3f} s, {record.rows_per_s:,.0f} "
             f"rows/s, {record.queries_per_row:.2f} queries/row, {mark}", capsys)
