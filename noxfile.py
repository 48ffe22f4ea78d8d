"""Sessions: ``nox -s tests`` (the default), ``nox -s bench``, ``nox -s tune``,
``nox -s calibrate``, ``nox -s regress``, ``nox -s claim``, ``nox -s generated``,
``nox -s scale``, ``nox -s memory``, ``nox -s versions`` (then ``history``), ``nox -s lint``.

Options after ``--`` go to the command: ``nox -s bench -- --rows 20000``,
``nox -s tests -- -k datasets``. Environments are reused between runs; nox reinstalls the
project each time so that a changed ``pyproject.toml`` takes effect.
"""

import os
from pathlib import Path

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True

PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install(session: nox.Session, group: str) -> None:
    session.install("-e", ".", *nox.project.dependency_groups(PYPROJECT, group))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def claim(session: nox.Session) -> None:
    """The async recipe's claim on PostgreSQL: 5,000 new rows, 0 and 2 ms per query."""
    _install(session, "bench")
    session.run(
        "python", "-m", "bench", "run", "--db", "postgres", "--rows", "5000",
        "--strategies", "sequential,bulk,async-chunked,process-chunked,tuned,reference",
        "--scenarios", "create", "--db-latency-ms", "0,2", "--no-flames",
        "--out", "results/claim", *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and common bugs with ruff, and the package's layers with import-linter."""
    _install(session, "lint")
    session.run("ruff", "check", *(session.posargs or ["."]))
    session.run("lint-imports", "--no-logo")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmark on the embedded default (SQLite); see 'python -m bench run --help'."""
    _install(session, "bench")
    session.run("python", "-m", "bench", "run", *session.posargs)


@nox.session
def tune(session: nox.Session) -> None:
    """Sweep one strategy's settings and recommend some: 'nox -s tune -- --strategy tuned'."""
    _install(session, "bench")
    session.run("python", "-m", "bench", "tune", *(session.posargs or ["--help"]))


@nox.session
def calibrate(session: nox.Session) -> None:
    """This machine's noise: an A/A experiment, blocked vs interleaved rounds (minutes)."""
    _install(session, "bench")
    session.run("python", "-m", "bench", "calibrate", *session.posargs)


@nox.session
def regress(session: nox.Session) -> None:
    """The regression gate against results/baseline.json ('-- --update-baseline' rewrites it)."""
    _install(session, "bench")
    session.run("python", "-m", "bench", "regress", *session.posargs)


@nox.session
def generated(session: nox.Session) -> None:
    """Generated files for examples/inventory's products, every scenario, 20,000 rows (long:
    half an hour on 2 cores); '-- --generate 2000' for a quick look."""
    _install(session, "bench")
    session.chdir("examples/inventory")
    session.run(
        "python", "-m", "bench", "run", "--resource", "warehouse.resources.ProductResource",
        "--generate", "20000", "--fixture", "suppliers",
        "--scenarios", "create,update,mixed,errors", "--rounds", "1", "--no-flames",
        "--out", "../../results/generated", *session.posargs,
    )


@nox.session
def scale(session: nox.Session) -> None:
    """A million new rows through tuned, streaming, streaming-parallel and reference, with
    their peak memory ('-- --db postgres' on PostgreSQL; about ten minutes on 2 cores)."""
    _install(session, "bench")
    session.run(
        "python", "-m", "bench", "run", "--rows", "1000000",
        "--strategies", "tuned,streaming,streaming-parallel,reference",
        "--scenarios", "create", "--rounds", "1", "--no-flames", "--memory-rows", "0",
        "--out", "results/scale", *session.posargs,
    )


@nox.session
def memory(session: nox.Session) -> None:
    """Peak memory against the file's size, 5,000 to 1,000,000 new rows, every strategy
    where it fits (sequential and the chunked ones stop at 100,000; long: see the README)."""
    _install(session, "bench")
    for rows, strategies in (
            ("5000,20000,100000", "sequential,tuned,streaming,streaming-parallel,reference"),
            ("1000000", "tuned,streaming,streaming-parallel,reference")):
        session.run(
            "python", "-m", "bench", "run", "--rows", rows, "--strategies", strategies,
            "--scenarios", "create", "--rounds", "1", "--no-flames", "--memory-rows", "0",
            "--out", "results/memory", *session.posargs,
        )


# -- version history (issue: which release made an import slower) -----------------------
#: The newest patch of each django-import-export minor the harness runs on, in release
#: order (on 3.3, whose Result has no error_rows, the block and Celery strategies refuse).
LIBRARY_RELEASES = ["3.3.9", "4.0.10", "4.1.1", "4.2.1", "4.3.14", "4.4.3"]
#: Django releases, each installed at its newest patch, with the Python each runs on. Every
#: library release above declares 4.2; 5.2 is declared from 4.3.6 on (3.3-4.3.5 merely
#: install with it); the newest Django, 6.1 (Python 3.12 and later), is declared by none of
#: them: it merely installs.
DJANGO_RELEASES = {"4.2": "3.11", "5.2": "3.11", "6.1": "3.12"}


def _python(version: str) -> str:
    """The interpreter for Python ``version``: pyenv's install of it when there is one
    (pyenv's shim on PATH answers only for the versions pyenv has selected), else the
    version, which nox looks for on PATH."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = sorted(root.glob(f"versions/{version}.*/bin/python{version}"),
                   key=lambda p: [int(x) if x.isdigit() else 0
                                  for x in p.parents[1].name.split(".")])
    return str(found[-1]) if found else version


#: A local checkout or wheel (``--library-path``) is one more column: "local".
COMBINATIONS = [(_python(python), library, django)
                for django, python in DJANGO_RELEASES.items()
                for library in [*LIBRARY_RELEASES, "local"]]
#: The gate's matrix (bench/execute/regress.py) without its count pass (valgrind), every
#: strategy but streaming-parallel, 1,000 rows, create and update, 3 rounds.
VERSIONS_MATRIX = [
    "--rows", "1000", "--scenarios", "create,update", "--strategies",
    "sequential,bulk,async-chunked,process-chunked,tuned,reference,streaming",
    "--thread-sensitive", "true", "--rounds", "3", "--flame-rows", "300",
    "--memory-rows", "0", "--no-browser",
]


def _version_options(posargs: list[str]) -> dict:
    """``--from R --to R`` (only those two releases, then the upgrade check) and
    ``--library-path PATH`` out of the session's arguments; the rest go to ``bench run``."""
    found, rest, args = {}, [], list(posargs)
    while args:
        arg = args.pop(0)
        name, _, value = arg.partition("=")
        if name in ("--from", "--to", "--library-path", "--results", "--project"):
            found[name] = value or (args.pop(0) if args else "")
        elif name == "--install":
            found.setdefault(name, []).append(value or (args.pop(0) if args else ""))
        else:
            rest.append(arg)
    found["rest"] = rest
    return found


def _selected(library: str, options: dict) -> bool:
    if library == "local":
        return bool(options.get("--library-path"))
    ends = [options.get(k) for k in ("--from", "--to") if options.get(k)]
    return not ends or any(library == e or library.startswith(e + ".") for e in ends)


@nox.session
@nox.parametrize("python,library,django", COMBINATIONS,
                 ids=[f"{library}-django{django}" for _, library, django in COMBINATIONS])
def versions(session: nox.Session, library: str, django: str) -> None:
    """The gate's matrix under each django-import-export x Django release (one environment
    each), then 'history' compares them (about 2 min a combination). '-- --from 4.3 --to
    4.4' runs those two and exits non-zero when a case regresses; '-- --library-path PATH'
    adds a checkout or wheel of the library as the column 'local'; '-- --project DIR' runs
    the cases configured in DIR's pyproject.toml instead of the sample app's ('--install
    SPEC' adds a package the project needs); '-- --results DIR' writes elsewhere than
    results/versions; other options go to 'bench run' (e.g. --profile, --resource).
    '-k "not django6"' leaves a Django release out."""
    options = _version_options(session.posargs)
    if not _selected(library, options):
        session.skip(f"{library} is not asked for")
    project = [d for d in PYPROJECT["project"]["dependencies"]
               if not d.lower().startswith(("django>", "django<", "django=",
                                            "django-import-export"))]
    wanted = options["--library-path"] if library == "local" \
        else f"django-import-export=={library}"
    session.install(*project, *nox.project.dependency_groups(PYPROJECT, "bench"), wanted,
                    f"django>={django},<{django[:-1]}{int(django[-1]) + 1}",
                    *options.get("--install", []))
    session.install("--no-deps", "-e", ".")
    results = options.get("--results") or "results/versions"
    out = Path(results).resolve() / f"{library}-django{django}"
    if options.get("--project"):  # a project of the user's: its configured cases
        session.chdir(options["--project"])
    session.run("python", "-m", "bench", "run", *VERSIONS_MATRIX, "--out", str(out),
                *options["rest"])
    session.notify("history", [results, *(f"{k}={options[k]}" for k in ("--from", "--to")
                                          if options.get(k))])


@nox.session
def history(session: nox.Session) -> None:
    """Compare the runs 'nox -s versions' wrote (results/versions, or the folder given
    first): history.md, .json, .png."""
    _install(session, "bench")
    session.run("python", "-m", "bench", "history", *(session.posargs or ["results/versions"]))
