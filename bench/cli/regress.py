"""``python -m bench regress``: the regression gate against a committed baseline."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..data.synth import SCENARIOS
from ..results.gate import DEFAULT_BASELINE, MIN_TOLERANCE
from .command import Command, UsageError
from .common_args import (
    add_output,
    add_project,
    add_rows,
    add_scenarios,
    add_strategies,
    db_file,
    non_negative_int,
    positive_int,
    project_fields,
)


class Regress(Command):
    name = "regress"
    help = "the regression gate: a fixed matrix against a committed baseline"
    @classmethod
    def describe(cls) -> str:
        from ..execute.regress import gate_matrix

        fixed = gate_matrix()
        return (
            "Run the matrix recorded in the baseline file (without one: every strategy, "
            f"{', '.join(fixed.scenarios)}, {', '.join(f'{r:,}' for r in fixed.rows)} rows, "
            f"{fixed.rounds} rounds, SQLite) and compare it with the baseline: SQL statements, "
            "totals, rows written, the database fingerprint and the verification exactly; "
            "the instructions each case executes, counted under valgrind (a count pass of "
            f"{fixed.count_rows:,} rows); and time: the fastest round over reference's fastest "
            "in the same run. Each fails when it grew by more than the case's tolerance, which "
            f"the spread of the baseline's reruns sets (time: at least {MIN_TOLERANCE}x). "
            "Exits 1 naming the case, figure and flame report on a regression; 2 when there "
            "is no baseline or no valgrind.")

    @classmethod
    def add_arguments(cls, parser):
        from ..execute.regress import gate_matrix

        fixed = gate_matrix()
        parser.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE,
                            help="the baseline file")
        parser.add_argument("--update-baseline", action="store_true",
                            help="measure and rewrite the baseline (after an intended change); "
                            "per-case tolerances in the old file are kept")
        add_rows(parser, many=True, default=None,
                 help="with --update-baseline: row counts (default: the baseline's, else "
                 f"{fixed.rows[0]})")
        add_strategies(parser, default=None, help="with --update-baseline: strategies "
                       "(default: the baseline's, else all)")
        add_scenarios(parser, default=None, help="with --update-baseline: scenarios (default: "
                      f"the baseline's, else {','.join(fixed.scenarios)}; "
                      f"from {', '.join(SCENARIOS)})")
        parser.add_argument("--rounds", type=positive_int, default=None,
                            help="timed rounds per case (default: the baseline's, else "
                            f"{fixed.rounds})")
        parser.add_argument("--count-rows", type=non_negative_int, default=None,
                            help="with --update-baseline: rows of the count pass, which "
                            "counts each case's instructions under valgrind (default: the "
                            f"baseline's, else {fixed.count_rows}; 0: none)")
        parser.add_argument("--reruns", type=positive_int, default=3,
                            help="with --update-baseline: runs of the matrix the baseline "
                            "is measured over; their spread sets each case's figure and "
                            "tolerance")
        parser.add_argument("--db-file", type=Path, default=None,
                            help="SQLite database file (default: OUT/db/bench.sqlite3)")
        add_project(parser)
        add_output(parser)

    @classmethod
    def run(cls, args) -> int:
        from ..execute import regress
        from ..execute.count import CountFailed, CountUnavailable
        from ..results import gate
        from ..results.console import console

        out = console()
        try:
            baseline = gate.load_baseline(args.baseline)
        except gate.BaselineMissing as exc:
            if not args.update_baseline:
                return cls.fail(str(exc))
            baseline = None
        if not args.update_baseline and any(
                v is not None for v in (args.rows, args.strategies, args.scenarios,
                                        args.count_rows)):
            raise UsageError("--rows, --strategies, --scenarios and --count-rows change the "
                             "matrix: use them with --update-baseline")
        options = regress.matrix(baseline, rows=args.rows, strategies=args.strategies,
                                 scenarios=args.scenarios, rounds=args.rounds,
                                 count_rows=args.count_rows,
                                 **project_fields(args, args.scenarios))
        try:
            if args.update_baseline:
                return cls._update(args, options, baseline, out)
            return cls._check(args, options, baseline, out)
        except CountUnavailable as exc:
            return cls.fail(str(exc))
        except CountFailed as exc:
            out.print(f"[red]{exc}[/]")
            return 1

    @classmethod
    def _update(cls, args, options, baseline, out) -> int:
        """Measure the matrix ``--reruns`` times and write the baseline from them."""
        from ..execute import regress
        from ..execute.run import run

        summaries = []
        for rerun in range(1, args.reruns + 1):
            out.rule(f"baseline run {rerun} of {args.reruns}")
            code, run_dir, summary = run(options, args.out, db_file(args), progress=True)
            if code != 0:
                out.print(f"[red]the benchmark suite exited with code {code}; "
                          f"see {run_dir}[/]")
                return code
            summaries.append(summary)
        new = regress.update(summaries, options, args.baseline, baseline)
        unverified = [i for i, c in new["cases"].items() if not c["verified"]]
        out.print(f"wrote {args.baseline}: {len(new['cases'])} cases over "
                  f"{len(summaries)} run(s), the last {run_dir}")
        if unverified:
            out.print(f"[yellow]not verified (recorded as such): {', '.join(unverified)}")
        return 0

    @classmethod
    def _check(cls, args, options, baseline, out) -> int:
        """Measure the matrix once and compare it with the baseline."""
        from ..execute.run import run
        from ..results import gate
        from ..results.console import print_gate

        code, run_dir, summary = run(options, args.out, db_file(args), progress=True)
        if code != 0:
            out.print(f"[red]the benchmark suite exited with code {code}; see {run_dir}[/]")
            return code
        checks = gate.check(baseline, summary)
        (run_dir / "gate.json").write_text(json.dumps([asdict(c) for c in checks], indent=2,
                                                      default=str) + "\n")
        print_gate(checks, run_dir, out)
        changed = gate.environment_changes(baseline, summary)
        if changed:
            out.print(f"[yellow]the baseline was measured with other versions "
                      f"({'; '.join(changed)}): instruction counts move with them. If that "
                      "explains a change, measure a new baseline with --update-baseline.[/]")
        return 0 if all(c.ok for c in checks) else 1
