"""The regression gate: a small fixed matrix compared with a committed baseline.

What is compared, per case:

- deterministic figures, exactly: SQL statements sent (so one extra query per row is a
  failure), merged totals, rows written per table and the fingerprint of every written
  value, and whether the case verified;
- time, as a ratio: the case's median divided by ``reference``'s median *in the same run*
  (the machine's speed cancels out), against the same ratio in the baseline. The case fails
  when that ratio grew by more than its tolerance (per case in the baseline file, default
  :data:`DEFAULT_TOLERANCE`); getting faster never fails.

The baseline file records the matrix it was measured with, so the gate re-runs exactly that
matrix (:mod:`bench.execute.regress`); ``--update-baseline`` rewrites the figures and keeps
tolerances edited by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .record import CaseRecord
from .summary import Summary

FORMAT = 1
DEFAULT_BASELINE = Path("results/baseline.json")
#: A case fails when (its time / reference's) grew by more than this factor. Medians of
#: five rounds on this 2-core machine moved by up to ~15% between runs; a 1.5x slowdown of
#: one strategy is well beyond 1.3.
DEFAULT_TOLERANCE = 1.3


class BaselineMissing(Exception):
    pass


@dataclass
class Check:
    case: str
    figure: str
    baseline: object
    now: object
    ok: bool
    flame: str | None = None
    note: str = ""
    #: The time check's allowed growth of the ratio to reference.
    tolerance: float | None = None

    @property
    def change(self) -> float | None:
        """Time checks: how far the ratio to reference moved (now / baseline)."""
        if self.figure != "time vs reference" or not (self.baseline and self.now):
            return None
        return self.now / self.baseline


def _figures(case: CaseRecord) -> dict:
    """The figures of one case that a baseline keeps."""
    printed = case.fingerprint or {}
    return {"queries": case.queries, "queries_per_row": case.queries_per_row,
            "totals": case.totals, "rows_written": printed.get("counts"),
            "fingerprint": printed.get("digests"), "verified": case.verified,
            "median_s": case.median_s, "x_reference": case.x_reference}


def make_baseline(summary: Summary, matrix: dict, previous: dict | None = None) -> dict:
    """A baseline from a run's summary and the matrix it ran (as saved in ``options.json``),
    keeping the per-case tolerances of ``previous``."""
    kept = (previous or {}).get("cases", {})
    cases = {}
    for case in summary.cases:
        if not case.timed:
            continue  # refused: nothing to compare
        tolerance = kept.get(case.id, {}).get("tolerance", DEFAULT_TOLERANCE)
        cases[case.id] = {**_figures(case), "tolerance": tolerance}
    return {"format": FORMAT,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "environment": summary.environment, "matrix": matrix,
            "default_tolerance": DEFAULT_TOLERANCE, "cases": cases}


def load_baseline(path: Path) -> dict:
    if not path.exists():
        raise BaselineMissing(
            f"no baseline at {path}. Create one on this machine with "
            "'nox -s regress -- --update-baseline' (or 'python -m bench regress "
            "--update-baseline'), check its figures, and commit it.")
    baseline = json.loads(path.read_text())
    if baseline.get("format") != FORMAT:
        raise BaselineMissing(f"{path} has format {baseline.get('format')!r}, this version "
                              f"reads {FORMAT}: rewrite it with --update-baseline")
    return baseline


def save_baseline(baseline: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline, indent=2, sort_keys=True) + "\n")


def check(baseline: dict, summary: Summary) -> list[Check]:
    """Every figure of every baseline case against the run; failures have ``ok`` False."""
    now = {c.id: c for c in summary.cases}
    checks = []
    for case_id, base in sorted(baseline["cases"].items()):
        case = now.get(case_id)
        if case is None or not case.timed:
            reason = "not run" if case is None else case.verification
            checks.append(Check(case_id, "present", "measured", reason, False))
            continue
        mine, flame = _figures(case), case.flame
        for figure in ("verified", "queries", "totals", "rows_written", "fingerprint"):
            note = ""
            if figure == "queries" and base["queries"] != mine["queries"]:
                note = (f"{base['queries_per_row']:.3f} -> {mine['queries_per_row']:.3f} "
                        "queries per row")
            checks.append(Check(case_id, figure, base[figure], mine[figure],
                                base[figure] == mine[figure], flame, note))
        if case.strategy != "reference":
            checks.append(_time_check(case_id, base, mine, flame,
                                      base.get("tolerance", DEFAULT_TOLERANCE)))
    for case_id in sorted(set(now) - set(baseline["cases"])):
        checks.append(Check(case_id, "present", None, "new case", True,
                            note="not in the baseline; --update-baseline adds it"))
    return checks


def _time_check(case_id, base, mine, flame, tolerance) -> Check:
    if not base.get("x_reference") and not mine.get("x_reference"):
        # reference refuses this data (an errors scenario): nothing to divide by, then or now
        return Check(case_id, "time vs reference", None, None, True, flame,
                     "not compared: reference refused this data in the baseline and now",
                     tolerance)
    if not base.get("x_reference") or not mine.get("x_reference"):
        return Check(case_id, "time vs reference", base.get("x_reference"),
                     mine.get("x_reference"), False, flame, "no reference case to divide by",
                     tolerance)
    change = mine["x_reference"] / base["x_reference"]
    return Check(case_id, "time vs reference", base["x_reference"], mine["x_reference"],
                 change <= tolerance, flame,
                 f"{change:.2f}x the baseline ratio (tolerance {tolerance:.2f}x)", tolerance)


def time_changes(checks: list[Check]) -> list[float]:
    """(now / baseline) of every time check: how far this run moved from the baseline."""
    return [c.change for c in checks if c.change is not None]


def describe(value, figure: str) -> str:
    if figure == "queries" and isinstance(value, int):
        return f"{value:,}"
    if figure == "time vs reference" and isinstance(value, float):
        return f"{value:.2f}x reference"
    if figure == "fingerprint" and isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v[:10]}" for k, v in sorted(value.items())) + "}"
    return str(value)
