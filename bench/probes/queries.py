"""Counting SQL statements: the deterministic measure of an import."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import connections


class QueryCounter:
    """An ``execute_wrapper`` that counts every SQL statement sent, savepoints included."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def count_queries(using: str = "default"):
    """Count the statements this thread's connection sends inside the block."""
    counter = QueryCounter()
    with connections[using].execute_wrapper(counter):
        yield counter
