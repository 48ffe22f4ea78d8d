"""Pausing Python's cyclic garbage collector around allocation-heavy work."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_restore = False


@contextmanager
def cyclic_gc_paused():
    """Pause the cyclic GC, process-wide, while any caller (in any thread) is inside.

    Building a dataset or importing one creates hundreds of thousands of objects that stay
    alive until the work ends; the collector's full passes grow with them and find nothing
    to free. Reference counting still frees everything as usual. The collector is enabled
    again (if it was on) when the last caller leaves.
    """
    global _holders, _restore
    with _lock:
        if _holders == 0:
            _restore = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _restore:
                gc.enable()
