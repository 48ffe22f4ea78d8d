"""The Django releases the harness runs on (4.2 and later): what older ones lack, done
another way, so that ``nox -s versions`` measures every combination with the same code.

Django 5.1 added two SQLite ``OPTIONS`` the harness relies on: ``init_command`` (it turns
on WAL, so that readers run beside one writer) and ``transaction_mode`` (``BEGIN
IMMEDIATE``, so that a second writer waits for the lock instead of failing when it
upgrades a read). Before 5.1 SQLite's driver refuses both; :func:`adapt_databases` takes
them out of the settings and applies them to every new connection instead.
"""

from __future__ import annotations

import django

#: The first Django release whose SQLite backend takes both options itself.
SQLITE_OPTIONS_SINCE = (5, 1)


def adapt_databases():
    """On Django before 5.1, move the SQLite options it does not know to a receiver of
    ``connection_created`` (before any connection is made); the receiver, or ``None``."""
    if django.VERSION[:2] >= SQLITE_OPTIONS_SINCE:
        return None
    from django.conf import settings
    from django.db.backends.signals import connection_created

    pending = {}
    for alias, database in settings.DATABASES.items():
        if not str(database.get("ENGINE", "")).endswith("sqlite3"):
            continue
        database["OPTIONS"] = options = dict(database.get("OPTIONS") or {})
        init, mode = options.pop("init_command", None), options.pop("transaction_mode", None)
        if init or mode:
            pending[alias] = (init, mode)
    if not pending:
        return None

    def apply(sender, connection, **kwargs):
        init, mode = pending.get(connection.alias, (None, None))
        if init:
            for statement in filter(None, (s.strip() for s in init.split(";"))):
                connection.connection.execute(statement)
        if mode:  # what Django 5.1 does with transaction_mode
            connection._start_transaction_under_autocommit = (
                lambda: connection.cursor().execute(f"BEGIN {mode}"))

    connection_created.connect(apply, weak=False, dispatch_uid="django-import-bench-sqlite")
    return apply
