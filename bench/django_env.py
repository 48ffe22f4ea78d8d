"""Start Django for the harness outside of pytest: settings, database file, migrations."""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS_MODULE = "sample_app.settings"


def setup(db_path: str | os.PathLike | None = None) -> None:
    """Configure and start Django once per process.

    ``db_path`` puts the SQLite database at that path (``BENCH_DB_PATH``); it must be given
    before Django is first set up in this process.
    """
    import django
    from django.conf import settings

    if db_path is not None:
        os.environ["BENCH_DB_PATH"] = str(Path(db_path).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    if not settings.configured or not _apps_ready():
        django.setup()


def _apps_ready() -> bool:
    from django.apps import apps

    return apps.ready


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
