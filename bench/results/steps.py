"""Imports in steps: the admin's preview and confirmation, each with its own figures.

A case of the ``admin`` strategy records one chunk fact per step of its last timed round
(:mod:`bench.strategies.builtin.admin`): the upload and preview, then the confirmation (one
step when the confirmation is skipped). :func:`step_rows` gives, per case, each step's
seconds, statements per row of the file and bytes of HTML, beside the case's median total
and its speed against ``sequential``; :func:`markdown_steps` is the table ``summary.md``
and the console show.
"""

from __future__ import annotations

from dataclasses import dataclass

from .record import CaseRecord

#: The strategy whose chunk facts are steps.
STEPPED = "admin"


@dataclass(frozen=True)
class StepRow:
    case: CaseRecord
    #: ``(seconds, statements per row, HTML bytes)`` of each step, in order.
    steps: tuple[tuple[float, float, int | None], ...]


def step_rows(cases: list[CaseRecord]) -> list[StepRow]:
    rows = []
    for case in cases:
        if case.strategy != STEPPED or not case.chunk_facts or not case.rows:
            continue
        rows.append(StepRow(case, tuple(
            (f.end - f.start, f.queries / case.rows, f.response_bytes)
            for f in sorted(case.chunk_facts, key=lambda f: f.index))))
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


def table_rows(rows: list[StepRow]) -> list[list[str]]:
    """Cells per case: case, step 1 s, q/row, HTML bytes, step 2 s, q/row, total, vs seq,
    verified."""
    from .summary import fmt  # summary.py renders this table: imported when it is drawn

    out = []
    for row in rows:
        first = row.steps[0]
        second = row.steps[1] if len(row.steps) > 1 else (None, None, None)
        c = row.case
        out.append([c.id, fmt(first[0], ".3f"), fmt(first[1], ".2f"), fmt(first[2], ",d"),
                    fmt(second[0], ".3f"), fmt(second[1], ".2f"), fmt(c.median_s, ".3f"),
                    fmt(c.speedup_vs_sequential, ".2f"),
                    c.verified_label if c.verified else "NO"])
    return out


HEADERS = ("case", "step 1 s", "step 1 q/row", "step 1 HTML bytes", "step 2 s",
           "step 2 q/row", "total s (median)", "vs seq", "verified")


def markdown_steps(cases: list[CaseRecord]) -> list[str]:
    rows = step_rows(cases)
    if not rows:
        return []
    lines = ["## The admin import, step by step", "",
             "Step 1 uploads the file and renders the preview (a dry run); step 2 confirms "
             "and imports. Step times and bytes are of the last timed round; the total is "
             "the median over the rounds.", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(rows)]
    lines += [""] + [f"- {fastest_line(row)}" for row in fastest_verified(rows)]
    return [*lines, ""]
