"""``python -m bench``: generate datasets and run the benchmark from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .datasets import FORMATS, PROFILES, SCENARIOS
from .gate import DEFAULT_BASELINE, DEFAULT_TOLERANCE
from .matrix import DEFAULT_STRATEGIES
from .strategies import get as get_strategy
from .strategies import names as strategy_names
from .tune import SWEEPS

TUNABLE = tuple(SWEEPS)

STRATEGY_NAMES = tuple(strategy_names())
#: Strategies that can run inside a chunk of async-chunked and process-chunked.
INNER_NAMES = tuple(n for n in STRATEGY_NAMES if get_strategy(n).chunkable)

DESCRIPTION = """\
django-import-bench: measure how fast django-import-export imports data, and whether the
result is still correct.

Run 'python -m bench COMMAND --help' for the options of a command.
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    return 0 if text.strip() == "0" else _positive_int(text)


def _int_list(text: str) -> list[int]:
    """``5000,20000`` -> [5000, 20000]."""
    return [_positive_int(part) for part in text.split(",") if part.strip()]


def _choice_list(choices):
    def parse(text: str) -> list[str]:
        values = [part.strip() for part in text.split(",") if part.strip()]
        unknown = [v for v in values if v not in choices]
        if unknown or not values:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(map(repr, unknown)) or 'empty list'}; "
                f"choose from {', '.join(choices)}"
            )
        return values

    return parse


def _bool_list(text: str) -> list[bool]:
    """``true,false`` -> [True, False]."""
    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    values = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part not in words:
            raise argparse.ArgumentTypeError(f"expected true or false, got {part!r}")
        values.append(words[part])
    if not values:
        raise argparse.ArgumentTypeError("expected true, false or true,false")
    return list(dict.fromkeys(values))


