"""``python -m bench generate``: write a seeded dataset."""

from __future__ import annotations

import sys
from pathlib import Path

from ..data.generate import FORMATS, PROFILES, SCENARIOS, DatasetSpec, export, generate_data
from .command import Command, UsageError
from .common_args import add_rows, add_seed, fraction


class Generate(Command):
    name = "generate"
    help = "write a seeded, realistic book dataset (csv, xlsx or json)"
    description = ("Write a seeded, realistic book dataset. The same arguments always give "
                   "the same file (for one Faker version). Generated data is cached under "
                   "results/.cache/.")

    @classmethod
    def add_arguments(cls, parser):
        add_rows(parser, many=False)
        add_seed(parser, help="random seed")
        parser.add_argument("--scenario", choices=SCENARIOS, default=DatasetSpec.scenario,
                            help="what the rows do to the database: create new books, update "
                            "existing ones, a mix of new/changed/unchanged, or create with "
                            "errors")
        parser.add_argument("--profile", choices=PROFILES, default=DatasetSpec.profile,
                            help="flat: foreign key only; full: adds the many-to-many "
                            "'categories' column")
        parser.add_argument("--invalid-fraction", type=fraction, default=None,
                            help="share of corrupted rows in the 'errors' scenario "
                            "(default 0.05)")
        parser.add_argument("--format", choices=FORMATS, default="csv", help="file format")
        parser.add_argument("--out", type=Path, default=None,
                            help="file to write; '-' or none writes to standard output")
        parser.add_argument("--no-cache", action="store_true",
                            help="do not read or write the cache")

    @classmethod
    def run(cls, args) -> int:
        try:
            spec = DatasetSpec(args.rows, args.seed, args.scenario, args.profile,
                               args.invalid_fraction)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if (args.out is None or str(args.out) == "-") and args.format == "xlsx" \
                and sys.stdout.isatty():
            raise UsageError("xlsx is binary: give --out FILE")
        data = generate_data(spec, cache_dir=False if args.no_cache else None)
        payload = export(data.dataset, args.format)
        if args.out is None or str(args.out) == "-":
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
        else:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(payload)
            counts = ", ".join(f"{k} {v}" for k, v in sorted(data.kind_counts().items()))
            print(f"wrote {args.out} ({len(data.dataset):,} rows: {counts})", file=sys.stderr)
        return 0
