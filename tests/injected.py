"""Test-only faults for the regression gate, injected through ``BENCH_RESOURCE_HOOK``
(see ``bench.execute.project.hooked``) into the strategy ``BENCH_INJECT_STRATEGY`` names.
"""

import multiprocessing
import os
import signal
import time

from sample_app.resources import FlatBookResource


def _target(strategy: str) -> bool:
    return strategy == os.environ.get("BENCH_INJECT_STRATEGY")


def extra_query(strategy, resource_class):
    """One more SQL statement per row."""
    return _with_extra_query(resource_class) if _target(strategy) else resource_class


def _with_extra_query(resource_class):
    from sample_app.models import Author

    class ExtraQuery(resource_class):
        def before_import_row(self, row, **kwargs):
            super().before_import_row(row, **kwargs)
            Author.objects.exists()

    return ExtraQuery


def slow_rows(strategy, resource_class):
    """``BENCH_INJECT_SLEEP_S`` seconds of sleep per row."""
    if not _target(strategy):
        return resource_class
    pause = float(os.environ["BENCH_INJECT_SLEEP_S"])

    class SlowRows(resource_class):
        def before_import_row(self, row, **kwargs):
            super().before_import_row(row, **kwargs)
            time.sleep(pause)

    return SlowRows


def work_rows(strategy, resource_class):
    """``BENCH_INJECT_WORK`` more loop iterations of Python per row: more work, the kind of
    slowdown a code change makes, the same on a fast machine as on a slow one."""
    return _with_more_work(resource_class) if _target(strategy) else resource_class


def _with_more_work(resource_class):
    iterations = int(os.environ["BENCH_INJECT_WORK"])

    class MoreWork(resource_class):
        def before_import_row(self, row, **kwargs):
            super().before_import_row(row, **kwargs)
            total = 0
            for i in range(iterations):
                total += i

    return MoreWork


def _with_more_memory(resource_class):
    size = int(os.environ["BENCH_INJECT_MEMORY_BYTES"])

    class MoreMemory(resource_class):
        def before_import_row(self, row, **kwargs):
            super().before_import_row(row, **kwargs)
            self.__dict__.setdefault("_held", []).append(bytearray(size))

    return MoreMemory


def query_and_work(strategy, resource_class):
    """Three faults at once: one more query per row in ``BENCH_INJECT_QUERY_STRATEGY``,
    ``BENCH_INJECT_MEMORY_BYTES`` more held per row until the import ends in
    ``BENCH_INJECT_MEMORY_STRATEGY``, more work in ``BENCH_INJECT_STRATEGY``."""
    if strategy == os.environ.get("BENCH_INJECT_QUERY_STRATEGY"):
        resource_class = _with_extra_query(resource_class)
    if strategy == os.environ.get("BENCH_INJECT_MEMORY_STRATEGY"):
        resource_class = _with_more_memory(resource_class)
    return work_rows(strategy, resource_class)


def iterations_for(seconds: float) -> int:
    """How many iterations of :func:`work_rows`' loop take ``seconds`` on this machine (a
    calibration of the fault, measured here, not asserted anywhere)."""
    import timeit

    def loop(n=10_000):
        total = 0
        for i in range(n):
            total += i

    per_iteration = min(timeit.repeat(loop, number=20, repeat=5)) / (20 * 10_000)
    return max(1, round(seconds / per_iteration))


class KillWorkerAtIsbn(FlatBookResource):
    """Kills the worker process (SIGKILL) that reaches the row ``BENCH_KILL_AT_ISBN``; a
    module-level class, so that it pickles by name into spawned workers."""

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        if (multiprocessing.parent_process() is not None
                and row.get("isbn") == os.environ.get("BENCH_KILL_AT_ISBN")):
            os.kill(os.getpid(), signal.SIGKILL)


def kill_worker(strategy, resource_class):
    return KillWorkerAtIsbn if _target(strategy) else resource_class
