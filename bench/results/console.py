"""What the commands print: the renderers for a terminal, beside the page and the charts.

Each function takes what the run produced (a :class:`~bench.results.summary.Summary`, the
verdicts, the gate's checks, an import's report) and a rich ``Console``; none of them
measures or decides anything.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import gate
from .recommend import Verdict
from .scaling import slopes
from .summary import Summary, fmt


def console():
    """A console for standard output, 160 columns wide when it is not a terminal."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


def print_summary(summary: Summary, out) -> None:
    """A table per group, then the reason of every unverified case."""
    from rich.table import Table

    problems = []
    for group, cases in summary.grouped().items():
        table = Table(title=f"{group.title} (medians; fastest verified first)",
                      title_justify="left")
        table.add_column("case", no_wrap=True)
        for name in ("median s", "rows/s", "vs seq", "x ref", "q/row", "RSS MB", "Py MB",
                     "B/row", "overlap", "verified"):
            table.add_column(name, justify="right", no_wrap=True)
        for c in cases:
            table.add_row(c.id, fmt(c.median_s, ".3f"), fmt(c.rows_per_s, ",.0f"),
                          fmt(c.speedup_vs_sequential, ".2f"), fmt(c.x_reference, ".1f"),
                          fmt(c.queries_per_row, ".2f"), fmt(c.rss_mb, ".0f"),
                          fmt(c.python_mb, ".1f"), fmt(c.bytes_per_row, ",.0f"),
                          fmt(c.max_overlap, "d"),
                          f"[green]{c.verified_label}[/]" if c.verified else "[red]NO[/]")
            if not c.verified:
                problems.append(f"[red]{c.id}[/]: {c.verification}")
        out.print(table)
    for line in problems:
        out.print(line, highlight=False)
    print_steps(summary, out)
    print_states(summary, out)


