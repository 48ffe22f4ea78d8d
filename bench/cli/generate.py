"""``python -m bench generate``: write a seeded dataset."""

from __future__ import annotations

import sys
from pathlib import Path

from ..data.spec import FORMATS, DatasetSpec, export
from ..data.synth import SCENARIOS
from .command import Command, UsageError
from .common_args import add_profile, add_rows, add_seed, fraction


class Generate(Command):
    name = "generate"
    help = "write a seeded dataset for any resource (csv, xlsx or json)"
    description = (
        "Write a seeded dataset for your ModelResource (--resource): the columns, "
        "types, limits, formats and unique keys are read from the resource, its widgets "
        "and model fields; values come from Faker where a column's name says what it "
        "holds. Beside the file go the state it expects: OUT.related.json (a fixture of "
        "the related rows its foreign keys and many-to-many columns use), "
        "OUT.existing.csv (rows that exist before an update or mixed import) and "
        "OUT.expected.json (what each row is, and for the errors scenario the column of "
        "each injected error and how the library reports it). Without --resource: for the "
        "resource of --profile in your pyproject.toml's [tool.django-import-bench."
        "generated], with its hints file. Without --out the file goes to standard output "
        "(and its state nowhere). The same arguments always give the same file (for "
        "one Faker version); data is cached under results/.cache/.")

    @classmethod
    def add_arguments(cls, parser):
        add_rows(parser, many=False)
        add_seed(parser, help="random seed")
        parser.add_argument("--scenario", choices=SCENARIOS, default=DatasetSpec.scenario,
                            help="what the rows do to the database: create new rows, update "
                            "existing ones, a mix of new/changed/unchanged, or create with "
                            "errors")
        add_profile(parser)
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
        from ..data.synth import SynthError, SynthSpec, load_hints, synthesize, synthesized
        from ..db.django_setup import ProjectError, setup
        from ..execute.config import ConfigError, load_config
        from ..execute.project import ProjectProblem, activate, load_resource

        to_stdout = args.out is None or str(args.out) == "-"
        if to_stdout and args.format == "xlsx" and sys.stdout.isatty():
            raise UsageError("xlsx is binary: give --out FILE")
        plugins = []
        for given in args.column:
            name, sep, path = given.partition("=")
            if not sep or ":" not in path:
                raise UsageError(f"--column {given!r}: expected NAME=module:function")
            plugins.append((name.strip(), path.strip()))
        if args.invalid_fraction and args.scenario != "errors":
            raise UsageError("--invalid-fraction applies to the 'errors' scenario only")
        try:
            activate(load_config(args.config), args.settings)
            resource, hints_file = args.resource, args.hints
            if not resource:  # the project's generated resource of --profile
                from ..execute.generated import generated_config, resource_path

                resource = resource_path(args.profile)
                hints_file = hints_file or generated_config().hints
            hints = load_hints(Path(hints_file)) if hints_file else ()
            spec = SynthSpec(resource, args.rows, args.seed, args.scenario,
                             args.invalid_fraction, tuple(plugins), hints)
            setup()
            resource_class = load_resource(resource)
            if args.no_cache:
                data = synthesize(spec, resource_class)
            else:
                data, _ = synthesized(spec)
        except (ValueError, SynthError, ProjectError, ProjectProblem, ConfigError) as exc:
            return cls.fail(str(exc))
        payload = export(data.dataset, args.format)
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(data.kind_counts().items()))
        if to_stdout:
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
            if len(data.related) or len(data.existing):
                print(f"{len(data.dataset):,} rows ({counts}); the state they expect is "
                      "written beside --out FILE", file=sys.stderr)
            return 0
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(payload)
        beside = data.write_beside(args.out)
        state = f"--fixture {beside['related']}"
        if len(data.existing):
            state += f" --state {beside['existing']}"
        print(f"wrote {args.out} ({len(data.dataset):,} rows: {counts}) and beside it its "
              f"state and expectations; import it from {state}", file=sys.stderr)
        return 0
