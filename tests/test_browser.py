"""The browser pass: saved pages open from disk, and headless Chromium's own clock says how
long each took to lay out; the report names a preview too large for a browser with the
setting that avoids it."""

import shutil

import pytest

from bench.probes import browser
from bench.results.record import CaseRecord
from bench.results.steps import step_rows, too_large
from bench.strategies.contract import ChunkFact

needs_chromium = pytest.mark.skipif(browser.chromium() is None, reason=(
    "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"))


def test_a_saved_page_links_the_static_files_it_found(settings):
    settings.STATIC_URL = "/static/"
    html = (b'<link href="/static/admin/css/base.css" rel="stylesheet">'
            b'<script src="/static/no/such/file.js"></script><a href="/static-not">x</a>')
    page = browser.standalone(html)
    assert b'href="file://' in page and page.count(b"file://") == 1
    assert b'src="/static/no/such/file.js"' in page and b'href="/static-not"' in page


@needs_chromium
def test_chromium_lays_a_longer_page_out_later(tmp_path):
    """Exact only in kind: the browser's clock is noisy, but 40,000 table rows against 10
    cannot come out faster."""
    def table(rows):
        cells = "".join(f"<tr><td>{i}</td><td>row {i} of the file</td></tr>"
                        for i in range(rows))
        return f"<html><body><table>{cells}</table></body></html>"

    short, long = tmp_path / "short.html", tmp_path / "long.html"
    short.write_text(table(10))
    long.write_text(table(40_000))
    [short_ms] = browser.laid_out_ms(short, repeat=1)
    [long_ms] = browser.laid_out_ms(long, repeat=1)
    assert 0 < short_ms < long_ms


def test_a_browser_that_is_missing_or_fails_is_named(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body>hello</body></html>")
    with pytest.raises(browser.BrowserFailed, match="exited 1 without laying"):
        browser.laid_out_ms(page, repeat=1, browser=shutil.which("false"))


def _admin_case(case_id, seconds, preview_ms=None, pages=True, verified=True, **settings):
    steps = [ChunkFact(index=0, first_row=1, rows=20_000, thread_id=1, pid=1, start=0.0,
                       end=seconds / 2, committed=False, queries=100_000,
                       response_bytes=19_000_000 if pages else 0)]
    if pages:
        steps.append(ChunkFact(index=1, first_row=1, rows=20_000, thread_id=1, pid=1,
                               start=seconds / 2, end=seconds, committed=True,
                               queries=100_000, response_bytes=0))
    return CaseRecord(
        id=case_id, strategy="admin", scenario="create", rows=20_000, settings=settings,
        times=[seconds], chunk_facts=steps, verified=verified, speedup_vs_sequential=0.5,
        pages={"preview": f"pages/{case_id}.preview.html"} if pages else {},
        browser={"preview": {"bytes": 19_000_000, "laid_out_ms": [preview_ms] * 3}}
        if preview_ms else {})


def test_a_preview_over_the_limit_is_named_with_the_setting_that_avoids_it():
    rows = step_rows([
        _admin_case("admin-create-20000", 50.0, preview_ms=25_000),
        _admin_case("admin-sd-create-20000", 40.0, preview_ms=4_000, skip_diff=True),
        _admin_case("admin-one-create-20000", 20.0, pages=False, skip_admin_confirm=True),
        # faster, but not verified: never offered
        _admin_case("admin-x-create-20000", 1.0, pages=False, verified=False, x=True)])
    [line] = too_large(rows, limit_s=10)
    assert line.startswith("admin-create-20000: the preview is 19.0 MB of HTML, laid out "
                           "in 25.0 s")
    assert "skip_admin_confirm=True avoids it (admin-one-create-20000: no preview" in line
    assert "up to about 8,000 rows" in line
    # under a looser limit nothing is named; a skip_diff preview over it names no fix
    assert too_large(rows, limit_s=30) == []
    [lone] = too_large(step_rows([_admin_case("admin-create-20000", 50.0, 25_000)]), 10)
    assert "no admin setting measured here avoids it" in lone
