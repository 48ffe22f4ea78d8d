"""``python -m bench``: generate datasets and run the benchmark from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .datasets import FORMATS, PROFILES, SCENARIOS

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
        help="import generated datasets and report time and SQL queries (what 'nox -s bench' runs)",
        description="Import generated datasets with the library's defaults (sequential) "
        "into a fresh SQLite database, timing each round and counting SQL queries. "
        "The database is re-seeded before every round, outside the timed region.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    run.add_argument("--rows", type=_int_list, default=[5000],
                     help="comma-separated row counts, e.g. 5000,20000")
    run.add_argument("--scenarios", type=_choice_list(SCENARIOS), default=["create", "update"],
                     help=f"comma-separated scenarios from {', '.join(SCENARIOS)}")
    run.add_argument("--profile", choices=PROFILES, default="flat", help="dataset profile")
    run.add_argument("--seed", type=int, default=7, help="random seed")
    run.add_argument("--rounds", type=_positive_int, default=3, help="timed rounds per case")
    run.add_argument("--out", type=Path, default=Path("results"),
                     help="folder for run output; each run writes OUT/<run-id>/ and points "
                     "OUT/latest at it")
    run.add_argument("--db", type=Path, default=None,
                     help="SQLite database file (default: OUT/db/bench.sqlite3)")
    return parser


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


def _run(args) -> int:
    from . import django_env

    db = args.db or args.out / "db" / "bench.sqlite3"
    django_env.setup(db_path=db)
    from .quickrun import run

    run(args.rows, args.scenarios, args.profile, args.seed, args.rounds, args.out)
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
        return _run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
