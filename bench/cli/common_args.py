"""Arguments more than one command takes, each defined once, with its defaults read from
:class:`~bench.execute.matrix.MatrixOptions`, :class:`~bench.data.spec.DatasetSpec` and
the strategies' :class:`~bench.strategies.Knob` declarations."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from ..data.spec import DEFAULT_ROWS, DatasetSpec
from ..data.synth import SCENARIOS
from ..db.environment import results_dir
from ..execute.matrix import MatrixOptions
from ..execute.schedule import SCHEDULES
from ..strategies import Knob, chunkable, knobs, names, users

# -- value types: each raises ArgumentTypeError with a message argparse prints -------------


def positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    return 0 if text.strip() == "0" else positive_int(text)


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value}")
    return value


def listed(parse: Callable[[str], object], what: str = "values") -> Callable[[str], list]:
    """``a,b,c`` -> [parse(a), parse(b), parse(c)], repeats dropped."""

    def parse_list(text: str) -> list:
        values = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            try:
                values.append(parse(part))
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None
        if not values:
            raise argparse.ArgumentTypeError(f"expected one or more {what}")
        return list(dict.fromkeys(values))

    return parse_list


def choice_list(choices) -> Callable[[str], list[str]]:
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


def _latency(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise ValueError(f"expected 0 or more, got {value:g}")
    return value


def _knob_value(knob: Knob) -> Callable[[str], object]:
    def parse(text: str):
        try:
            return knob.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


# -- option groups ------------------------------------------------------------------------


def add_rows(parser, *, many: bool, default=DEFAULT_ROWS, help: str | None = None) -> None:
    if many:
        parser.add_argument("--rows", type=listed(positive_int, "row counts"), default=default,
                            help=help or "row counts, e.g. 5000,20000")
    else:
        parser.add_argument("--rows", type=positive_int, default=default,
                            help=help or "number of data rows")


def add_scenarios(parser, default, help: str | None = None) -> None:
    parser.add_argument("--scenarios", type=choice_list(SCENARIOS), default=default,
                        help=help or f"scenarios from {', '.join(SCENARIOS)}")


def add_strategies(parser, default, help: str | None = None) -> None:
    parser.add_argument("--strategies", type=choice_list(names()), default=default,
                        help=help or f"strategies from {', '.join(names())}")


def add_profile(parser, default: str = "") -> None:
    parser.add_argument("--profile", default=default, metavar="NAME",
                        help="without --file/--resource, the generated files are made for the "
                        "resource of this name in [tool.django-import-bench.generated] "
                        "resources of your pyproject.toml (default: the first listed)")


def add_seed(parser, help: str = "dataset seed") -> None:
    parser.add_argument("--seed", type=int, default=DatasetSpec.seed, help=help)


def _knob_help(knob: Knob) -> str:
    """What the knob is and which strategies read it (chunked ones through ``--inner``)."""
    readers = users(knob.name)
    text = f"{knob.name}: {knob.help}; read by {', '.join(readers)}"
    if any(n in chunkable() for n in readers) and knob.name != "inner":
        text += ", and by chunked strategies whose --inner reads it"
    return text


def add_knobs(parser, *, many: bool, defaults: Callable[[Knob], object],
              note: Callable[[Knob], str] = lambda knob: "") -> None:
    """A flag per knob of every registered strategy: ``--batch-sizes 100,1000`` (``many``:
    ``run`` and ``tune``) or ``--batch-size 100`` (``import``)."""
    group = parser.add_argument_group("strategy settings (from each strategy's knobs)")
    for knob in knobs().values():
        if many:
            group.add_argument(knob.many_flag, dest=knob.name, default=defaults(knob),
                               type=listed(_knob_value(knob)),
                               metavar=knob.many_flag.lstrip("-").replace("-", "_").upper(),
                               help=_knob_help(knob) + note(knob))
        else:
            group.add_argument(knob.one_flag, dest=knob.name, default=defaults(knob),
                               type=_knob_value(knob), help=_knob_help(knob))


def knob_values(args) -> dict[str, object]:
    """The knob values given on the command line, by knob name."""
    return {name: getattr(args, name) for name in knobs() if hasattr(args, name)}


def add_matrix_options(parser, *, rounds: int) -> None:
    """What ``run`` and ``tune`` share: the dataset, the rounds, the flame pass, the
    database and where output goes."""
    defaults = MatrixOptions()
    add_profile(parser, defaults.profile)
    parser.add_argument("--rounds", type=positive_int, default=rounds,
                        help="timed rounds per case; use 5 or more before you decide anything")
    parser.add_argument("--no-flames", action="store_true",
                        help="skip the untimed pyinstrument pass of every case")
    parser.add_argument("--flame-rows", type=non_negative_int, default=defaults.flame_rows,
                        help="rows of the file the untimed profiling pass imports (0: all); "
                        "the profiler slows an import 2-3x")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the memory pass: each case once more, untimed, in a fresh "
                        "process, for its peak resident memory and (up to 200,000 rows, "
                        "under tracemalloc) its peak Python memory")
    parser.add_argument("--memory-rows", type=non_negative_int, default=defaults.memory_rows,
                        help="rows of the file the memory pass imports (0: all; default: "
                        "the first 1,000, since tracing slows an import 4-5 times)")
    parser.add_argument("--no-browser", action="store_true",
                        help="skip the browser pass: the pages a case answers with (the "
                        "admin's preview) opened in headless Chromium, untimed, for the time "
                        "until they are laid out (the pages are still saved under pages/)")
    add_seed(parser)
    add_project(parser)
    parser.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule,
                        help="interleaved: round 1 of every case of a group, then round 2, "
                        "..., in a shuffled order, so that the machine's drift falls on every "
                        "case alike; blocked: each case's rounds one after another")
    parser.add_argument("--order-seed", type=int, default=None,
                        help="seed of the interleaved order (default: drawn, and recorded in "
                        "options.json and schedule.json)")
    add_database(parser)
    parser.add_argument("--db-latency-ms", type=listed(_latency, "numbers"),
                        default=defaults.db_latency_ms,
                        help="modelled network latency added to every SQL statement, in ms; "
                        "each value is a case of its own, e.g. 0,2")
    add_output(parser)


def matrix_fields(args) -> dict:
    """The MatrixOptions fields of :func:`add_matrix_options`, the dataset options and the
    project's (:func:`project_fields`)."""
    return dict(rows=args.rows, scenarios=args.scenarios, profile=args.profile,
                seed=args.seed, rounds=args.rounds, flames=not args.no_flames,
                flame_rows=args.flame_rows, memory=not args.no_memory,
                memory_rows=args.memory_rows, browser=not args.no_browser, db=args.db,
                db_latency_ms=args.db_latency_ms,
                schedule=args.schedule, order_seed=args.order_seed,
                **project_fields(args, args.scenarios))