def _float_list(text: str) -> list[float]:
    values = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            value = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {part!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"expected 0 or more, got {value:g}")
        values.append(value)
    if not values:
        raise argparse.ArgumentTypeError("expected one or more numbers")
    return list(dict.fromkeys(values))


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gen = commands.add_parser(
        "generate",
        help="write a seeded, realistic book dataset (csv, xlsx or json)",
        description="Write a seeded, realistic book dataset. The same arguments always give "
        "the same file (for one Faker version). Generated data is cached under "
        "results/.cache/.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    gen.add_argument("--rows", type=_positive_int, default=5000, help="number of data rows")
    gen.add_argument("--seed", type=int, default=7, help="random seed")
    gen.add_argument("--scenario", choices=SCENARIOS, default="create",
                     help="what the rows do to the database: create new books, update "
                     "existing ones, a mix of new/changed/unchanged, or create with errors")
    gen.add_argument("--profile", choices=PROFILES, default="flat",
                     help="flat: foreign key only; full: adds the many-to-many "
                     "'categories' column")
    gen.add_argument("--invalid-fraction", type=_fraction, default=None,
                     help="share of corrupted rows in the 'errors' scenario (default 0.05)")
    gen.add_argument("--format", choices=FORMATS, default="csv", help="file format")
    gen.add_argument("--out", type=Path, default=None,
                     help="file to write; '-' or none writes to standard output")
    gen.add_argument("--no-cache", action="store_true", help="do not read or write the cache")

    run = commands.add_parser(
        "run",
        help="run the benchmark matrix (what 'nox -s bench' runs)",
        description="Run every strategy x scenario x rows x setting in the matrix with "
        "pytest-benchmark on a fresh SQLite database. Before every round the database is "
        "re-seeded outside the timed region. Each case is then verified against "
        "'sequential' and, unless --no-flames, profiled once more (untimed) with "
        "pyinstrument. Lists are comma-separated. Writes OUT/<run-id>/ (benchmark.json, "
        "summary.json, summary.md, flames/) and points OUT/latest at it.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    run.add_argument("--rows", type=_int_list, default=[5000],
                     help="row counts, e.g. 5000,20000")
    run.add_argument("--strategies", type=_choice_list(STRATEGY_NAMES),
                     default=list(DEFAULT_STRATEGIES),
                     help=f"strategies from {', '.join(STRATEGY_NAMES)}")
    run.add_argument("--scenarios", type=_choice_list(SCENARIOS), default=["create", "update"],
                     help=f"scenarios from {', '.join(SCENARIOS)}")
    run.add_argument("--batch-sizes", type=_int_list, default=[1000],
                     help="batch_size values for bulk and tuned, and for chunked strategies "
                     "whose --inner is not sequential")
    run.add_argument("--async-sizes", type=_int_list, default=[10],
                     help="async_size values (number of chunks) for async-chunked")
    run.add_argument("--thread-sensitive", type=_bool_list, default=[True, False],
                     help="thread_sensitive values for async-chunked: true, false or both")
    run.add_argument("--workers", type=_int_list, default=[2],
                     help="worker process counts for process-chunked")
    _add_common(run, rounds=2)

    tune = commands.add_parser(
        "tune",
        help="sweep one strategy's settings and recommend the fastest verified one",
        description="Sweep the settings STRATEGY reads (batch_size, async_size, "
        "thread_sensitive, workers, as they apply), always including their defaults, with "
        "'sequential' (django-import-export's defaults) and 'reference' as yardsticks. "
        "Every case is verified. Prints a table and a verdict: the fastest verified "
        "setting, its margin over the runner-up, the defaults and sequential, and whether "
        "that margin is beyond noise (Mann-Whitney U over the rounds, p < 0.05, and "
        "interquartile ranges apart). Several --rows give the log-log slope of time "
        "against rows. Writes OUT/<run-id>/report.html like 'run'.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    tune.add_argument("--strategy", required=True, choices=TUNABLE,
                      help="the strategy whose settings to sweep")
    tune.add_argument("--rows", type=_int_list, default=[5000],
                      help="row counts; two or more also measure how time grows")
    tune.add_argument("--scenarios", type=_choice_list(SCENARIOS), default=["create"],
                      help=f"scenarios from {', '.join(SCENARIOS)}")
    tune.add_argument("--batch-sizes", type=_int_list, default=None,
                      help="batch_size values (default: 100,500,1000,5000 for bulk and tuned; "
                      "100,1000,5000 for chunks whose --inner batches)")
    tune.add_argument("--async-sizes", type=_int_list, default=None,
                      help="async_size values (default: 2,5,10,20)")
    tune.add_argument("--thread-sensitive", type=_bool_list, default=None,
                      help="thread_sensitive values (default: true,false)")
    tune.add_argument("--workers", type=_int_list, default=None,
                      help="worker counts (default: 1,2,4)")
    _add_common(tune, rounds=5)

    imp = commands.add_parser(
        "import",
        help="import your CSV/XLSX/JSON file with one strategy and show what happened",
        description="Import FILE into the sample app with STRATEGY and print the merged "
        "result: totals, then every error with its row number in the whole file, its "
        "column and value. The database starts in the state a generated file of --scenario "
        "expects (authors, categories, and existing books for update and mixed; see "
        "'generate'). Unless --no-verify, 'sequential' imports the file first from the "
        "same state, and the strategy's database and result are compared with it. Exit "
        "status: 0 clean, 1 the import had errors or did not verify, 2 the file or the "
        "options cannot be used.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    imp.add_argument("file", type=Path, help="the file to import (.csv, .xlsx or .json)")
    imp.add_argument("--strategy", choices=STRATEGY_NAMES, default="sequential",
                     help="how to import it")
    imp.add_argument("--format", choices=("csv", "xlsx", "json"), default=None,
                     help="file format (default: from the file name)")
    imp.add_argument("--scenario", choices=SCENARIOS, default="create",
                     help="the database state to start from")
    imp.add_argument("--state-rows", type=_positive_int, default=None,
                     help="the row count of the generated file whose state to start from "
                     "(default: the rows of FILE)")
    imp.add_argument("--seed", type=int, default=7, help="the seed of that generated file")
    imp.add_argument("--dry-run", action="store_true", help="import, then roll back")
    imp.add_argument("--no-transactions", action="store_true",
                     help="use_transactions=False: rows are kept one by one")
    imp.add_argument("--batch-size", type=_positive_int, default=1000)
    imp.add_argument("--async-size", type=_positive_int, default=10)
    imp.add_argument("--thread-sensitive", type=_bool_list, default=[True],
                     help="true or false")
    imp.add_argument("--workers", type=_positive_int, default=2)
    imp.add_argument("--inner", choices=INNER_NAMES, default="sequential")
    imp.add_argument("--no-verify", action="store_true",
                     help="skip the comparison with 'sequential'")
    imp.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    imp.add_argument("--db-file", type=Path, default=None,
                     help="SQLite database file, recreated (default: "
                     "results/db/import.sqlite3)")
    imp.add_argument("--max-errors", type=_non_negative_int, default=20,
                     help="errors to print (0: all)")

    regress = commands.add_parser(
        "regress",
        help="the regression gate: a fixed matrix against a committed baseline",
        description="Run the matrix recorded in the baseline file (by default every "
        "strategy, create and update, 2,000 rows, 5 rounds, SQLite) and compare it with the "
        "baseline: SQL statements, totals, rows written, the database fingerprint and the "
        "verification exactly; time as the ratio to 'reference' in the same run, failing "
        "when it grew by more than the case's tolerance (default "
        f"{DEFAULT_TOLERANCE}x; edit 'tolerance' per case in the file). Exits 1 naming the "
        "case, figure and flame report on a regression; 2 when there is no baseline.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    regress.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE,
                         help="the baseline file")
    regress.add_argument("--update-baseline", action="store_true",
                         help="measure and rewrite the baseline (after an intended change); "
                         "per-case tolerances in the old file are kept")
    regress.add_argument("--rows", type=_int_list, default=None,
                         help="with --update-baseline: row counts (default: the baseline's, "
                         "else 2000)")
    regress.add_argument("--strategies", type=_choice_list(STRATEGY_NAMES), default=None,
                         help="with --update-baseline: strategies (default: the baseline's, "
                         "else all)")
    regress.add_argument("--scenarios", type=_choice_list(SCENARIOS), default=None,
                         help="with --update-baseline: scenarios (default: the baseline's, "
                         "else create,update)")
    regress.add_argument("--rounds", type=_positive_int, default=None,
                         help="timed rounds per case (default: the baseline's, else 5)")
    regress.add_argument("--db-file", type=Path, default=None,
                         help="SQLite database file (default: OUT/db/bench.sqlite3)")
    regress.add_argument("--out", type=Path, default=Path("results"),
                         help="folder for run output")

    report = commands.add_parser(
        "report",
        help="rebuild a run's summary, charts and report.html from its files",
        description="Rebuild summary.json, summary.md, charts/*.png, recommendations.json "
        "and report.html of a run folder from the files the run wrote (benchmark.json, "
        "refused.json); nothing is re-run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    report.add_argument("run_dir", type=Path, nargs="?", default=Path("results/latest"),
                        help="the run folder")
    return parser


def _add_common(parser: argparse.ArgumentParser, rounds: int) -> None:
    """Options shared by 'run' and 'tune'."""
    parser.add_argument("--profile", choices=PROFILES, default="flat",
                        help="dataset profile (bulk, tuned and reference refuse 'full')")
    parser.add_argument("--inner", type=_choice_list(INNER_NAMES), default=["sequential"],
                        help="what each chunk of async-/process-chunked runs, from "
                        f"{', '.join(INNER_NAMES)}")
    parser.add_argument("--rounds", type=_positive_int, default=rounds,
                        help="timed rounds per case; use 5 or more before you decide anything")
    parser.add_argument("--no-flames", action="store_true",
                        help="skip the untimed pyinstrument pass of every case")
    parser.add_argument("--flame-rows", type=_non_negative_int, default=500,
                        help="rows of the file the untimed profiling pass imports (0: all); "
                        "the profiler slows an import 2-3x")
    parser.add_argument("--seed", type=int, default=7, help="dataset seed")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite",
                        help="sqlite: a SQLite file in WAL mode (the embedded default); "
                        "postgres: a throwaway PostgreSQL cluster started and removed by the "
                        "run, or, with DATABASE_URL set, a scratch database on that server")
    parser.add_argument("--db-latency-ms", type=_float_list, default=[0.0],
                        help="modelled network latency added to every SQL statement, in ms; "
                        "each value is a case of its own, e.g. 0,2")
    parser.add_argument("--db-file", type=Path, default=None,
                        help="SQLite database file (default: OUT/db/bench.sqlite3)")
    parser.add_argument("--out", type=Path, default=Path("results"),
                        help="folder for run output")


def _generate(args, parser) -> int:
    from .datasets import DatasetSpec, export, generate_data

    try:
        spec = DatasetSpec(args.rows, args.seed, args.scenario, args.profile,
                           args.invalid_fraction)
    except ValueError as exc:
        parser.error(str(exc))
    data = generate_data(spec, cache_dir=False if args.no_cache else None)
    payload = export(data.dataset, args.format)
    if args.out is None or str(args.out) == "-":
        if args.format == "xlsx" and sys.stdout.isatty():
            parser.error("xlsx is binary: give --out FILE")
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(payload)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(data.kind_counts().items()))
        print(f"wrote {args.out} ({len(data.dataset):,} rows: {counts})", file=sys.stderr)
    return 0


