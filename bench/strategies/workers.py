"""Worker processes on the parent's database, shared by the strategies that use them.

Each worker is a fresh interpreter (the ``spawn`` start method: nothing of the parent's
database connections is inherited, which forked workers would break) with its own Django
setup and connection to the parent's database. Workers wait for each other after setting
up Django, so that the pool's start-up shows up once, not per chunk.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from django.db import connections

from ..db.django_setup import setup
from .settings import Knob, Settings

WORKER_START_TIMEOUT_S = 120

WORKERS = Knob(
    "workers", "worker processes (process-chunked: the file is split into one chunk each; "
    "streaming-parallel: blocks are handed out in turn)", tag="w",
    sweep=(1, 2, 4), example=2, phrase="{} workers", flag="--workers")

_worker_using = "default"


def init_worker(settings_module: str, using: str, database: dict, barrier) -> None:
    """Runs once in each worker: Django on the parent's database (through the harness's
    own start, so that the worker counts its statements too), then wait for the others."""
    global _worker_using
    setup(settings_module, database=database)
    _worker_using = using
    barrier.wait(timeout=WORKER_START_TIMEOUT_S)


def worker_using() -> str:
    """The database alias of this worker's connection."""
    return _worker_using


def worker_database(using: str, settings: Settings) -> dict:
    """The parent's database settings for a worker; on SQLite with the transaction mode
    the settings ask for."""
    database = dict(connections[using].settings_dict)
    database["OPTIONS"] = dict(database.get("OPTIONS") or {})
    if connections[using].vendor == "sqlite":
        database["OPTIONS"]["transaction_mode"] = settings.sqlite_transaction_mode
    return database


def worker_pool(workers: int, using: str, settings: Settings,
                together: bool = True) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes set up on the parent's database (the parent's own
    connection is closed first: no open transaction may hold a lock the workers need).
    ``together``: each worker waits for the others after its start-up, so that their
    first tasks start at once (the pool starts a worker per task submitted, so give it at
    least ``workers`` tasks)."""
    from django.conf import settings as django_settings

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers if together else 1)
    database = worker_database(using, settings)
    connections[using].close()
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init_worker,
        initargs=(django_settings.SETTINGS_MODULE, using, database, barrier))


def refuse_in_memory_sqlite(using: str) -> None:
    from .contract import Refused

    connection = connections[using]
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        raise Refused(
            "worker processes cannot open an in-memory SQLite database (pytest-django's "
            "default test database): give the test database a file "
            "(DATABASES['default']['TEST']['NAME']) or use PostgreSQL")