def project_fields(args, scenarios: list[str] | None, file: object = "--file") -> dict:
    """Start from the project: its settings module named for Django (here and in every
    process started from here), and the MatrixOptions fields of its file cases: the one the
    command line gives (``--resource`` and ``--file``), else those of its configuration."""
    from ..execute.config import FILE_SCENARIOS, FileCase, load_config
    from ..execute.project import activate
    from .command import UsageError

    config = load_config(args.config)
    activate(config, args.settings)
    if file == "--file":  # the command's --file option (import passes its FILE, or None)
        file = getattr(args, "file", None)
    generate = getattr(args, "generate", None)
    if generate:
        return dict(files=_generated_files(args, generate, scenarios, file),
                    project_root=str(config.root), allow_skip_signals=args.allow_skip_signals)
    if args.resource or file:
        if not (args.resource and file):
            raise UsageError("--resource and --file go together")
        wanted = [s for s in scenarios or ["create"]]
        other = [s for s in wanted if s not in FILE_SCENARIOS]
        if other:
            raise UsageError(f"scenario(s) {', '.join(other)} need a generated file; a file "
                             f"of your own runs {', '.join(FILE_SCENARIOS)}")
        cases = [FileCase(args.resource, str(Path(file).resolve()),
                          fixtures=fixtures_of(args),
                          state=str(Path(args.state).resolve()) if args.state else None,
                          scenarios=tuple(wanted))]
    else:
        if args.state or args.fixture:
            raise UsageError("--fixture and --state go with --resource and --file")
        cases = config.cases
    return dict(files=[c.to_json() for c in cases], project_root=str(config.root),
                allow_skip_signals=args.allow_skip_signals)


