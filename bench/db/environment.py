"""The environment contract between the harness and a Django settings module.

The harness decides where output goes and which database an import runs in; a settings
module (the sample app's, or any project's that opts in) reads that decision here. These
are the only names of the contract; every other module calls the functions below.

``BENCH_RESULTS_DIR``
    the folder runs, caches and the benchmark database go to (default ``./results``);
``BENCH_DB_PATH``
    the SQLite file of the benchmark database (default ``<results>/db/bench.sqlite3``);
``BENCH_DATABASE``
    a whole Django ``DATABASES`` entry as JSON, replacing the SQLite file (how ``--db
    postgres`` reaches Django, in this process and in every worker it starts).

A project's settings need not read any of this: when the harness starts Django
(:func:`bench.db.django_setup.setup`) it replaces every ``DATABASES`` entry with
:func:`harness_database`, so an import never reaches the database the settings name.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

RESULTS_DIR_ENV = "BENCH_RESULTS_DIR"
DB_PATH_ENV = "BENCH_DB_PATH"
DATABASE_ENV = "BENCH_DATABASE"


def results_dir() -> Path:
    """Where runs, generated datasets and the benchmark database go."""
    return Path(os.environ.get(RESULTS_DIR_ENV, Path.cwd() / "results")).resolve()


def sqlite_path() -> Path:
    """The SQLite file the harness asks for."""
    path = os.environ.get(DB_PATH_ENV)
    return Path(path) if path else results_dir() / "db" / "bench.sqlite3"


def database_override() -> dict | None:
    """The ``DATABASES`` entry that replaces the SQLite file, if the harness set one."""
    value = os.environ.get(DATABASE_ENV)
    return json.loads(value) if value else None


#: The SQLite options of the harness's database: WAL lets readers run beside one writer; the
#: busy timeout makes a second writer wait (in seconds) instead of failing at once with
#: "database is locked".
SQLITE_OPTIONS = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 30}


def harness_database() -> dict | None:
    """The ``DATABASES`` entry the harness decided on (the override, else the SQLite file
    when one was asked for), or ``None`` when the harness decided nothing (a test run under
    pytest-django, which makes its own test database)."""
    override = database_override()
    if override is not None:
        return override
    if os.environ.get(DB_PATH_ENV):
        return default_database(SQLITE_OPTIONS)
    return None


def default_database(sqlite_options: dict | None = None) -> dict:
    """The ``DATABASES["default"]`` a settings module should use: the override when set,
    else the SQLite file with ``sqlite_options``."""
    override = database_override()
    if override is not None:
        return override
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path()),
            "OPTIONS": dict(sqlite_options or {})}


def use_sqlite(path: Path) -> None:
    """From now on (and in processes started from now on) the database is ``path``."""
    os.environ[DB_PATH_ENV] = str(Path(path).resolve())
    os.environ.pop(DATABASE_ENV, None)  # sqlite means sqlite, whatever the caller had set


def use_database(settings: dict) -> None:
    """From now on the database is the ``DATABASES`` entry ``settings``."""
    os.environ[DATABASE_ENV] = json.dumps(settings)


@contextmanager
def decided_here():
    """The harness's decision about the database (``BENCH_DATABASE``, ``BENCH_DB_PATH``) as
    it was before the block, put back after it; inside, none is inherited: the block
    decides."""
    saved = {name: os.environ.pop(name, None) for name in (DATABASE_ENV, DB_PATH_ENV)}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def forget_database() -> None:
    """Drop a :func:`use_database` override."""
    os.environ.pop(DATABASE_ENV, None)
