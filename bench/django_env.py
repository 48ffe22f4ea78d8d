"""Django for the harness: the settings module, and a fresh, migrated database per run."""

from __future__ import annotations

from pathlib import Path

SETTINGS_MODULE = "sample_app.settings"


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
