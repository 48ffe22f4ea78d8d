"""``python -m bench import``: one user file through one strategy, errors by row and column."""

from __future__ import annotations

import sys
from pathlib import Path

from ..data.spec import DatasetSpec
from ..data.synth import SCENARIOS
from ..strategies import Settings, names
from .command import Command
from .common_args import (
    add_database,
    add_knobs,
    add_profile,
    add_project,
    db_file,
    knob_values,
    non_negative_int,
    positive_int,
    project_fields,
)


class Import(Command):
    name = "import"
    help = "import your CSV/XLSX/JSON file with one strategy and show what happened"
    description = (
        "Import FILE with STRATEGY through your resource (--resource) into a database the "
        "harness creates from your project's migrations, and print the merged result: "
        "totals, then every error with its row number in the whole file, its column and "
        "value. With --resource the database starts from --fixture and --state (and, for "
        "--scenario update, FILE imported once); without it, in the state a generated file "
        "of --scenario expects, through the resource of --profile (the project's "
        "[tool.django-import-bench.generated]). Unless "
        "--no-verify, 'sequential' imports the file first from the same state, and the "
        "strategy's database and result are compared with it. Exit status: 0 clean, 1 the "
        "import had errors or did not verify, 2 the file or the options cannot be used.")

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("file", type=Path, help="the file to import (.csv, .xlsx or .json)")
        parser.add_argument("--strategy", choices=names(), default="sequential",
                            help="how to import it")
        parser.add_argument("--format", choices=("csv", "xlsx", "json"), default=None,
                            help="file format (default: from the file name)")
        parser.add_argument("--scenario", choices=SCENARIOS, default=DatasetSpec.scenario,
                            help="the database state to start from")
        parser.add_argument("--state-rows", type=positive_int, default=None,
                            help="the row count of the generated file whose state to start "
                            "from (default: the rows of FILE)")
        parser.add_argument("--seed", type=int, default=DatasetSpec.seed,
                            help="the seed of that generated file")
        add_profile(parser)
        parser.add_argument("--dry-run", action="store_true", help="import, then roll back")
        parser.add_argument("--no-transactions", action="store_true",
                            help="use_transactions=False: rows are kept one by one")
        add_knobs(parser, many=False, defaults=lambda knob: knob.default_value())
        parser.add_argument("--no-verify", action="store_true",
                            help="skip the comparison with 'sequential'")
        add_database(parser, db_file_help="SQLite database file, recreated (default: "
                     "results/db/import.sqlite3)")
        parser.add_argument("--max-errors", type=non_negative_int, default=20,
                            help="errors to print (0: all)")
        add_project(parser, file=False)

    @classmethod
    def run(cls, args) -> int:
        from ..data.files import InputError, check_header, detect_format, load
        from ..data.source import open_source
        from ..db.choice import harness_database
        from ..strategies import get

        try:
            streamed = getattr(get(args.strategy), "reads_source", False) and not args.resource
            fmt = detect_format(args.file, args.format)
            source = open_source(args.file, fmt) if streamed else None
            if source is not None:  # read a block at a time; checked whole first
                check_header(args.file, source.headers)
                source.check()
                dataset = source
            else:
                dataset = load(args.file, fmt)
        except InputError as exc:
            return cls.fail(str(exc))
        fields = project_fields(args, [args.scenario] if args.resource else None,
                                file=args.file if args.resource else None)
        with harness_database(args.db, db_file(args, "import.sqlite3")) as (_, where):
            return cls._import(args, dataset, where, fields)

    @classmethod
    def _import(cls, args, dataset, where: str, fields: dict) -> int:
        from ..db.django_setup import fresh_database, setup

        setup()  # before anything imports the project's models
        if args.resource:
            return cls._import_own(args, where, fields)
        from ..data.files import InputError, check_columns
        from ..execute.generated import generate_data, resource_class_for
        from ..execute.importing import import_dataset
        from ..execute.project import ProjectProblem

        try:
            resource_class = resource_class_for(args.profile, args.strategy)
            state = generate_data(DatasetSpec(args.state_rows or max(len(dataset), 1),
                                              args.seed, args.scenario, args.profile))
        except ProjectProblem as exc:
            return cls.fail(str(exc))
        try:
            ignored = check_columns(dataset, resource_class, args.file)
        except InputError as exc:
            return cls.fail(str(exc))
        if ignored:
            print(f"ignored column(s), not in the resource: {', '.join(ignored)}")
        settings = Settings(dry_run=args.dry_run,
                            use_transactions=False if args.no_transactions else None)
        settings = settings.with_values(**knob_values(args))
        fresh_database()
        report = import_dataset(dataset, resource_class, args.strategy, settings, state,
                                verify=not args.no_verify)
        return cls._print(args, report, len(dataset), where)

    @classmethod
    def _print(cls, args, report, rows: int, where: str) -> int:
        from ..results.console import import_report_lines

        if report.refused:
            print(f"python -m bench import: {args.strategy} refuses this file: "
                  f"{report.refused}", file=sys.stderr)
            return 2
        for line in import_report_lines(report, rows, where, args.max_errors):
            print(line)
        return 1 if report.failed else 0

    @classmethod
    def _import_own(cls, args, where: str, fields: dict) -> int:
        """FILE through the user's resource, from the state their fixtures and state file
        make."""
        from ..db.django_setup import fresh_database
        from ..execute.config import FileCase
        from ..execute.importing import import_job
        from ..execute.project import file_job, load_file_case

        (case,) = [FileCase.from_json(f) for f in fields["files"]]
        root = Path(fields["project_root"])
        data = load_file_case(case, root)
        if data.ignored:
            print(f"ignored column(s), not in the resource: {', '.join(data.ignored)}")
        settings = Settings(dry_run=args.dry_run,
                            use_transactions=False if args.no_transactions else None,
                            allow_skip_signals=args.allow_skip_signals)
        settings = settings.with_values(**knob_values(args))
        fresh_database()
        job = file_job(args.strategy, data, args.scenario, root, settings)
        report = import_job(job, verify=not args.no_verify)
        return cls._print(args, report, len(data.dataset), where)