def _db_file(args) -> Path:
    """The benchmark database of 'run', 'tune' and 'regress'."""
    return args.db_file or args.out / "db" / "bench.sqlite3"


def _common(args) -> dict:
    return dict(rows=args.rows, scenarios=args.scenarios, profile=args.profile, seed=args.seed,
                inner=args.inner, rounds=args.rounds, flames=not args.no_flames,
                flame_rows=args.flame_rows, db=args.db, db_latency_ms=args.db_latency_ms)


def _run(args, parser) -> int:
    from rich.console import Console

    from .matrix import MatrixOptions
    from .postgres import PostgresUnavailable
    from .report import print_summary
    from .run import run

    tuning = args.command == "tune"
    if tuning:
        from .tune import sweep_options

        given = {"batch_sizes": args.batch_sizes, "async_sizes": args.async_sizes,
                 "thread_sensitive": args.thread_sensitive, "workers": args.workers}
        options = sweep_options(args.strategy, given, **_common(args))
    else:
        options = MatrixOptions(strategies=args.strategies, batch_sizes=args.batch_sizes,
                                async_sizes=args.async_sizes,
                                thread_sensitive=args.thread_sensitive, workers=args.workers,
                                **_common(args))
    try:
        code, run_dir, summary = run(options, args.out, _db_file(args), progress=tuning)
    except PostgresUnavailable as exc:
        print(f"python -m bench {args.command}: error: {exc}", file=sys.stderr)
        return 2
    console = Console(width=None if sys.stdout.isatty() else 160)
    print_summary(summary, console)
    if tuning:
        _print_verdicts(args.strategy, summary, console)
    console.print(f"results: {run_dir}  (report.html, summary.md, summary.json, "
                  f"benchmark.json{', flames/' if options.flames else ''})")
    if code != 0:
        console.print(f"[red]the benchmark suite exited with code {code}[/]")
    return code


