"""``report.html``: one self-contained page per run, built from the run's files.

The charts (:mod:`bench.results.charts`) are saved under ``charts/`` as PNG and embedded in
the page as data URIs, so the page opens from disk, alone, anywhere. Flame reports are
linked relative to the run folder (they are big, and only useful next to the run).
``python -m bench report RUN_DIR`` rebuilds the summary, the charts and this page without
re-running anything.
"""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path

from .charts import PARTS, draw_all
from .recommend import Verdict, recommendations
from .record import CaseRecord
from .scaling import slopes
from .summary import Summary, fmt, write_summary

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th { background: #f3f3f3; } td.l, th.l { text-align: left; }
.ok { color: #1b7f1b; font-weight: bold; } .bad { color: #c62828; font-weight: bold; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: 0.9em; }
.verdict { background: #f6f8fa; border-left: 4px solid #4a78c2; padding: 0.6em 1em; }
.warning { background: #fff4e5; border-left: 4px solid #e69500; padding: 0.6em 1em; }
.split { display: flex; width: 16em; height: 1em; border: 1px solid #bbb; }
.split span { display: block; height: 100%; }
.legend span { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.3em 0 1em;
  vertical-align: middle; }
td.dim { color: #888; }
"""

#: Names and colours of the parts of a round's time, as in the charts.
PART_NAMES = {part: name for part, name, _ in PARTS}
PART_COLOURS = {part: colour for part, _, colour in PARTS}

#: Marks the page once every embedded image has decoded, and on any script or load error, so
#: that a headless browser can check it rendered.
CHECK_IMAGES = """
window.addEventListener("error", (e) => {
  document.documentElement.dataset.errors = (e.message || "resource failed to load");
}, true);
window.addEventListener("load", () => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0);
  document.body.dataset.images = broken.length ? "broken:" + broken.length : "ok";
});
"""


def _link(run_dir: Path, path: str | None, text: str) -> str:
    if not path:
        return ""
    if not (run_dir / path).exists():
        return f"{escape(text)} (missing)"
    return f'<a href="{escape(path)}">{escape(text)}</a>'


def _embed(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _split_bar(case: CaseRecord) -> str:
    split = case.time_split
    if split is None:
        return ""
    shares = split.shares()
    parts = "".join(
        f'<span style="width:{share * 100:.1f}%;background:{PART_COLOURS[part]}" '
        f'title="{escape(PART_NAMES[part])}: {share:.0%}"></span>'
        for part, share in shares.items() if share > 0)
    return f'<div class="split">{parts}</div>'


def _legend() -> str:
    return '<p class="legend">' + "".join(
        f'<span style="background:{colour}"></span>{escape(PART_NAMES[part])}'
        for part, colour in PART_COLOURS.items()) + "</p>"


def _best_per_strategy(cases: list[CaseRecord]) -> list[tuple[CaseRecord, int]]:
    """Each strategy's best case in a group (fastest verified, else fastest), with how
    many settings it ran with; ranked verified first, fastest first."""
    by_strategy: dict[str, list[CaseRecord]] = {}
    for case in cases:
        by_strategy.setdefault(case.strategy, []).append(case)
    best = []
    for members in by_strategy.values():
        members.sort(key=lambda c: (not c.verified, not c.timed, c.median_s or 0))
        best.append((members[0], len(members)))
    best.sort(key=lambda pair: (not pair[0].verified, not pair[0].timed,
                                pair[0].median_s or 0))
    return best


def _short(text: str, limit: int = 90) -> str:
    """``text`` cut to ``limit`` characters for a table cell, whole in its tooltip."""
    if len(text) <= limit:
        return escape(text)
    return f'<span title="{escape(text)}">{escape(text[:limit - 1])}…</span>'


def _answer_html(summary: Summary) -> str:
    """Per group: every strategy ranked, with where its time went."""
    parts = []
    for group, cases in summary.grouped().items():
        rows = []
        for rank, (c, settings) in enumerate(_best_per_strategy(cases), start=1):
            if c.refused:
                verified = f'<span class="bad">refused</span>: {_short(c.refused)}'
            elif c.verified:
                verified = '<span class="ok">yes</span>'
            else:
                verified = f'<span class="bad">NO</span>: {_short(c.verification)}'
            more = f" (best of {settings} settings)" if settings > 1 else ""
            rows.append(
                f"<tr><td>{rank if c.verified else ''}</td>"
                f"<td class=l><b>{escape(c.strategy)}</b>{escape(more)}<br>"
                f"<small>{escape(c.id)}</small></td>"
                f"<td>{fmt(c.median_s, '.3f')}</td>"
                f"<td>{fmt(c.speedup_vs_sequential, '.2f')}</td>"
                f"<td>{fmt(c.queries_per_row, '.3g')}</td>"
                f"<td class=l>{_split_bar(c)}</td><td class=l>{verified}</td></tr>")
        parts.append(
            f"<h3>{escape(group.title)}</h3><table><tr><th></th><th class=l>strategy</th>"
            "<th>median s</th><th>x sequential</th><th>queries/row</th>"
            f"<th class=l>where the time went</th><th class=l>verified</th></tr>"
            f"{''.join(rows)}</table>")
    if not parts:
        return "<p>No case ran.</p>"
    return ("<p>Per scenario, each strategy's best setting, fastest verified first (a "
            "strategy that did not verify is never ranked). <i>x sequential</i> is how many "
            "times faster than django-import-export's defaults. The bar splits the time of "
            "the last round.</p>" + _legend() + "".join(parts))


def _recommendations_html(verdicts: list[Verdict]) -> str:
    if not verdicts:
        return ("<p>No strategy ran with more than one setting on the same data, so there is "
                "nothing to recommend. <code>python -m bench tune</code> sweeps them.</p>")
    parts = []
    for v in verdicts:
        parts.append(f'<h3>{escape(v.title)}</h3><p class="verdict"><b>{escape(v.kind)}</b>: '
                     f'{escape(v.message)}</p>')
    return "\n".join(parts)


def _slopes_html(fits: list[dict]) -> str:
    if not fits:
        return "<p>Only one row count was measured: run with several (<code>--rows " \
               "2000,5000,20000</code>) to see how time grows.</p>"
    rows = "".join(
        f"<tr><td class=l>{escape(f['variant'])}</td><td class=l>{escape(f['scenario'])}</td>"
        f"<td>{', '.join(f'{r:,}' for r in f['rows'])}</td><td>{f['slope']:.2f}</td>"
        f"<td class=l>{escape(f['growth'])}</td></tr>" for f in fits)
    return ("<table><tr><th class=l>variant</th><th class=l>scenario</th><th>rows</th>"
            f"<th>log-log slope</th><th class=l>growth</th></tr>{rows}</table>")


def _cases_html(run_dir: Path, cases: list[CaseRecord]) -> str:
    rows = []
    for c in cases:
        verified = ('<span class="ok">yes</span>' if c.verified else
                    f'<span class="bad">NO</span>: {escape(c.verification)}')
        flames = " ".join(filter(None, [_link(run_dir, c.flame, "flame")] + [
            _link(run_dir, f, f"chunk {i}") for i, f in enumerate(c.chunk_flames)]))
        rows.append(
            f"<tr><td class=l>{escape(c.id)}</td><td>{fmt(c.median_s, '.3f')}</td>"
            f"<td>{fmt(c.iqr_s, '.3f')}</td><td>{c.rounds}</td>"
            f"<td>{fmt(c.rows_per_s, ',.0f')}</td>"
            f"<td>{fmt(c.x_reference, '.1f')}</td>"
            f"<td>{fmt(c.queries_per_row, '.3f')}</td>"
            f"<td>{fmt(c.max_overlap, 'd')}</td>"
            f"<td class=l>{verified}</td><td class=l>{flames}</td></tr>")
    return ("<table><tr><th class=l>case</th><th>median s</th><th>IQR s</th><th>rounds</th>"
            "<th>rows/s</th><th>x ref</th><th>queries/row</th><th>overlap</th>"
            f"<th class=l>verified</th><th class=l>flame reports</th></tr>{''.join(rows)}"
            "</table>")


def _steps_html(run_dir: Path, cases: list[CaseRecord]) -> str:
    """The admin import step by step (:mod:`.steps`), each preview linked; empty without
    admin cases."""
    from .steps import (
        HEADERS,
        fastest_line,
        fastest_verified,
        step_rows,
        table_rows,
        too_large,
        too_slow,
    )

    rows = step_rows(cases)
    if not rows:
        return ""
    head = "".join(f"<th{' class=l' if i == 0 else ''}>{escape(h)}</th>"
                   for i, h in enumerate(HEADERS))
    body = []
    for row, cells in zip(rows, table_rows(rows), strict=True):
        preview = row.case.pages.get("preview")
        first = _link(run_dir, preview, cells[0]) if preview else escape(cells[0])
        body.append(f"<tr><td class=l>{first}</td>"
                    + "".join(f"<td>{escape(c)}</td>" for c in cells[1:]) + "</tr>")
    notes = [f'<p class="verdict">{escape(fastest_line(row))}</p>'
             for row in fastest_verified(rows)]
    notes += [f'<p class="warning"><b>Too large for a browser</b>: {escape(line)}</p>'
              for line in too_large(rows)]
    notes += [f'<p class="warning"><b>Too slow for one request</b>: {escape(line)}</p>'
              for line in too_slow(rows)]
    return ("<h2>The admin import, step by step</h2><p>Step 1 uploads the file and renders "
            "the preview (a dry run); step 2 confirms and imports. <code>+MB</code>: how far "
            "the step raised the process's resident peak, in the memory pass over the whole "
            "file (<code>&lt;=</code>: an upper bound); <i>preview laid out</i>: headless "
            "Chromium's time until the preview was "
            "parsed, styled and laid out (untimed pass, median of 3). A case links to its "
            f"saved preview.</p><table><tr>{head}</tr>{''.join(body)}</table>"
            + "".join(notes))


def render(run_dir: Path, summary: Summary) -> str:
    cases = summary.cases
    for stale in (run_dir / "charts").glob("*.png"):  # a rebuild draws them all again
        stale.unlink()
    charts = draw_all(cases, run_dir / "charts")
    verdicts = recommendations(cases)
    (run_dir / "recommendations.json").write_text(
        json.dumps([v.as_dict() for v in verdicts], indent=2) + "\n")
    env = summary.environment
    figures = "\n".join(
        f'<figure><img src="{_embed(ch.path)}" alt="{escape(ch.title)}">'
        f"<figcaption><b>{escape(ch.title)}</b>. {escape(ch.caption)} "
        f'(<a href="charts/{escape(ch.path.name)}">PNG</a>)</figcaption></figure>'
        for ch in charts)
    incomplete = ("" if summary.complete else
                  '<p class="warning">This run did not finish: the page shows the cases '
                  "measured so far.</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>django-import-bench: {escape(run_dir.name)}</title>
<style>{STYLE}</style><script>{CHECK_IMAGES}</script></head>
<body>
<h1>django-import-bench run {escape(run_dir.name)}</h1>
<p>Python {escape(str(env.get('python')))}, Django {escape(str(env.get('django')))},
django-import-export {escape(str(env.get('django_import_export')))}, database
{escape(str(env.get('db')))}. Times are medians over the timed rounds; every case is
verified against <code>sequential</code> (database fingerprint, totals, errors by row).</p>
{incomplete}
<h2>Which strategy to use</h2>
{_answer_html(summary)}
<h2>Which settings to choose</h2>
{_recommendations_html(verdicts)}
{_steps_html(run_dir, cases)}
<h2>How time grows with rows</h2>
{_slopes_html(slopes(cases))}
<h2>Charts</h2>
{figures or "<p>No case was timed.</p>"}
<h2>Every case</h2>
{_cases_html(run_dir, cases)}
</body></html>
"""


def write_report(run_dir: Path, summary: Summary | None = None) -> Path:
    """Write ``report.html`` (and ``charts/*.png``); rebuild the summary when not given."""
    summary = summary if summary is not None else write_summary(run_dir)
    path = run_dir / "report.html"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render(run_dir, summary), encoding="utf-8")
    tmp.replace(path)
    return path

