"""Imports in steps: the admin's preview and confirmation, each with its own figures.

A case of the ``admin`` strategy records one chunk fact per step of its last timed round
(:mod:`bench.strategies.builtin.admin`): the upload and preview, then the confirmation (one
step when the confirmation is skipped). :func:`step_rows` gives, per case, each step's
seconds, statements per row of the file, rise of the resident peak and bytes of HTML,
with the time headless Chromium took to lay the preview out (the browser pass,
:mod:`bench.execute.browser`), beside the case's median total and its speed against
``sequential``. :func:`too_large` names each preview a browser does not show within
:data:`BROWSER_LIMIT_S`, and :func:`too_slow` each step longer than a web server lets a
request run (:data:`SERVER_TIMEOUT_S`), with the setting that avoids it.
:func:`markdown_steps` is what ``summary.md`` shows; the console and ``report.html`` draw
the same rows.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .record import CaseRecord

#: The strategy whose chunk facts are steps.
STEPPED = "admin"


@dataclass(frozen=True)
class Step:
    seconds: float
    queries_per_row: float
    #: Bytes of the page (or redirect) the step answered with.
    html_bytes: int | None
    #: How far the step raised the process's resident peak, in MB, and whether that is an
    #: upper bound (the step stayed under an earlier peak): from the memory pass, in a fresh
    #: process, when it imported the whole file (a warm process reuses memory freed by
    #: earlier rounds, so the timed rounds' own figures say little); else ``None``.
    rss_rise_mb: float | None
    rss_bound: bool


@dataclass(frozen=True)
class StepRow:
    case: CaseRecord
    steps: tuple[Step, ...]

    @property
    def preview(self) -> dict | None:
        """The browser pass's figures of the page step 1 answered with, where it ran."""
        return self.case.browser.get("preview")

    @property
    def preview_s(self) -> float | None:
        """Seconds until Chromium had the preview laid out (median of the openings)."""
        times = (self.preview or {}).get("laid_out_ms")
        return statistics.median(times) / 1000 if times else None

    @property
    def has_preview(self) -> bool:
        """Whether step 1 answered with a page (the preview, or the problems it showed)
        rather than the redirect of a one-step import."""
        return bool(self.case.pages) or len(self.steps) > 1


def step_rows(cases: list[CaseRecord]) -> list[StepRow]:
    rows = []
    for case in cases:
        if case.strategy != STEPPED or not case.chunk_facts or not case.rows:
            continue
        facts = sorted(case.chunk_facts, key=lambda f: f.index)
        memory = (case.step_rss_mb if case.step_rss_mb and case.memory_rows == case.rows
                  and len(case.step_rss_mb) == len(facts) else [(None, False)] * len(facts))
        rows.append(StepRow(case, tuple(
            Step(f.end - f.start, f.queries / case.rows, f.response_bytes, max(0.0, mb)
                 if mb is not None else None, bool(bound))
            for f, (mb, bound) in zip(facts, memory, strict=True))))
    return rows


def fastest_verified(rows: list[StepRow]) -> list[StepRow]:
    """Per group (scenario, rows, latency), the fastest verified admin setting (where
    ``sequential`` ran beside it to compare with)."""
    best: dict = {}
    for row in rows:
        if row.case.verified and row.case.median_s and row.case.speedup_vs_sequential:
            found = best.get(row.case.group)
            if found is None or row.case.median_s < found.case.median_s:
                best[row.case.group] = row
    return list(best.values())


def fastest_line(row: StepRow) -> str:
    c = row.case
    return (f"{c.group.title}: fastest verified admin setting {c.id}, {c.median_s:.3f} s in "
            f"all, {c.speedup_vs_sequential:.2f}x the speed of sequential called directly")


def too_large(rows: list[StepRow], limit_s: float | None = None) -> list[str]:
    """One line per preview a browser does not show within ``limit_s`` (default
    :data:`BROWSER_LIMIT_S`; or could not lay out at all), naming the verified setting of
    the same group that avoids it: the fastest whose preview showed within the limit, or
    that has no preview (one step)."""
    limit_s = BROWSER_LIMIT_S if limit_s is None else limit_s

    def shows_in_time(row):
        return not row.has_preview or (row.preview_s is not None and row.preview_s <= limit_s)

    lines = []
    for row in rows:
        shown, preview = row.preview_s, row.preview
        if preview is None or (shown is not None and shown <= limit_s):
            continue
        c = row.case
        why = (f"laid out in {shown:.1f} s by headless Chromium" if shown is not None
               else f"not laid out by headless Chromium ({preview.get('error')})")
        per_row = shown / c.rows if shown else None
        within = (f"; at this setting a preview shows within {limit_s:g} s up to about "
                  f"{int(limit_s / per_row):,} rows" if per_row else "")
        lines.append(f"{c.id}: the preview is {preview['bytes'] / 1e6:.1f} MB of HTML, {why} "
                     f"(over the {limit_s:g} s limit): {_avoided(row, rows, shows_in_time)}"
                     f"{within}")
    return lines