def _print_verdicts(strategy: str, summary: dict, console) -> None:
    from .report import group_title
    from .scaling import slopes
    from .tune import verdicts_for

    for verdict in verdicts_for(strategy, summary):
        console.rule(f"{strategy}: "
                     + group_title(verdict["scenario"], verdict["rows"], verdict["db_latency_ms"]))
        console.print(f"[bold]{verdict['kind']}[/]: {verdict['message']}", highlight=False)
    fits = slopes(summary["cases"])
    if fits:
        console.rule("how time grows with rows (log-log slope; 1 is linear)")
        for fit in fits:
            console.print(f"{fit['variant']} ({fit['scenario']}): {fit['slope']:.2f}, "
                          f"{fit['growth']}", highlight=False)


def _regress(args, parser) -> int:
    from dataclasses import asdict, replace

    from rich.console import Console

    from . import gate
    from .matrix import MatrixOptions
    from .run import run

    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        baseline = gate.load_baseline(args.baseline)
    except gate.BaselineMissing as exc:
        if not args.update_baseline:
            print(f"python -m bench regress: {exc}", file=sys.stderr)
            return 2
        baseline = None
    options = (MatrixOptions(**baseline["matrix"]) if baseline else gate.gate_matrix())
    overrides = {"rows": args.rows, "strategies": args.strategies,
                 "scenarios": args.scenarios, "rounds": args.rounds}
    if not args.update_baseline and any(v is not None for k, v in overrides.items()
                                        if k != "rounds"):
        parser.error("--rows, --strategies and --scenarios change the matrix: use them with "
                     "--update-baseline")
    options = replace(options, **{k: v for k, v in overrides.items() if v is not None})
    code, run_dir, summary = run(options, args.out, _db_file(args), progress=True)
    if code != 0:
        console.print(f"[red]the benchmark suite exited with code {code}; see {run_dir}[/]")
        return code
    if args.update_baseline:
        new = gate.make_baseline(summary, options, baseline)
        gate.save_baseline(new, args.baseline)
        unverified = [i for i, c in new["cases"].items() if not c["verified"]]
        console.print(f"wrote {args.baseline}: {len(new['cases'])} cases from {run_dir}")
        if unverified:
            console.print(f"[yellow]not verified (recorded as such): {', '.join(unverified)}")
        return 0
    checks = gate.check(baseline, summary)
    (run_dir / "gate.json").write_text(json.dumps([asdict(c) for c in checks], indent=2,
                                                  default=str) + "\n")
    _print_gate(checks, run_dir, console)
    return 0 if all(c.ok for c in checks) else 1


