"""Django for the harness: which settings module, starting Django, a fresh migrated database."""

from __future__ import annotations

import os
from pathlib import Path

#: The settings module used when none is set: the sample app's.
DEFAULT_SETTINGS_MODULE = "sample_app.settings"


def setup(settings_module: str | None = None) -> None:
    """Start Django (idempotent) with ``settings_module``, ``DJANGO_SETTINGS_MODULE``, or
    :data:`DEFAULT_SETTINGS_MODULE`, in that order."""
    import django
    from django.apps import apps

    if settings_module:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
    if not apps.ready:
        django.setup()


def use_default_settings_module() -> None:
    """Name the default settings module for a Django that starts later (pytest-django,
    worker processes), unless one is named already."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)


def fresh_database(using: str = "default") -> None:
    """Migrate an empty database: a new SQLite file (old one and its WAL files deleted);
    on PostgreSQL the harness created the database for this run, so it is empty already."""
    from django.core.management import call_command
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", database=using, verbosity=0, interactive=False)


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
