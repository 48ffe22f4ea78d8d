"""Deterministic and wall-clock measurements of one import."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

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


@dataclass
class Timing:
    seconds: float = 0.0


@contextmanager
def timed():
    timing = Timing()
    start = time.perf_counter()
    try:
        yield timing
    finally:
        timing.seconds = time.perf_counter() - start