def _print_gate(checks, run_dir: Path, console) -> None:
    from rich.table import Table

    from . import gate

    failures = [c for c in checks if not c.ok]
    changes = gate.time_changes(checks)
    table = Table(title="regression gate: time as a multiple of reference, baseline -> now",
                  title_justify="left")
    for name in ("case", "queries", "x ref baseline", "x ref now", "change", "tolerance",
                 "status"):
        table.add_column(name, justify="left" if name == "case" else "right")
    by_case: dict = {}
    for c in checks:
        by_case.setdefault(c.case, []).append(c)
    for case, mine in by_case.items():
        bad = [c for c in mine if not c.ok]
        queries = next((c for c in mine if c.figure == "queries"), None)
        timed = next((c for c in mine if c.figure == "time vs reference"), None)
        table.add_row(
            case, "-" if queries is None else f"{queries.now:,}",
            "-" if timed is None or timed.baseline is None else f"{timed.baseline:.2f}",
            "-" if timed is None or timed.now is None else f"{timed.now:.2f}",
            "-" if timed is None or timed.change is None else f"{timed.change:.2f}x",
            "-" if timed is None else f"{timed.tolerance:.2f}x",
            "[red]FAIL[/]" if bad else "[green]ok[/]")
    console.print(table)
    if changes:
        worst = max(changes)
        console.print(f"largest time change against the baseline: {worst:.2f}x "
                      f"(smallest {min(changes):.2f}x)", highlight=False)
    for c in failures:
        flame = f"\n    flame report: {run_dir / c.flame}" if c.flame else ""
        console.print(f"[red]REGRESSION[/] {c.case}: {c.figure}: baseline "
                      f"{gate.describe(c.baseline, c.figure)} -> now "
                      f"{gate.describe(c.now, c.figure)}"
                      + (f" ({c.note})" if c.note else "") + flame, highlight=False)
    if failures:
        console.print(f"[red]{len(failures)} figure(s) regressed[/]; if the change is "
                      "intended: nox -s regress -- --update-baseline")
    else:
        console.print(f"[green]no regression[/] in {len(checks)} figures; report: "
                      f"{run_dir / 'report.html'}")


