"""The browser pass: how long the pages an import answers with take to show, untimed.

The admin's preview is a page of HTML that grows with the file (a table row per row of the
file, with its diff); the server's time is half of what the user waits. During the run the
suite saves each case's pages (:func:`save_pages`, after its group's timed rounds, as pages
that open from disk); after the run, :func:`measure_pages` opens each in headless Chromium
(:mod:`bench.probes.browser`) :data:`REPEAT` times, one page at a time, nothing else
running, and writes ``browser.json``, which the summary merges into the case records
(``CaseRecord.browser``).
Without Chromium the pass says so and the figures are missing, not guessed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ..probes import browser

RESULT_FILE = "browser.json"
PAGES_DIR = "pages"
#: Openings of each page; the median is reported.
REPEAT = 3


def save_pages(run_dir: Path, case_id: str, pages: dict[str, bytes]) -> dict[str, str]:
    """Write a case's pages under ``run_dir/pages``; their paths relative to ``run_dir``."""
    saved = {}
    for name, html in pages.items():
        relative = f"{PAGES_DIR}/{case_id}.{name}.html"
        path = run_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(browser.standalone(html))
        saved[name] = relative
    return saved


def measure_pages(run_dir: Path, records, progress: Callable[[str], None] | None = None
                  ) -> dict:
    """Open every saved page of ``records`` in Chromium; the figures by case id and page
    name (also in ``run_dir/browser.json``)."""
    pages = [(record.id, name, relative) for record in records
             for name, relative in sorted(record.pages.items())]
    if not pages:
        return {}
    found = browser.chromium()
    if found is None:
        if progress:
            progress(f"browser pass skipped: {len(pages)} pages saved under "
                     f"{run_dir / PAGES_DIR}, but chromium is not installed "
                     f"(apt-get install chromium)")
        return {}
    if progress:
        progress(f"browser pass: {len(pages)} pages, each opened {REPEAT} times in headless "
                 f"Chromium, untimed")
    figures: dict[str, dict] = {}
    for case_id, name, relative in pages:
        path = run_dir / relative
        entry = {"bytes": path.stat().st_size}
        try:
            entry["laid_out_ms"] = browser.laid_out_ms(path, REPEAT, found)
        except browser.BrowserFailed as exc:
            entry["error"] = str(exc)
        figures.setdefault(case_id, {})[name] = entry
        if progress:
            shown = (f"{browser.median_ms(entry['laid_out_ms']) / 1000:.2f} s"
                     if "laid_out_ms" in entry else entry["error"])
            progress(f"  {case_id} {name}: {entry['bytes']:,} bytes, laid out in {shown}")
    (run_dir / RESULT_FILE).write_text(json.dumps({"cases": figures}, indent=2) + "\n")
    return figures

