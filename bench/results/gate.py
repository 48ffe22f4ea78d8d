"""The regression gate: a small fixed matrix compared with a committed baseline.

What is compared, per case:

- deterministic figures, exactly: SQL statements sent (so one extra query per row is a
  failure), merged totals, rows written per table and the fingerprint of every written
  value, and whether the case verified;
- the instructions the case executes, counted under valgrind in the count pass
  (:mod:`bench.execute.count`): work, whatever the machine's speed. Runs of unchanged code
  moved it by 0.4% at most, so its tolerance is tight
  (:data:`MIN_INSTRUCTION_TOLERANCE`) and a change that does a quarter more work fails;
- memory, as the memory pass measures it (:mod:`bench.execute.memory`, each case in a
  fresh process): the import's Python peak (tracemalloc, repeatable to kilobytes) and the
  process's peak resident size, each allowed to grow by its tolerance plus a little room
  (:data:`MEMORY_FIGURES`), so a change that doubles what an import holds fails;
- time, as the figure that was steadiest across reruns of unchanged code for the kind of
  strategy (:data:`GATE_FIGURES`): the fastest round, divided by ``reference``'s fastest in
  the same run so that the machine's speed cancels out; CPU time (of the process and the
  workers it waited for) where the import runs in this process, wall time where it runs in
  worker processes. The baseline is measured over several runs (reruns), and each case's
  tolerance is set from how far its figure moved across them (:func:`tolerance_for`). The
  case fails when the figure grew by more than its tolerance; getting faster never fails.
  Where ``reference`` refuses the data (an ``errors`` file), there is nothing to divide by,
  and time is not compared.

The baseline file records the matrix it was measured with, so the gate re-runs exactly that
matrix (:mod:`bench.execute.regress`); ``--update-baseline`` rewrites the figures and the
tolerances, except a tolerance marked ``"tolerance_fixed": true`` by hand.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .noise import figure
from .record import CaseRecord
from .summary import Summary

FORMAT = 2
DEFAULT_BASELINE = Path("results/baseline.json")
#: The figure each kind of strategy is gated on (``CaseRecord.ran_in``). Over 13 runs of the
#: gate's matrix of unchanged code on a 2-core machine (README, *The regression gate*) the
#: fastest round over ``reference``'s moved by 1.16x for the typical case and the median by
#: 1.23x, because the noise only ever slows a round down, and a round at a time; the worst
#: cases of both stayed at 1.3-1.5x, which is why work is gated on instructions. CPU and
#: wall time moved alike in this process; across worker processes wall time was the
#: steadier (the workers' start-up is in their CPU time).
GATE_FIGURES = {"this thread": "min CPU / reference", "other threads": "min CPU / reference",
                "worker processes": "min wall / reference"}
#: The figure of a case whose kind is not known.
DEFAULT_FIGURE = "min wall / reference"
#: No time tolerance is tighter than this, however steady the reruns were. Time is the
#: backstop for what is not work (waiting for a lock, a sleep, I/O): work itself is gated on
#: instructions, so time must never cry wolf: over ten gate runs of unchanged code against a
#: baseline of three, no case's figure grew by more than 1.10x.
MIN_TOLERANCE = 1.3
#: The tolerance is the reruns' largest change stretched by this factor (a few reruns see
#: less than the largest change the machine makes).
SPREAD_MARGIN = 2.0
#: No instruction count may grow by more than this without failing (13 runs of unchanged
#: code moved it by 0.4% at most: the room is for a library or Python patch release).
MIN_INSTRUCTION_TOLERANCE = 1.02
#: Instructions a count may move by between two processes running the same import,
#: whatever its size: four counts of the same 40 rows moved by up to 0.45 million, and a
#: count under pytest by 0.27 million more than its baseline. A small case (``reference``
#: over a few rows counts about 11 million) gets this much room on top of its count, so that
#: its tolerance is not tighter than the noise: ``1 + INSTRUCTION_NOISE / count``.
INSTRUCTION_NOISE = 1_000_000
#: The tolerance of a case with a single baseline run.
DEFAULT_TOLERANCE = 1.3
TIME = "time"
INSTRUCTIONS = "instructions"
#: The memory pass's figures (:mod:`bench.execute.memory`), by the record property each
#: reads, with the absolute room each gets on top of its tolerance: tracemalloc's peak
#: repeats to a few kilobytes, a process's resident size moves by a few megabytes with
#: what the allocator and the kernel did before.
MEMORY_FIGURES = {"python memory": ("python_mb", 0.5), "resident memory": ("rss_mb", 8.0)}
#: No memory tolerance is tighter than this: a change that doubles what an import holds
#: fails by a wide margin.
MIN_MEMORY_TOLERANCE = 1.10


def tolerance_for(spread: float | None, floor: float = MIN_TOLERANCE,
                  single: float = DEFAULT_TOLERANCE) -> float:
    """The allowed growth of a figure whose reruns moved by ``spread`` (largest over
    smallest): ``1 + SPREAD_MARGIN x (spread - 1)``, at least ``floor``; ``single`` when
    there was one run."""
    if spread is None:
        return single
    return max(floor, 1 + SPREAD_MARGIN * (spread - 1))


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
    #: The time check's allowed growth of its figure.
    tolerance: float | None = None
    #: The time check's figure (``CPU / reference``, ``wall / reference``).
    measure: str | None = None

    @property
    def change(self) -> float | None:
        """Time, instruction and memory checks: how far the figure moved (now / baseline)."""
        if self.figure not in (TIME, INSTRUCTIONS, *MEMORY_FIGURES) \
                or not (self.baseline and self.now):
            return None
        return self.now / self.baseline


def exact_figures(case: CaseRecord) -> dict:
    """The figures of one case that must not change at all."""
    printed = case.fingerprint or {}
    return {"queries": case.queries, "queries_per_row": case.queries_per_row,
            "totals": case.totals, "rows_written": printed.get("counts"),
            "fingerprint": printed.get("digests"), "verified": case.verified}


def _case_baseline(runs: list[tuple[Summary, CaseRecord]], kept: dict) -> dict:
    """One case's baseline from its reruns: the exact figures of the first, and the gate
    figure of its kind with the median and spread over the reruns."""
    summary, case = runs[0]
    entry = {**exact_figures(case), "median_s": case.median_s, "cpu_s": case.cpu_median_s,
             "x_reference": case.x_reference, **_instructions(runs), **_memory(runs)}
    if case.strategy == "reference":
        return entry
    name = GATE_FIGURES.get(case.ran_in, DEFAULT_FIGURE)
    values = [figure(name, s, c) for s, c in runs]
    if not all(values):
        return {**entry, "figure": None, "value": None, "tolerance": None}
    spread = max(values) / min(values) if len(values) > 1 else None
    tolerance = tolerance_for(spread)
    if kept.get("tolerance_fixed"):
        tolerance = kept["tolerance"]
    return {**entry, "figure": name, "value": statistics.median(values),
            "values": values, "spread": spread, "tolerance": tolerance,
            "tolerance_fixed": bool(kept.get("tolerance_fixed"))}


def _instructions(runs: list[tuple[Summary, CaseRecord]]) -> dict:
    """The count pass's figure over the reruns: median, spread and tolerance."""
    counts = [c.instructions for _, c in runs]
    if not all(counts):
        return {"instructions": None}
    spread = max(counts) / min(counts) if len(counts) > 1 else None
    return {"instructions": statistics.median(counts), "instruction_counts": counts,
            "instruction_rows": runs[0][1].instruction_rows, "instruction_spread": spread,
            "instruction_tolerance": instruction_tolerance_for(min(counts), spread)}


