"""Copies of the harness's database, taken once and put back before every round.

A starting state (fixtures loaded, a state file imported, existing rows seeded) can take far
longer to make than to copy; it is made once, saved here, and restored before each round
outside the timed region:

- SQLite: SQLite's online backup API copies the database into a file beside it, and back
  into the open connection (other connections see the restored pages at once);
- PostgreSQL: ``CREATE DATABASE <copy> TEMPLATE <database>``, and to restore, the database
  is dropped and created again from the copy under the same name (Django's connections
  are closed first and reopen on their own).

Only databases the harness created are copied; the copies are removed by :func:`discard`,
and on PostgreSQL also by :func:`bench.db.postgres.scratch_database` when its server is
the user's.
"""

from __future__ import annotations

import secrets
import sqlite3
import tempfile
from collections.abc import Hashable
from pathlib import Path

#: Copies taken in this process: ``(database identity, key) -> copy name``.
_copies: dict[tuple, str] = {}
_folder: Path | None = None


def _identity(connection) -> tuple:
    s = connection.settings_dict
    return (connection.vendor, s.get("HOST"), s.get("PORT"), str(s.get("NAME")))


def has(key: Hashable, using: str = "default") -> bool:
    from django.db import connections

    return (_identity(connections[using]), key) in _copies


def take(key: Hashable, using: str = "default") -> None:
    """Save the database as it is now under ``key``."""
    from django.db import connections

    connection = connections[using]
    if connection.in_atomic_block:
        raise RuntimeError("cannot copy the database inside a transaction")
    name = _copies.get((_identity(connection), key))
    if connection.vendor == "sqlite":
        name = name or str(_sqlite_folder() / f"{secrets.token_hex(6)}.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(name)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        name = name or f"{connection.settings_dict['NAME']}_s{secrets.token_hex(4)}"
        _pg_copy(connection, source=connection.settings_dict["NAME"], target=name)
    else:
        raise NotImplementedError(f"cannot copy a {connection.vendor} database")
    _copies[(_identity(connection), key)] = name


def restore(key: Hashable, using: str = "default") -> None:
    """Put the copy saved under ``key`` back in place of the database."""
    from django.db import connections

    connection = connections[using]
    name = _copies[(_identity(connection), key)]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(name)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        _pg_copy(connection, source=name, target=connection.settings_dict["NAME"],
                 replace=True)


def discard(using: str = "default") -> None:
    """Forget (and delete) every copy of this database."""
    from django.db import connections

    connection = connections[using]
    identity = _identity(connection)
    for (ident, key), name in list(_copies.items()):
        if ident != identity:
            continue
        del _copies[(ident, key)]
        if connection.vendor == "sqlite":
            Path(name).unlink(missing_ok=True)
        else:
            _pg_admin(connection, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_folder() -> Path:
    global _folder
    if _folder is None or not _folder.exists():
        _folder = Path(tempfile.mkdtemp(prefix="django-import-bench-snapshots-"))
        import atexit
        import shutil

        atexit.register(shutil.rmtree, _folder, True)
    return _folder


def _close_all(alias_connection) -> None:
    """Close every Django connection of this process to the same database."""
    from django.db import connections

    identity = _identity(alias_connection)
    for connection in connections.all(initialized_only=True):
        if _identity(connection) == identity:
            connection.close()
    alias_connection.close()


def _pg_admin(connection, *statements: str) -> None:
    """Run ``statements`` on the server's ``postgres`` database (a database cannot be
    copied or dropped from a connection to itself)."""
    from .postgres import _connect

    with _connect({**connection.settings_dict, "NAME": "postgres"}) as admin:
        for statement in statements:
            admin.execute(statement)


def _pg_copy(connection, source: str, target: str, replace: bool = False) -> None:
    _close_all(connection)
    statements = [
        # a template must have no other session: end any left over (a thread's connection)
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{source}' AND pid <> pg_backend_pid()",
    ]
    if replace:
        statements.append(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    else:
        statements.append(f'DROP DATABASE IF EXISTS "{target}"')
    statements.append(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    _pg_admin(connection, *statements)
