"""Which database a command imports into: always one the harness creates for the command
and removes after it, never the one the project's settings name.

``--db project`` (the default) follows the engine the project's settings name, as Django's
test runner does: SQLite gives a SQLite file of the harness's (WAL mode, under the results
folder or ``--db-file``); PostgreSQL gives a scratch database ``bench_<random>`` created on
the same server and dropped at the end (the settings' own database is used to connect, never
written). ``--db sqlite`` is that SQLite file whatever the settings say; ``--db postgres`` a
throwaway PostgreSQL cluster (or a scratch database on ``DATABASE_URL``'s server).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import environment
from .django_setup import ProjectError, project_databases, refuse_sqlite_file_not_ours

CHOICES = ("project", "sqlite", "postgres")


@contextmanager
def harness_database(choice: str, sqlite_file: Path) -> Iterator[tuple[str, str]]:
    """Point the harness (this process and those it starts) at a database it creates for
    the block; yields its engine (``sqlite`` or ``postgres``) and a description of it. A
    decision inherited from a harness that started this process is set aside for the block
    (the project's engine is the one its settings name) and restored after it."""
    with environment.decided_here():
        yield from _decide(choice, sqlite_file)


def _decide(choice: str, sqlite_file: Path) -> Iterator[tuple[str, str]]:
    if choice == "project":
        engine = str(project_databases().get("default", {}).get("ENGINE", ""))
        if engine.endswith("sqlite3"):
            choice = "sqlite"
        elif "postgresql" in engine or "postgis" in engine:
            from .postgres import scratch_database

            server = dict(project_databases()["default"])
            with scratch_database(server) as database:
                environment.use_database(database)
                try:
                    yield "postgres", (f"PostgreSQL {database['NAME']} (created on the "
                                       f"project's server {server.get('HOST') or 'localhost'}"
                                       ", dropped after)")
                finally:
                    environment.forget_database()
            return
        else:
            raise ProjectError(
                f"the project's database engine {engine or '(none)'} is not one the harness "
                "can create a scratch database on; use --db sqlite or --db postgres")
    if choice == "sqlite":
        refuse_sqlite_file_not_ours(sqlite_file)
        environment.use_sqlite(sqlite_file)
        yield "sqlite", f"SQLite {sqlite_file} (created by the harness)"
        return
    from .postgres import postgres_database

    environment.use_sqlite(sqlite_file)
    with postgres_database() as database:
        environment.use_database(database)
        try:
            yield "postgres", f"PostgreSQL {database['NAME']} (throwaway cluster, removed after)"
        finally:
            environment.forget_database()
