"""What a browser makes of a page: headless Chromium's own clock, in an untimed pass.

A step of an import that answers with a page (the admin's preview) costs the user the
server's time and then the browser's: a 20,000-row preview is megabytes of table that the
browser must parse, style and lay out before anything can be read. :func:`laid_out_ms` opens
a saved page in Debian's ``chromium`` (headless, a fresh profile each time) with one script
appended at the end of the document that forces the layout of everything before it
(``document.body.offsetHeight``) and notes ``performance.now()``: milliseconds from the
start of the navigation until the whole page was parsed, its style sheets applied and laid
out, by the browser's own clock (its start-up is not counted; painting the visible part
after that is cheap). No virtual time: ``--virtual-time-budget`` would fake that clock.

:func:`standalone` turns a page Django served into one a browser can open from disk: links
under ``STATIC_URL`` point to the files the static file finders find (the admin's style
sheets matter to layout time), so the saved preview also opens in the user's own browser.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

#: The attribute the appended script writes on ``<html>``.
MARK = "data-bench-laid-out-ms"
_SCRIPT = (f"<script>(function(){{var h=document.body?document.body.offsetHeight:0;"
           f"document.documentElement.setAttribute('{MARK}',"
           f"performance.now().toFixed(1)+':'+h);}})();</script>")
_READ = re.compile(rf'{MARK}="([0-9.]+):([0-9]+)"')
#: Seconds one rendering may take before it is called a page the browser could not render.
TIMEOUT_S = 300


class BrowserFailed(RuntimeError):
    """Chromium did not report the page laid out; the message says what it printed."""


def chromium() -> str | None:
    """Debian's ``chromium`` (or ``chromium-browser``), where installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def standalone(html: bytes) -> bytes:
    """``html`` with every ``src``/``href`` under ``STATIC_URL`` pointing to the file the
    static file finders find (a ``file://`` URI); links to files not found stay."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    prefix = settings.STATIC_URL or "/static/"
    if not prefix.startswith(("/", "http")):
        prefix = "/" + prefix
    pattern = re.compile(rb'((?:src|href)=")' + re.escape(prefix.encode()) + rb'([^"?#]+)')

    def local(match):
        found = finders.find(match.group(2).decode())
        return match.group(1) + Path(found).as_uri().encode() if found else match.group(0)

    return pattern.sub(local, html)


def laid_out_ms(page: Path, repeat: int = 3, browser: str | None = None) -> list[float]:
    """Milliseconds until ``page`` was parsed, styled and laid out, once per repetition
    (each in a fresh headless Chromium). Raises :class:`BrowserFailed` when Chromium is
    missing, crashes, or runs past :data:`TIMEOUT_S`."""
    browser = browser or chromium()
    if browser is None:
        raise BrowserFailed("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="django-import-bench-browser-") as scratch:
        measured = Path(scratch) / page.name
        html = page.read_bytes()
        end = html.rfind(b"</body>")
        measured.write_bytes(html[:end] + _SCRIPT.encode() + html[end:] if end >= 0
                             else html + _SCRIPT.encode())
        del html
        times = []
        for attempt in range(repeat):
            command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                       "--disable-extensions", "--no-first-run", "--mute-audio",
                       f"--user-data-dir={Path(scratch) / f'profile{attempt}'}",
                       "--dump-dom", measured.as_uri()]
            try:
                done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                raise BrowserFailed(f"{page.name}: not laid out within {TIMEOUT_S} s") from None
            found = _READ.search(done.stdout[:4096].decode("utf-8", "replace"))
            if done.returncode != 0 or found is None:
                raise BrowserFailed(
                    f"{page.name}: chromium exited {done.returncode} without laying the "
                    f"page out: {done.stderr.decode('utf-8', 'replace')[-500:]}")
            times.append(float(found.group(1)))
        return times


def median_ms(times: list[float]) -> float:
    return statistics.median(times)