def print_steps(summary: Summary, out) -> None:
    """The admin's cases step by step (:mod:`bench.results.steps`)."""
    from rich.markup import escape
    from rich.table import Table

    from .steps import (
        HEADERS,
        fastest_line,
        fastest_verified,
        step_rows,
        table_rows,
        too_large,
        too_slow,
    )

    rows = step_rows(summary.cases)
    if not rows:
        return
    table = Table(title="the admin import, step by step (step 1: upload and preview; "
                  "step 2: confirm)", title_justify="left")
    for i, name in enumerate(HEADERS):
        table.add_column(name, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for cells in table_rows(rows):
        table.add_row(*cells)
    out.print(table)
    for row in fastest_verified(rows):
        out.print(fastest_line(row), highlight=False)
    for line in too_large(rows):
        out.print(f"[bold red]too large for a browser[/]: {escape(line)}")
    for line in too_slow(rows):
        out.print(f"[bold red]too slow for one request[/]: {escape(line)}")


def print_states(summary: Summary, out) -> None:
    """What each starting state took to seed once and to restore before every other
    round."""
    from rich.table import Table

    if not summary.states:
        return
    table = Table(title="starting states (seeded once, restored before the other rounds)",
                  title_justify="left")
    table.add_column("state", no_wrap=True)
    for name in ("seeded s", "restores", "restore s", "seed/restore"):
        table.add_column(name, justify="right", no_wrap=True)
    for s in summary.states:
        table.add_row(s.state, fmt(s.made_s, ".3f"), str(len(s.restored)),
                      fmt(s.restore_s, ".3f"), fmt(s.saving, ".1f"))
    out.print(table)


def print_verdicts(verdicts: list[Verdict], summary: Summary, out) -> None:
    """Each verdict under a rule, then how time grows with rows when several ran."""
    for verdict in verdicts:
        out.rule(verdict.title)
        out.print(f"[bold]{verdict.kind}[/]: {verdict.message}", highlight=False)
    fits = slopes(summary.cases)
    if fits:
        out.rule("how time grows with rows (log-log slope; 1 is linear)")
        for fit in fits:
            out.print(f"{fit['variant']} ({fit['scenario']}): {fit['slope']:.2f}, "
                      f"{fit['growth']}", highlight=False)


def print_gate(checks: list[gate.Check], run_dir: Path, out) -> None:
    """The gate's table (each case's time figure, baseline -> now), the largest change, and
    one line per failed figure with the flame report to open."""
    from rich.table import Table

    failures = [c for c in checks if not c.ok]
    changes = gate.changes(checks, gate.TIME)
    counted = gate.changes(checks, gate.INSTRUCTIONS)
    table = Table(title="regression gate: instructions and each case's time figure, "
                  "baseline -> now", title_justify="left")
    for name in ("case", "queries", "instructions", "tolerance", "Python MB", "RSS MB",
                 "time figure", "baseline", "now", "change", "tolerance", "status"):
        table.add_column(name, justify="left" if name in ("case", "time figure")
                         else "right")
    by_case: dict = {}
    for c in checks:
        by_case.setdefault(c.case, []).append(c)
    for case, mine in by_case.items():
        bad = [c for c in mine if not c.ok]
        queries = next((c for c in mine if c.figure == "queries"), None)
        timed = next((c for c in mine if c.figure == gate.TIME), None)
        work = next((c for c in mine if c.figure == gate.INSTRUCTIONS), None)
        held = {c.figure: c for c in mine if c.figure in gate.MEMORY_FIGURES}

        def memory(name, held=held):
            check = held.get(name)
            if check is None or check.now is None:
                return "-"
            return f"{check.baseline:.1f} -> {check.now:.1f}"

        table.add_row(
            case, "-" if queries is None else f"{queries.now:,}",
            "-" if work is None or work.change is None else f"{work.change:.4f}x",
            "-" if work is None else f"{work.tolerance:.2f}x",
            memory("python memory"), memory("resident memory"),
            "-" if timed is None or timed.measure is None else timed.measure,
            "-" if timed is None or timed.baseline is None else f"{timed.baseline:.3f}",
            "-" if timed is None or timed.now is None else f"{timed.now:.3f}",
            "-" if timed is None or timed.change is None else f"{timed.change:.2f}x",
            "-" if timed is None or timed.tolerance is None else f"{timed.tolerance:.2f}x",
            "[red]FAIL[/]" if bad else "[green]ok[/]")
    out.print(table)
    if counted:
        out.print(f"largest instruction change against the baseline: {max(counted):.4f}x "
                  f"(smallest {min(counted):.4f}x)", highlight=False)
    for name in gate.MEMORY_FIGURES:
        moved = gate.changes(checks, name)
        if moved:
            out.print(f"largest {name} change against the baseline: {max(moved):.2f}x "
                      f"(smallest {min(moved):.2f}x)", highlight=False)
    if changes:
        out.print(f"largest time change against the baseline: {max(changes):.2f}x "
                  f"(smallest {min(changes):.2f}x)", highlight=False)
    for c in failures:
        flame = f"\n    flame report: {run_dir / c.flame}" if c.flame else ""
        out.print(f"[red]REGRESSION[/] {c.case}: {c.figure}: baseline "
                  f"{gate.describe(c.baseline, c.figure)} -> now "
                  f"{gate.describe(c.now, c.figure)}"
                  + (f" ({c.note})" if c.note else "") + flame, highlight=False)
    if failures:
        out.print(f"[red]{len(failures)} figure(s) regressed[/]; if the change is "
                  "intended: nox -s regress -- --update-baseline")
    else:
        out.print(f"[green]no regression[/] in {len(checks)} figures; report: "
                  f"{run_dir / 'report.html'}")


def print_calibration(report: dict, out) -> None:
    """The verdict's false positives per schedule, then the noise floor of every case."""
    from rich.table import Table

    schedules = [s for s in report if s not in ("drift", "runs")]
    table = Table(title="A/A: the same setting compared with itself"
                  + (" (with drift)" if report.get("drift") else ""), title_justify="left")
    for name in ("schedule", "A/A pairs", "significant", "false-positive rate",
                 "false winners"):
        table.add_column(name, justify="left" if name == "schedule" else "right")
    for schedule in schedules:
        r = report[schedule]
        table.add_row(schedule, str(r["pairs"]), str(r["significant"]),
                      fmt(r["false_positive_rate"], ".1%"),
                      f"{r['false_winners']} of {r['verdicts']}")
    out.print(table)
    for schedule in schedules:
        r = report[schedule]
        noise = Table(title=f"noise floor, {schedule} rounds: spread of the rounds (IQR / "
                      "median) and of the replicas' medians (largest / smallest)",
                      title_justify="left")
        for name in ("case", "rounds", "replicas, wall", "replicas, CPU"):
            noise.add_column(name, justify="left" if name == "case" else "right")
        for case, spread in sorted(r["round_spread"].items()):
            noise.add_row(case, f"{spread:.1%}",
                          fmt(r["replica_spread"]["wall"].get(case), ".3f"),
                          fmt(r["replica_spread"]["CPU"].get(case), ".3f"))
        out.print(noise)


def import_report_lines(report, rows: int, where: str, max_errors: int) -> list[str]:
    """What ``import`` prints about one import: totals, failed chunks, problems by row and
    column (at most ``max_errors``; 0: all), and the verification."""
    result = report.outcome.result
    totals = ", ".join(f"{k} {v:,}" for k, v in result.totals.items() if v)
    lines = [f"{report.strategy}: {rows:,} rows; {totals or 'nothing imported'}; "
             f"{report.stored:,} {report.stored_label} in the database ({where})"]
    for chunk in report.outcome.failed_chunks:
        lines.append(f"  chunk {chunk.index} (rows {chunk.first_row:,}-{chunk.last_row:,}) "
                     f"failed: {chunk.error}")
    shown = report.problems if not max_errors else report.problems[:max_errors]
    if report.problems:
        lines.append(f"{len(report.problems):,} problem(s):")
        lines += [f"  {problem}" for problem in shown]
        if len(shown) < len(report.problems):
            lines.append(f"  ... and {len(report.problems) - len(shown):,} more "
                         "(--max-errors 0 shows all)")
    if report.verification is not None:
        verdict = "verified" if report.verification.verified else "NOT verified"
        lines.append(f"against sequential: {verdict}: {report.verification.reason}")
    return lines


class Progress:
    """A rich progress bar over the cases of a run; case lines and failures print above it."""

    def __init__(self, total: int):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        out = Console(file=sys.__stderr__, width=None if sys.__stderr__.isatty() else 160)
        self.bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                       console=out, transient=False)
        self.task = self.bar.add_task("cases", total=total)
        self.bar.start()

    def print(self, line: str) -> None:
        self.bar.console.print(line, highlight=False, markup=False)

    def advance(self, case_id: str) -> None:
        self.bar.update(self.task, advance=1, description=case_id)

    def status(self, text: str) -> None:
        self.bar.update(self.task, description=text)

    def stop(self) -> None:
        self.bar.stop()
