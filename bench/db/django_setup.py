"""Django for the harness: the project's settings module, started on a database the harness
made, migrated fresh.

:func:`setup` starts Django with the project's settings, changed in two ways before any
model or connection exists: the harness's app (``bench``, which counts every SQL statement in
every process) is added to ``INSTALLED_APPS``, and every ``DATABASES`` entry is replaced by
the database the harness decided on (:func:`~bench.db.environment.harness_database`), so that
an import never reaches the database the settings name. Worker processes start through the
same function. :func:`fresh_database` migrates that database, and refuses one the harness did
not create (:class:`NotHarnessDatabase`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import environment
from .compat import adapt_databases

#: The app that makes a process count its SQL statements (``bench.apps``).
HARNESS_APP = "bench"
#: The table every database the harness creates gets when it is migrated: proof, read before
#: the harness empties or deletes a database, that the harness made it.
MARKER_TABLE = "django_import_bench_scratch"


class ProjectError(Exception):
    """The project cannot be started as given (no settings module, one that fails to import,
    an engine the harness cannot copy); the message says what to do."""


class NotHarnessDatabase(ProjectError):
    """A database holds tables but not the harness's marker: somebody else's data."""


#: The ``DATABASES`` of the project's settings as written, before :func:`configure`.
_project_databases: dict | None = None


def settings_module_name() -> str | None:
    return os.environ.get("DJANGO_SETTINGS_MODULE") or None


def project_databases() -> dict:
    """The ``DATABASES`` the settings module names (read without connecting)."""
    if _project_databases is not None:
        return _project_databases
    return dict(_load_settings().DATABASES)


def _load_settings():
    from django.conf import settings

    name = settings_module_name()
    if name is None:
        raise ProjectError(
            "no Django settings module: pass --settings MODULE, set "
            "[tool.django-import-bench] settings in pyproject.toml, or set "
            "DJANGO_SETTINGS_MODULE")
    try:
        settings.INSTALLED_APPS  # noqa: B018 - imports the module
    except ModuleNotFoundError as exc:
        raise ProjectError(
            f"settings module {name!r} cannot be imported: {exc} (is the project folder "
            "the working directory, or on PYTHONPATH?)") from None
    except Exception as exc:  # noqa: BLE001 - whatever the user's module raised
        raise ProjectError(f"settings module {name!r} failed: {type(exc).__name__}: {exc}"
                           ) from None
    return settings


def configure() -> None:
    """Change the loaded settings the way the harness needs them (idempotent): its app
    installed, and the harness's database in place of every ``DATABASES`` entry."""
    global _project_databases
    settings = _load_settings()
    installed = list(settings.INSTALLED_APPS)
    if not any(app == HARNESS_APP or app.startswith(f"{HARNESS_APP}.apps") for app in installed):
        settings.INSTALLED_APPS = [*installed, HARNESS_APP]
    database = environment.harness_database()
    if _project_databases is None:
        _project_databases = {k: dict(v) for k, v in settings.DATABASES.items()}
    if database is not None:
        settings.DATABASES = {alias: dict(database) for alias in (settings.DATABASES or
                                                                    {"default": None})}
    adapt_databases()


def setup(settings_module: str | None = None, database: dict | None = None) -> None:
    """Start Django (idempotent) with ``settings_module`` (else ``DJANGO_SETTINGS_MODULE``)
    on the harness's database (``database``, else the one the environment names)."""
    import django
    from django.apps import apps

    if settings_module:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    if database is not None:
        environment.use_database(database)
    if apps.ready:
        return
    configure()
    try:
        django.setup()
    except Exception as exc:  # noqa: BLE001 - an app of the project that fails to load
        raise ProjectError(f"Django did not start with {settings_module_name()!r}: "
                           f"{type(exc).__name__}: {exc}") from None


def add_project_path(folder: Path) -> None:
    """Make the project's modules importable here and in every process started from here."""
    folder = str(Path(folder).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if folder not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([folder, *paths])


def check_created_by_harness(using: str = "default") -> None:
    """Refuse a database that has tables but not the harness's marker table."""
    from django.db import connections

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if tables and MARKER_TABLE not in tables:
        where = connection.settings_dict.get("NAME")
        raise NotHarnessDatabase(
            f"{where} holds {len(tables)} tables but was not created by django-import-bench; "
            "it is never emptied or written. Point --db-file at a new file (or leave it out)")


def refuse_sqlite_file_not_ours(path: Path) -> None:
    """Raise :class:`NotHarnessDatabase` unless ``path`` is absent, empty, or a SQLite
    database with the harness's marker table."""
    if not sqlite_file_created_by_harness(path):
        raise NotHarnessDatabase(
            f"{path} is a SQLite database the harness did not create; it is never "
            "deleted or written. Point --db-file at a new file (or leave it out)")


def sqlite_file_created_by_harness(path: Path) -> bool:
    """Whether ``path`` is absent, empty, or a SQLite database with the marker table."""
    import sqlite3

    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return True
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError:  # not a SQLite file at all
        return False
    finally:
        db.close()
    return MARKER_TABLE in names or not names


def fresh_database(using: str = "default") -> None:
    """Migrate an empty database: a new SQLite file (old one and its WAL files deleted, if
    the harness made it); on PostgreSQL the harness created the database for this run, so it
    is empty already. The marker table goes in first."""
    from django.core.management import call_command
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        refuse_sqlite_file_not_ours(path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        check_created_by_harness(using)
    mark_as_harness_database(using)
    call_command("migrate", database=using, verbosity=0, interactive=False)


def mark_as_harness_database(using: str = "default") -> None:
    """Put the marker table in a database the harness made (idempotent)."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        name = connection.ops.quote_name(MARKER_TABLE)
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {name} (created varchar(40))")


def settle(using: str = "default") -> None:
    """Leave the database quiet before a timed round: on SQLite, write the WAL back into
    the database file and empty it. Otherwise the automatic checkpoint (every 1,000 pages of
    WAL) falls inside whichever round happens to cross the threshold after a seeding, and
    that round pays for the pages the seeding wrote: measured here, a tenth of the
    ``reference`` rounds took three times as long."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
