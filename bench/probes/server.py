"""The database server's own time: how long PostgreSQL spent executing the statements of a
round, from ``pg_stat_statements`` (which the throwaway cluster loads; on a server you run,
where the extension is there and may be reset). Elsewhere, and on SQLite, whose work is
inside this process, there is no such figure.
"""

from __future__ import annotations

from django.db import connections

_QUERY = ("SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements "
          "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")


def _available(using: str) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    known = getattr(connection, "_bench_statement_statistics", None)
    if known is None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
                known = cursor.fetchone() is not None
        except Exception:  # noqa: BLE001 - no catalogue access: no figure
            known = False
        connection._bench_statement_statistics = known
    return known


def reset(using: str = "default") -> None:
    """Forget what the server has counted so far (before a timed round, untimed)."""
    if _available(using):
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_stat_statements_reset()")


def seconds(using: str = "default") -> float | None:
    """Seconds the server spent executing statements in this database since the reset."""
    if not _available(using):
        return None
    with connections[using].cursor() as cursor:
        cursor.execute(_QUERY)
        return float(cursor.fetchone()[0]) / 1000
