"""Sessions: ``nox -s tests`` (the default), ``nox -s bench``, ``nox -s tune``,
``nox -s calibrate``, ``nox -s regress``, ``nox -s claim``, ``nox -s generated``,
``nox -s scale``, ``nox -s memory``, ``nox -s lint``.

Options after ``--`` go to the command: ``nox -s bench -- --rows 20000``,
``nox -s tests -- -k datasets``. Environments are reused between runs; nox reinstalls the
project each time so that a changed ``pyproject.toml`` takes effect.
"""

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
