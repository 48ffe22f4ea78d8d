"""A model of a database across a network: ``--db-latency-ms X`` adds X ms to every SQL
statement sent through a cursor.

It is a model, not a network: a sleep before each statement, on every connection of every
thread and worker process (installed when a connection is created). Commits and rollbacks
that the driver sends without a cursor are not delayed, so the model understates a real
network slightly. Each thread counts its own sleeps, so a test can check that the model
delayed exactly the statements that were counted.
"""

from __future__ import annotations

import os
import threading
import time

ENV = "BENCH_DB_LATENCY_MS"

_state = {"ms": 0.0}
_local = threading.local()


def set_ms(ms: float) -> None:
    """The delay from now on, in this process (and, through the environment, in workers
    started after this call)."""
    _state["ms"] = float(ms)
    os.environ[ENV] = str(float(ms))


def sleeps() -> int:
    """Statements this thread has delayed so far."""
    return getattr(_local, "sleeps", 0)


def _delay(execute, sql, params, many, context):
    ms = _state["ms"]
    if ms > 0:
        time.sleep(ms / 1000)
        _local.sleeps = getattr(_local, "sleeps", 0) + 1
    return execute(sql, params, many, context)


def _on_connection_created(sender, connection, **kwargs):
    if _delay not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _delay)


def install() -> None:
    """Delay every statement of every connection created from now on (idempotent)."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connection_created, dispatch_uid="bench-latency")
    for connection in connections.all(initialized_only=True):
        _on_connection_created(None, connection)


def install_from_environment() -> None:
    value = os.environ.get(ENV)
    if value is not None:
        _state["ms"] = float(value)
        install()