def _import(args, parser) -> int:
    from .loading import InputError, load

    try:
        dataset = load(args.file, args.format)
    except InputError as exc:
        print(f"python -m bench import: error: {exc}", file=sys.stderr)
        return 2
    db_file = args.db_file or Path(os.environ.get("BENCH_RESULTS_DIR", "results")) / "db" \
        / "import.sqlite3"
    os.environ["BENCH_DB_PATH"] = str(db_file.resolve())
    if args.db == "postgres":
        from .postgres import PostgresUnavailable, postgres_database

        try:
            with postgres_database() as database:
                os.environ["BENCH_DATABASE"] = json.dumps(database)
                return _import_into_database(args, dataset, "PostgreSQL (throwaway)")
        except PostgresUnavailable as exc:
            print(f"python -m bench import: error: {exc}", file=sys.stderr)
            return 2
    os.environ.pop("BENCH_DATABASE", None)
    return _import_into_database(args, dataset, str(db_file))


def _import_into_database(args, dataset, where: str) -> int:
    import django

    from . import django_env

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", django_env.SETTINGS_MODULE)
    django.setup()  # before anything imports the sample app's models
    from sample_app.resources import RESOURCES

    from .cases import hooked
    from .datasets import DatasetSpec, generate_data
    from .import_file import import_dataset
    from .loading import InputError, check_columns
    from .strategies import Settings

    profile = "full" if "categories" in (dataset.headers or []) else "flat"
    resource_class = hooked(args.strategy, RESOURCES[profile])
    try:
        ignored = check_columns(dataset, resource_class, args.file)
    except InputError as exc:
        print(f"python -m bench import: error: {exc}", file=sys.stderr)
        return 2
    if ignored:
        print(f"ignored column(s), not in the resource: {', '.join(ignored)}")
    settings = Settings(batch_size=args.batch_size, async_size=args.async_size,
                        thread_sensitive=args.thread_sensitive[0], workers=args.workers,
                        inner=args.inner, dry_run=args.dry_run,
                        use_transactions=False if args.no_transactions else None)
    state = generate_data(DatasetSpec(args.state_rows or max(len(dataset), 1), args.seed,
                                      args.scenario, profile))
    django_env.fresh_database()
    report = import_dataset(dataset, resource_class, args.strategy, settings, state,
                            verify=not args.no_verify)
    if report.refused:
        print(f"python -m bench import: {args.strategy} refuses this file: {report.refused}",
              file=sys.stderr)
        return 2
    result = report.outcome.result
    totals = ", ".join(f"{k} {v:,}" for k, v in result.totals.items() if v)
    print(f"{args.strategy}: {len(dataset):,} rows; {totals or 'nothing imported'}; "
          f"{report.books:,} books in the database ({where})")
    for chunk in report.outcome.failed_chunks:
        print(f"  chunk {chunk.index} (rows {chunk.first_row:,}-{chunk.last_row:,}) failed: "
              f"{chunk.error}")
    shown = report.problems if not args.max_errors else report.problems[:args.max_errors]
    if report.problems:
        print(f"{len(report.problems):,} problem(s):")
        for problem in shown:
            print(f"  {problem}")
        if len(shown) < len(report.problems):
            print(f"  ... and {len(report.problems) - len(shown):,} more (--max-errors 0 "
                  "shows all)")
    if report.verification is not None:
        verdict = "verified" if report.verification.verified else "NOT verified"
        print(f"against sequential: {verdict}: {report.verification.reason}")
    return 1 if report.failed else 0


def _report(args, parser) -> int:
    from .html_report import write_report

    run_dir = args.run_dir
    if not any((run_dir / name).exists()
               for name in ("benchmark.json", "cases.jsonl", "refused.json")):
        parser.error(f"{run_dir} is not a run folder (no benchmark.json); give the folder a "
                     "'python -m bench run' or 'tune' wrote, e.g. results/latest")
    print(write_report(run_dir.resolve()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "generate":
            return _generate(args, parser)
        if args.command == "report":
            return _report(args, parser)
        if args.command == "regress":
            return _regress(args, parser)
        if args.command == "import":
            return _import(args, parser)
        return _run(args, parser)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
