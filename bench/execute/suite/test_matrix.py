"""One benchmark per case of the matrix (see :mod:`bench.execute.matrix`).

The first case of a group (the cases that import the same data under the same conditions)
measures the whole group through the one runner (:mod:`bench.execute.runner`): every case is
checked (a refusal skips it), then the timed rounds of all of them run interleaved
(:mod:`bench.execute.schedule`), each preceded by its untimed setup (re-seeding the
database, ``prepare``) and each case verified against ``sequential`` after its last round.
Each case's test then hands its rounds to pytest-benchmark (:mod:`.replay`), so that its
table and ``benchmark.json`` are the usual ones, and, unless disabled, runs one more import
under pyinstrument for the flame report, over the first ``flame_rows`` rows of the file (all
rows when 0) so that the profiler, which slows an import 2-3x, does not dominate the run. An
unverified case is a finding to report, never a test failure.
"""

from __future__ import annotations

import pytest

from .plugin import announce
from .replay import replay


def test_case(case, benchmark, bench_state, capsys):
    options = bench_state.options
    record = bench_state.measured(case)
    if record.refused is not None:
        pytest.skip(f"refused: {record.refused}")
    replay(benchmark, record.times)

    if options.flames:
        record.flame = f"flames/{case.id}.html"
        record.flame_rows = min(options.flame_rows or case.rows, case.rows)
        runner = bench_state.runners.pop(case.id)
        reports = runner.profile(bench_state.run_dir / record.flame, options.flame_rows)
        record.chunk_flames = [f"flames/{p.name}" for p in reports]
    else:
        bench_state.runners.pop(case.id, None)

    benchmark.extra_info.update(record.to_json())
    bench_state.keep(record)
    mark = "verified" if record.verified else f"NOT VERIFIED: {record.verification}"
    announce(f"\n    {case.id}: median {record.median_s:.3f} s, {record.rows_per_s:,.0f} "
             f"rows/s, {record.queries_per_row:.2f} queries/row, {mark}", capsys)
