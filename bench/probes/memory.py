"""Peak resident memory of a round, read from the kernel's high-water mark.

Linux keeps each process's peak resident set size (``VmHWM`` in ``/proc/<pid>/status``) and
resets it to the current size when ``5`` is written to ``/proc/<pid>/clear_refs``. So the
peak of a round is exact and costs nothing while the round runs: no sampling thread takes
the GIL from the import (an earlier sampler, every 5 ms, did, and added noise to every
timing). :class:`PeakMemory` resets the mark when a round begins and reads it when it ends;
a worker process reports its own mark with each chunk (``ChunkFact.peak_rss_bytes``), and
the round's figure is the parent's growth plus every worker's peak (a worker counts in full:
about 70 MB for a Python with Django).

Where the kernel offers no such mark (not Linux), the figure is missing, not guessed.
"""

from __future__ import annotations

from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kb(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def current_bytes() -> int | None:
    kb = _status_kb("VmRSS")
    return None if kb is None else kb * 1024


def peak_bytes() -> int | None:
    """This process's peak resident memory since it started, or since the last reset."""
    kb = _status_kb("VmHWM")
    return None if kb is None else kb * 1024


def reset_peak() -> bool:
    """Set the peak to the current resident memory; whether the kernel allowed it."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


class PeakMemory:
    """``with PeakMemory() as memory: ...`` then ``memory.delta_bytes``: how far this
    process's resident memory rose above its size when the block began (``None`` where
    that cannot be read)."""

    def __enter__(self):
        self.supported = reset_peak()
        self.start_bytes = current_bytes() if self.supported else None
        return self

    def __exit__(self, *exc):
        peak = peak_bytes() if self.supported else None
        self.delta_bytes = (max(0, peak - self.start_bytes)
                            if peak is not None and self.start_bytes is not None else None)
        return False


# -- the memory pass (untimed): exact figures, in a process of their own ---------------

#: Set (to "1") in the environment of the memory pass: worker processes then trace their
#: own Python allocations while they import a chunk (``ChunkFact.peak_python_bytes``).
TRACE_ENV = "BENCH_MEMORY_TRACE"


def trim() -> None:
    """Hand the memory the process freed back to the system (glibc's ``malloc_trim``), so
    that the resident size a peak is measured from is what is alive, not what an earlier
    step freed and the allocator kept."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        pass


class PythonPeak:
    """``with PythonPeak() as python: ...`` then ``python.peak_bytes``: the most memory the
    block's Python allocations held at once (tracemalloc: exact and repeatable, but the
    block runs 4-5 times slower, so never around a timed round). What was allocated before
    the block (the file already in memory) is not counted."""

    def __enter__(self):
        import tracemalloc

        self._was_tracing = tracemalloc.is_tracing()
        if self._was_tracing:
            tracemalloc.reset_peak()
            self._base = tracemalloc.get_traced_memory()[0]
        else:
            tracemalloc.start()
            self._base = 0
        self.peak_bytes = None
        return self

    def __exit__(self, *exc):
        import tracemalloc

        self.peak_bytes = max(0, tracemalloc.get_traced_memory()[1] - self._base)
        if not self._was_tracing:
            tracemalloc.stop()
        return False


def traced_in_workers() -> bool:
    import os

    return os.environ.get(TRACE_ENV) == "1"
