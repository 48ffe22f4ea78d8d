"""``python -m bench run``: run the benchmark matrix (what ``nox -s bench`` runs)."""

from __future__ import annotations

from ..execute.matrix import MatrixOptions
from ..strategies import get, names
from .command import Command
from .common_args import (
    add_knobs,
    add_matrix_options,
    add_rows,
    add_scenarios,
    add_strategies,
    db_file,
    knob_values,
    matrix_fields,
)


def strategy_list() -> str:
    """Every registered strategy with its one-line summary, for descriptions."""
    return "; ".join(f"{name}: {get(name).summary}" for name in names())


def user_problems() -> tuple[type[Exception], ...]:
    """What a command reports in one line with exit status 2: problems the user fixes
    outside the command line (a server, a file, a resource, the configuration)."""
    from ..db.django_setup import ProjectError
    from ..db.postgres import PostgresUnavailable
    from ..execute.config import ConfigError
    from ..execute.count import CountUnavailable
    from ..execute.project import ProjectProblem

    return (PostgresUnavailable, CountUnavailable, ProjectError, ProjectProblem, ConfigError)


def run_matrix(cls, args, options: MatrixOptions, *, progress: bool, after=None) -> int:
    """Run ``options`` into a run folder, print the tables (and ``after(summary, out)``),
    and return the suite's exit status; 2 when PostgreSQL cannot be had."""
    from ..execute.run import run
    from ..results.console import console, print_summary

    try:
        code, run_dir, summary = run(options, args.out, db_file(args), progress=progress)
    except user_problems() as exc:
        return cls.fail(str(exc))
    out = console()
    print_summary(summary, out)
    if after is not None:
        after(summary, out)
    out.print(f"results: {run_dir}  (report.html, summary.md, summary.json, "
              f"benchmark.json{', flames/' if options.flames else ''})")
    if code != 0:
        out.print(f"[red]the benchmark suite exited with code {code}[/]")
    return code


class Run(Command):
    name = "run"
    help = "run the benchmark matrix (what 'nox -s bench' runs)"
    description = (
        "Run every strategy x scenario x rows x setting in the matrix with pytest-benchmark "
        "on a fresh SQLite database. Before every round the database is re-seeded outside "
        "the timed region. Each case is then verified against 'sequential' and, unless "
        "--no-flames, profiled once more (untimed) with pyinstrument, and unless --no-memory "
        "measured once more (untimed, in a fresh process) for its peak memory. Lists are "
        "comma-separated. Writes OUT/<run-id>/ (benchmark.json, summary.json, summary.md, "
        "report.html, flames/) and points OUT/latest at it. Strategies: " + strategy_list())

    @classmethod
    def add_arguments(cls, parser):
        defaults = MatrixOptions()
        add_rows(parser, many=True, default=defaults.rows)
        add_strategies(parser, default=defaults.strategies)
        add_scenarios(parser, default=defaults.scenarios)
        add_knobs(parser, many=True, defaults=lambda knob: knob.run_values(),
                  note=lambda knob: " (comma-separated)")
        add_matrix_options(parser, rounds=defaults.rounds)

    @classmethod
    def run(cls, args) -> int:
        options = MatrixOptions(strategies=args.strategies, knobs=knob_values(args),
                                **matrix_fields(args))
        return run_matrix(cls, args, options, progress=False)
