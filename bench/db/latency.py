"""A model of a database across a network: ``--db-latency-ms X`` adds X ms to every SQL
statement sent through a cursor.

It is a model, not a network: a sleep before each statement, on every connection of every
thread and worker process (installed when a connection is created). Commits and rollbacks
that the driver sends without a cursor are not delayed, so the model understates a real
network slightly. Each thread counts its own sleeps and the seconds they took, and the
process keeps the sum, so a test can check that the model delayed exactly the statements
that were counted, and a run can say how much of its time was modelled latency.
"""

from __future__ import annotations

import os
import threading
import time

ENV = "BENCH_DB_LATENCY_MS"

_state = {"ms": 0.0}
_local = threading.local()
_process = {"sleeps": 0, "slept_s": 0.0}
_lock = threading.Lock()


def set_ms(ms: float) -> None:
    """The delay from now on, in this process (and, through the environment, in workers
    started after this call)."""
    _state["ms"] = float(ms)
    os.environ[ENV] = str(float(ms))


def sleeps() -> int:
    """Statements this thread has delayed so far."""
    return getattr(_local, "sleeps", 0)


def slept() -> float:
    """Seconds this thread has slept in the model so far."""
    return getattr(_local, "slept_s", 0.0)


def process_slept() -> float:
    """Seconds every thread of this process has slept in the model so far."""
    with _lock:
        return _process["slept_s"]


def _delay(execute, sql, params, many, context):
    ms = _state["ms"]
    if ms > 0:
        start = time.perf_counter()
        time.sleep(ms / 1000)
        took = time.perf_counter() - start
        _local.sleeps = getattr(_local, "sleeps", 0) + 1
        _local.slept_s = getattr(_local, "slept_s", 0.0) + took
        with _lock:
            _process["sleeps"] += 1
            _process["slept_s"] += took
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
