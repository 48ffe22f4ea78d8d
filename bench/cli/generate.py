"""``python -m bench generate``: write a seeded dataset."""

from __future__ import annotations

import sys
from pathlib import Path

from ..data.generate import FORMATS, PROFILES, SCENARIOS, DatasetSpec, export, generate_data
from .command import Command, UsageError
from .common_args import add_rows, add_seed, fraction


class Generate(Command):
    name = "generate"
    help = "write a seeded dataset for any resource (csv, xlsx or json)"
    description = (
        "Write a seeded dataset. With --resource, for your ModelResource: the columns, "
        "types, limits, formats and unique keys are read from the resource, its widgets "
        "and model fields; values come from Faker where a column's name says what it "
        "holds. Beside the file go the state it expects: OUT.related.json (a fixture of "
        "the related rows its foreign keys and many-to-many columns use), "
        "OUT.existing.csv (rows that exist before an update or mixed import) and "
        "OUT.expected.json (what each row is, and for the errors scenario the column of "
        "each injected error and how the library reports it). Without --resource: the "
        "sample app's book datasets. The same arguments always give the same file (for "
        "one Faker version); data is cached under results/.cache/.")

    @classmethod
    def add_arguments(cls, parser):
        add_rows(parser, many=False)
        add_seed(parser, help="random seed")
        parser.add_argument("--scenario", choices=SCENARIOS, default=DatasetSpec.scenario,
                            help="what the rows do to the database: create new rows, update "
                            "existing ones, a mix of new/changed/unchanged, or create with "
                            "errors")
        parser.add_argument("--profile", choices=PROFILES, default=DatasetSpec.profile,
                            help="without --resource, the sample app's books: flat: foreign "
                            "key only; full: adds the many-to-many 'categories' column")
        parser.add_argument("--invalid-fraction", type=fraction, default=None,
                            help="share of corrupted rows in the 'errors' scenario "
                            "(default 0.05)")
        parser.add_argument("--format", choices=FORMATS, default="csv", help="file format")
        parser.add_argument("--out", type=Path, default=None,
                            help="file to write; '-' or none writes to standard output")
        parser.add_argument("--no-cache", action="store_true",
                            help="do not read or write the cache")
        group = parser.add_argument_group("your resource")
        group.add_argument("--resource", default=None,
                           help="dotted path of your ModelResource: generate its file")
        group.add_argument("--settings", default=None,
                           help="the Django settings module (default: [tool.django-import-"
                           "bench] settings of the nearest pyproject.toml)")
        group.add_argument("--config", type=Path, default=None,
                           help="the pyproject.toml to read")
        group.add_argument("--hints", type=Path, default=None, metavar="TOML",
                           help="where realism needs it: a [hints] table of column (or "
                           "app_label.model.field of a related model) = a Faker provider "
                           "name or a list of values")
        group.add_argument("--column", action="append", default=[], metavar="NAME=MOD:FUNC",
                           help="values of a column the generator cannot make: "
                           "FUNC(rng, index) returns the cell's text; repeat for several")

    @classmethod
    def run(cls, args) -> int:
        if args.resource:
            return cls._for_resource(args)
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

    @classmethod
    def _for_resource(cls, args) -> int:
        from ..data.synth import SynthError, SynthSpec, synthesize, synthesized
        from ..db.django_setup import ProjectError, setup
        from ..execute.config import ConfigError, load_config
        from ..execute.project import ProjectProblem, activate, load_resource

        if args.out is None or str(args.out) == "-":
            raise UsageError("--resource writes the file and the state beside it: give "
                             "--out FILE")
        plugins = []
        for given in args.column:
            name, sep, path = given.partition("=")
            if not sep or ":" not in path:
                raise UsageError(f"--column {given!r}: expected NAME=module:function")
            plugins.append((name.strip(), path.strip()))
        try:
            from ..data.synth import load_hints

            hints = load_hints(args.hints) if args.hints else ()
            spec = SynthSpec(args.resource, args.rows, args.seed, args.scenario,
                             args.invalid_fraction, tuple(plugins), hints)
            activate(load_config(args.config), args.settings)
            setup()
            resource_class = load_resource(args.resource)
            if args.no_cache:
                data = synthesize(spec, resource_class)
            else:
                data, _ = synthesized(spec)
        except (ValueError, SynthError, ProjectError, ProjectProblem, ConfigError) as exc:
            return cls.fail(str(exc))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(export(data.dataset, args.format))
        beside = data.write_beside(args.out)
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(data.kind_counts().items()))
        state = f"--fixture {beside['related']}"
        if len(data.existing):
            state += f" --state {beside['existing']}"
        print(f"wrote {args.out} ({len(data.dataset):,} rows: {counts}) and beside it its "
              f"state and expectations; import it from {state}", file=sys.stderr)
        return 0
