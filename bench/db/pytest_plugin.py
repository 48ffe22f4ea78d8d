"""pytest plugin: ``--db sqlite`` (default) or ``--db postgres`` for the test suite.

With ``--db postgres`` a throwaway PostgreSQL cluster (or a scratch database on the server
``DATABASE_URL`` names) is started before pytest-django sets up Django, the whole suite
runs against it, and it is stopped and removed when pytest ends, whatever the outcome.
``BENCH_TEST_DB=postgres`` sets the default.

A test (or module) marked ``any_database`` exercises nothing that differs between the
backends (a report rebuilt from stored files, the order of rounds, the import layering):
the SQLite pass runs it and the PostgreSQL pass skips it, so that the second pass spends its
time on what the database changes.
"""

from __future__ import annotations

import os

import pytest

_database = None


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgres"),
                     default=os.environ.get("BENCH_TEST_DB", "sqlite"),
                     help="database backend of the tests (default: sqlite)")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _database
    if getattr(early_config.known_args_namespace, "db", "sqlite") != "postgres":
        return
    from .environment import use_database
    from .postgres import PostgresUnavailable, postgres_database

    _database = postgres_database()
    try:
        settings = _database.__enter__()
    except PostgresUnavailable as exc:
        _database = None
        raise pytest.UsageError(str(exc)) from None
    use_database(settings)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "any_database: the test does not depend on the database backend; the "
        "PostgreSQL pass (--db postgres) skips it")


def pytest_runtest_setup(item):
    if item.get_closest_marker("any_database") and item.config.getoption("--db") != "sqlite":
        pytest.skip("does not depend on the database backend: the SQLite pass runs it")


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


def pytest_unconfigure(config):
    global _database
    if _database is not None:
        database, _database = _database, None
        database.__exit__(None, None, None)
