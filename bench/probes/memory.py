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
