"""pyinstrument flame reports, from separate untimed runs only.

:func:`profiled` profiles a whole run in this thread and writes an HTML report and a
speedscope JSON beside it. Work that runs elsewhere (async chunks on other threads, process
workers) is invisible to that profiler, so while :func:`profiled` is active each chunk
imported outside the profiling thread writes a report of its own
(``<case>.chunk<N>.html``); :func:`chunk_profile` does that inside ``import_chunk``.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

#: Path prefix for per-chunk reports; set while a profiled run is active, inherited by
#: worker processes started during it.
CHUNK_PREFIX_ENV = "BENCH_CHUNK_PROFILE_PREFIX"
#: "<pid>:<thread id>" of the thread that holds the whole-run profiler.
PROFILER_OWNER_ENV = "BENCH_PROFILER_OWNER"


def _write(profiler, html_path: Path) -> list[Path]:
    from pyinstrument.renderers import SpeedscopeRenderer

    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(profiler.output_html(), encoding="utf-8")
    speedscope = html_path.with_suffix(".speedscope.json")
    speedscope.write_text(profiler.output(renderer=SpeedscopeRenderer()), encoding="utf-8")
    return [html_path, speedscope]


@contextmanager
def profiled(html_path: Path):
    """Profile the block; write ``html_path`` and ``<stem>.speedscope.json``.

    Yields a list that, after the block, holds the HTML report paths of chunks profiled
    on other threads or processes (sorted).
    """
    from pyinstrument import Profiler

    prefix = str(html_path.with_suffix(""))
    old = {k: os.environ.get(k) for k in (CHUNK_PREFIX_ENV, PROFILER_OWNER_ENV)}
    os.environ[CHUNK_PREFIX_ENV] = prefix
    os.environ[PROFILER_OWNER_ENV] = f"{os.getpid()}:{threading.get_ident()}"
    chunk_reports: list[Path] = []
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        yield chunk_reports
    finally:
        profiler.stop()
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _write(profiler, html_path)
        chunk_reports.extend(sorted(html_path.parent.glob(Path(prefix).name + ".chunk*.html")))


@contextmanager
def chunk_profile(index: int):
    """Profile one chunk when a profiled run is active and cannot see this thread."""
    prefix = os.environ.get(CHUNK_PREFIX_ENV)
    here = f"{os.getpid()}:{threading.get_ident()}"
    if not prefix or os.environ.get(PROFILER_OWNER_ENV) == here:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        _write(profiler, Path(f"{prefix}.chunk{index + 1}.html"))