def _memory(runs: list[tuple[Summary, CaseRecord]]) -> dict:
    """The memory pass's figures over the reruns: median, every value and tolerance."""
    entry = {}
    for prop, _room in MEMORY_FIGURES.values():
        values = [getattr(c, prop) for _, c in runs]
        if not all(values):
            continue
        spread = max(values) / min(values) if len(values) > 1 else None
        entry[prop] = {"value": statistics.median(values), "values": values,
                       "rows": runs[0][1].memory_rows,
                       "tolerance": tolerance_for(spread, MIN_MEMORY_TOLERANCE,
                                                  MIN_MEMORY_TOLERANCE)}
    return entry


def instruction_tolerance_for(count: float, spread: float | None) -> float:
    """The allowed growth of an instruction count: what the reruns' spread calls for
    (:func:`tolerance_for`), and no less than :data:`INSTRUCTION_NOISE` over the count."""
    return max(tolerance_for(spread, MIN_INSTRUCTION_TOLERANCE, MIN_INSTRUCTION_TOLERANCE),
               1 + INSTRUCTION_NOISE / count)


def make_baseline(summaries: list[Summary], matrix: dict, previous: dict | None = None
                  ) -> dict:
    """A baseline from one or more runs of the same matrix (reruns) and the matrix as saved
    in ``options.json``; tolerances marked fixed in ``previous`` are kept."""
    kept = (previous or {}).get("cases", {})
    cases = {}
    first = summaries[0]
    for case in first.cases:
        if not case.timed:
            continue  # refused: nothing to compare
        runs = [(s, c) for s in summaries for c in s.cases if c.id == case.id and c.timed]
        cases[case.id] = _case_baseline(runs, kept.get(case.id, {}))
    return {"format": FORMAT,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "environment": first.environment, "matrix": matrix, "reruns": len(summaries),
            "figures": {"by_kind": GATE_FIGURES, "min_tolerance": MIN_TOLERANCE,
                        "spread_margin": SPREAD_MARGIN},
            "cases": cases}


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
        checks += exact_checks(case_id, base, case)
        if base.get("instructions"):
            checks.append(_instruction_check(case_id, base, case))
        checks += _memory_checks(case_id, base, case)
        if case.strategy != "reference":
            checks.append(_time_check(case_id, base, summary, case))
    for case_id in sorted(set(now) - set(baseline["cases"])):
        checks.append(Check(case_id, "present", None, "new case", True,
                            note="not in the baseline; --update-baseline adds it"))
    return checks