def _generated_files(args, rows: list[int], scenarios: list[str] | None, file) -> list[dict]:
    """``MatrixOptions.files`` entries for ``--generate``: one per row count and scenario,
    made when the run starts (:func:`bench.execute.project.generated_file`)."""
    from ..execute.config import GENERATED_SCENARIOS
    from .command import UsageError

    if not args.resource or file:
        raise UsageError("--generate makes files for --resource (leave out --file)")
    if args.state:
        raise UsageError("--state goes with --file: the generator writes the state its "
                         "files need")
    wanted = scenarios or ["create"]
    other = [s for s in wanted if s not in GENERATED_SCENARIOS]
    if other:
        raise UsageError(f"unknown scenario(s) {', '.join(other)}; generated files are "
                         f"{', '.join(GENERATED_SCENARIOS)}")
    seed = getattr(args, "seed", None)
    hints = str(Path(args.hints).resolve()) if getattr(args, "hints", None) else None
    return [{"generate": {"resource": args.resource, "rows": count, "scenario": scenario,
                          "seed": DatasetSpec.seed if seed is None else seed,
                          "fixtures": list(fixtures_of(args)), "hints": hints}}
            for count in rows for scenario in wanted]


def add_database(parser, *, db_file_help: str | None = None) -> None:
    parser.add_argument("--db", choices=["project", "sqlite", "postgres"], default="project",
                        help="always a database the harness creates and removes, never yours. "
                        "project: the engine your settings name (SQLite: a file of the "
                        "harness's; PostgreSQL: a scratch database on your server); sqlite: a "
                        "SQLite file in WAL mode; postgres: a throwaway PostgreSQL cluster "
                        "started and removed by the run, or, with DATABASE_URL set, a scratch "
                        "database on that server")
    parser.add_argument("--db-file", type=Path, default=None,
                        help=db_file_help or "SQLite database file (default: "
                        "OUT/db/bench.sqlite3); refused if it holds a database the harness "
                        "did not create")


def add_project(parser, *, file: bool = True) -> None:
    """Which project, resource and file: from the command line, else from
    ``[tool.django-import-bench]`` of the nearest ``pyproject.toml``."""
    group = parser.add_argument_group(
        "your project (default: [tool.django-import-bench] in the nearest pyproject.toml)")
    group.add_argument("--config", type=Path, default=None,
                       help="the pyproject.toml to read (default: the nearest one from the "
                       "working folder that has a [tool.django-import-bench] section)")
    group.add_argument("--settings", default=None,
                       help="the Django settings module, e.g. mysite.settings")
    group.add_argument("--resource", default=None,
                       help="dotted path of your ModelResource, e.g. "
                       "catalog.resources.ProductResource")
    if file:
        group.add_argument("--file", default=None,
                           help="your file to import through --resource (CSV, XLSX, JSON)")
        group.add_argument("--generate", type=listed(positive_int, "row counts"),
                           default=None, metavar="ROWS",
                           help="instead of --file, import files the generator makes for "
                           "--resource: row counts, e.g. 20000,100000, one file per "
                           "scenario (create, update, mixed, errors; see generate --help)")
        group.add_argument("--hints", default=None, metavar="TOML",
                           help="with --generate: the generator's hints (see generate --help)")
    group.add_argument("--fixture", action="append", default=None,
                       help="a fixture loaded (loaddata) before anything; repeat or "
                       "comma-separate for several")
    group.add_argument("--state", default=None,
                       help="a file imported once through --resource before timing: the "
                       "existing rows an update needs")
    group.add_argument("--allow-skip-signals", action="store_true",
                       help="let bulk strategies (bulk, tuned, reference) write a model with an "
                       "overridden save() or save signal receivers, which they skip "
                       "(refused otherwise)")


def fixtures_of(args) -> tuple[str, ...]:
    return tuple(part.strip() for given in (args.fixture or []) for part in given.split(",")
                 if part.strip())


def add_output(parser) -> None:
    parser.add_argument("--out", type=Path, default=Path("results"),
                        help="folder for run output")


def db_file(args, name: str = "bench.sqlite3") -> Path:
    """The SQLite file of a command: ``--db-file``, else ``OUT/db/NAME`` (``import``, which
    has no ``--out``: under the results folder)."""
    if args.db_file:
        return args.db_file
    out = getattr(args, "out", None)
    return (out if out is not None else results_dir()) / "db" / name
