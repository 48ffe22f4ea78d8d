"""SQL statements: how many, and how long the database took with them, on every connection
of every thread of this process.

:func:`install` adds one execute wrapper to every connection Django opens from then on (as
the latency model does), innermost, so that it times the statement itself and not a modelled
latency sleep around it. Every thread keeps its own :class:`Tally`, and the process keeps the
sum: a chunk reads its thread's tally before and after (:func:`thread_tally`), a whole run
reads the process's (:func:`process_tally`), so a resource that starts threads of its own is
counted too. Worker processes install it when Django starts there (``bench.apps``) and send
their chunks' tallies back with the chunk.

Time spent waiting for a lock is told apart where the database shows it: a ``BEGIN``
statement (on SQLite with ``IMMEDIATE`` transactions, that is where a writer queues for the
write lock), and a statement that failed because the database was locked after waiting its
busy timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from time import perf_counter


@dataclass
class Tally:
    """Statements sent and seconds spent in them (``lock_s`` is part of ``db_s``)."""

    statements: int = 0
    db_s: float = 0.0
    lock_s: float = 0.0

    def __sub__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(self)))

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def copy(self) -> Tally:
        return Tally(self.statements, self.db_s, self.lock_s)


_local = threading.local()
_process = Tally()
_lock = threading.Lock()


def _mine() -> Tally:
    tally = getattr(_local, "tally", None)
    if tally is None:
        tally = _local.tally = Tally()
    return tally


def _is_lock_wait(sql: str, error: BaseException | None) -> bool:
    if error is not None:
        return "locked" in str(error).lower()
    return sql.lstrip()[:5].upper() == "BEGIN"


def _timed(execute, sql, params, many, context):
    error = None
    start = perf_counter()
    try:
        return execute(sql, params, many, context)
    except BaseException as exc:
        error = exc
        raise
    finally:
        elapsed = perf_counter() - start
        lock = elapsed if _is_lock_wait(str(sql), error) else 0.0
        mine = _mine()
        mine.statements += 1
        mine.db_s += elapsed
        mine.lock_s += lock
        with _lock:
            _process.statements += 1
            _process.db_s += elapsed
            _process.lock_s += lock


def _on_connection_created(sender, connection, **kwargs):
    if _timed not in connection.execute_wrappers:
        connection.execute_wrappers.append(_timed)


def install() -> None:
    """Count and time every statement of every connection, from now on (idempotent)."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection_created, dispatch_uid="bench-sql-tally")
    for connection in connections.all(initialized_only=True):
        _on_connection_created(None, connection)


def thread_tally() -> Tally:
    """What this thread has sent so far (a copy)."""
    return _mine().copy()


def process_tally() -> Tally:
    """What every thread of this process has sent so far (a copy)."""
    with _lock:
        return _process.copy()


@contextmanager
def counted() -> Iterator[Tally]:
    """What this thread sends inside the block: ``with counted() as sent: ...`` then
    ``sent.statements``, ``sent.db_s``."""
    before = thread_tally()
    sent = Tally()
    try:
        yield sent
    finally:
        delta = thread_tally() - before
        sent.statements, sent.db_s, sent.lock_s = delta.statements, delta.db_s, delta.lock_s