#: The figures :func:`exact_checks` compares, in the order a reader wants them.
EXACT = ("verified", "queries", "totals", "rows_written", "fingerprint")


def exact_checks(case_id: str, base: dict, case: CaseRecord) -> list[Check]:
    """The figures of ``case`` that must equal the baseline's exactly (the statements sent,
    the totals, the rows written and their values, the verification)."""
    mine = exact_figures(case)
    checks = []
    for name in EXACT:
        note = ""
        if name == "queries" and base["queries"] != mine["queries"]:
            note = (f"{base['queries_per_row']:.4g} -> {mine['queries_per_row']:.4g} "
                    "queries per row")
        checks.append(Check(case_id, name, base[name], mine[name], base[name] == mine[name],
                            case.flame, note))
    return checks


#: What the baseline records of where it ran that moves instruction counts when it changes.
COUNTED_ENVIRONMENT = ("python", "django", "django_import_export", "db")


def environment_changes(baseline: dict, summary: Summary) -> list[str]:
    """``"django 5.2.19 -> 5.2.20"`` for every part of the environment that differs from
    the baseline's: a reader of a failure needs to know that the count moved with it."""
    before, now = baseline.get("environment", {}), summary.environment
    return [f"{key} {before.get(key)} -> {now.get(key)}" for key in COUNTED_ENVIRONMENT
            if key in before and before.get(key) != now.get(key)]


def _time_check(case_id: str, base: dict, summary: Summary, case: CaseRecord) -> Check:
    name, tolerance = base.get("figure"), base.get("tolerance")
    if name is None:
        # reference refuses this data (an errors scenario): nothing to divide by
        return Check(case_id, TIME, None, None, True, case.flame,
                     "not compared: reference refused this data in the baseline", tolerance)
    value = figure(name, summary, case)
    if not value:
        return Check(case_id, TIME, base["value"], None, False, case.flame,
                     f"no {name} in this run (reference missing?)", tolerance, name)
    change = value / base["value"]
    return Check(case_id, TIME, base["value"], value, change <= tolerance, case.flame,
                 f"{name} {change:.2f}x the baseline (tolerance {tolerance:.2f}x)",
                 tolerance, name)


def _instruction_check(case_id: str, base: dict, case: CaseRecord) -> Check:
    tolerance = base["instruction_tolerance"]
    if not case.instructions:
        return Check(case_id, INSTRUCTIONS, base["instructions"], None, False, case.flame,
                     "not counted in this run (no count pass?)", tolerance)
    change = case.instructions / base["instructions"]
    return Check(case_id, INSTRUCTIONS, base["instructions"], case.instructions,
                 change <= tolerance, case.flame,
                 f"{change:.4f}x the baseline's instructions over "
                 f"{base['instruction_rows']:,} rows (tolerance {tolerance:.2f}x)", tolerance,
                 INSTRUCTIONS)


def _memory_checks(case_id: str, base: dict, case: CaseRecord) -> list[Check]:
    """The memory pass's figures against the baseline's, where the baseline has them:
    each may grow by its tolerance plus a little room for the noise of small figures."""
    checks = []
    for name, (prop, room) in MEMORY_FIGURES.items():
        recorded = base.get(prop)
        if not recorded:
            continue
        value, tolerance = recorded["value"], recorded["tolerance"]
        now = getattr(case, prop)
        if now is None:
            checks.append(Check(case_id, name, value, None, False, case.flame,
                                "not measured in this run (no memory pass?)", tolerance))
            continue
        limit = value * tolerance + room
        checks.append(Check(case_id, name, value, now, now <= limit, case.flame,
                            f"{now:.1f} MB, {now / value:.2f}x the baseline's over "
                            f"{recorded['rows']:,} rows (limit {limit:.1f} MB: "
                            f"{tolerance:.2f}x + {room:g} MB)", tolerance, name))
    return checks


def changes(checks: list[Check], figure_name: str) -> list[float]:
    """(now / baseline) of every check of ``figure_name`` (time or instructions): how far
    this run moved from the baseline."""
    return [c.change for c in checks if c.figure == figure_name and c.change is not None]


def describe(value, figure_name: str) -> str:
    if figure_name in ("queries", INSTRUCTIONS) and isinstance(value, int | float):
        return f"{value:,.0f}"
    if figure_name == TIME and isinstance(value, float):
        return f"{value:.3f}"
    if figure_name in MEMORY_FIGURES and isinstance(value, float):
        return f"{value:.1f} MB"
    if figure_name == "fingerprint" and isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v[:10]}" for k, v in sorted(value.items())) + "}"
    return str(value)