def too_slow(rows: list[StepRow], timeout_s: float | None = None) -> list[str]:
    """One line per case with a step (one request) over ``timeout_s`` (default
    :data:`SERVER_TIMEOUT_S`, gunicorn's default worker timeout, after which it kills the
    request), naming the verified setting of the same group whose steps all fit."""
    timeout_s = SERVER_TIMEOUT_S if timeout_s is None else timeout_s

    def fits(row):
        return all(step.seconds <= timeout_s for step in row.steps)

    lines = []
    for row in rows:
        over = [(i, step) for i, step in enumerate(row.steps, 1) if step.seconds > timeout_s]
        if not over:
            continue
        named = ", ".join(f"step {i} {step.seconds:.1f} s" for i, step in over)
        lines.append(f"{row.case.id}: {named}, past a {timeout_s:g} s request timeout "
                     f"(gunicorn's default): {_avoided(row, rows, fits)}")
    return lines


def _avoided(row: StepRow, rows: list[StepRow], good) -> str:
    """What avoids ``row``'s problem: the fastest verified case of its group that is
    ``good``, by the settings it changes."""
    c = row.case
    avoiding = sorted((other for other in rows if other.case.group == c.group
                       and other is not row and other.case.verified and other.case.median_s
                       and good(other)), key=lambda other: other.case.median_s)
    if not avoiding:
        return "no admin setting measured here avoids it (try skip_diff, skip_admin_confirm)"
    best = avoiding[0]
    change = _settings_change(c, best.case) or best.case.id
    shows = (f"its preview {best.preview['bytes'] / 1e6:.1f} MB, laid out in "
             f"{best.preview_s:.1f} s" if best.has_preview and best.preview_s
             else "no preview")
    steps = " + ".join(f"{step.seconds:.1f}" for step in best.steps)
    return f"{change} avoids it ({best.case.id}: {shows}; steps {steps} s, verified)"


def _settings_change(slow: CaseRecord, fix: CaseRecord) -> str:
    """The settings ``fix`` has that ``slow`` has not, as ``name=value``."""
    names = sorted(set(slow.settings) | set(fix.settings))
    return ", ".join(f"{n}={fix.settings.get(n)}" for n in names
                     if fix.settings.get(n) != slow.settings.get(n)
                     and fix.settings.get(n) not in (None, False))


def table_rows(rows: list[StepRow]) -> list[list[str]]:
    """Cells per case, as :data:`HEADERS`."""
    from .summary import fmt  # summary.py renders this table: imported when it is drawn

    def peak(step):
        if step is None or step.rss_rise_mb is None:
            return "-"
        return ("<=" if step.rss_bound else "") + format(step.rss_rise_mb, ".0f")

    out = []
    for row in rows:
        first = row.steps[0]
        second = row.steps[1] if len(row.steps) > 1 else None
        c = row.case
        out.append([c.id, fmt(first.seconds, ".3f"), fmt(first.queries_per_row, ".2f"),
                    peak(first), fmt(first.html_bytes, ",d"), fmt(row.preview_s, ".2f"),
                    fmt(second and second.seconds, ".3f"),
                    fmt(second and second.queries_per_row, ".2f"), peak(second),
                    fmt(c.median_s, ".3f"), fmt(c.speedup_vs_sequential, ".2f"),
                    c.verified_label if c.verified else "NO"])
    return out


HEADERS = ("case", "step 1 s", "step 1 q/row", "step 1 +MB", "step 1 HTML bytes",
           "preview laid out s", "step 2 s", "step 2 q/row", "step 2 +MB",
           "total s (median)", "vs seq", "verified")
#: Seconds a user is asked to wait for a page before the report calls the preview too
#: large for a browser (the page is unusable long before Chromium gives up on it; ten
#: seconds is the usual limit of a user's attention).
BROWSER_LIMIT_S = 10.0
#: gunicorn's default worker timeout (``--timeout 30``): a request longer than this is
#: killed, which is why teams raise it for imports.
SERVER_TIMEOUT_S = 30.0


def markdown_steps(cases: list[CaseRecord]) -> list[str]:
    rows = step_rows(cases)
    if not rows:
        return []
    lines = ["## The admin import, step by step", "",
             "Step 1 uploads the file and renders the preview (a dry run); step 2 confirms "
             "and imports. Step times and bytes are of the last timed round; the total is "
             "the median over the rounds. `+MB`: how far the step raised the process's "
             "resident peak, in the memory pass (a fresh process; `<=`: an upper bound, the "
             "step stayed under the first step's peak; `-`: the pass did not import the "
             "whole file, run it with `--memory-rows 0`). `preview laid out s`: the "
             "preview opened in headless Chromium, until "
             "parsed, styled and laid out (the browser pass, untimed; median of "
             "3 openings).", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(rows)]
    lines += [""] + [f"- {fastest_line(row)}" for row in fastest_verified(rows)]
    lines += [f"- **Too large for a browser**: {line}" for line in too_large(rows)]
    lines += [f"- **Too slow for one request**: {line}" for line in too_slow(rows)]
    return [*lines, ""]
