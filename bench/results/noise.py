"""How noisy the figures of a run are, from the runs themselves.

Three questions, each answered from run summaries alone:

- **round spread**: how far a case's rounds scatter in one run (the interquartile range
  over the median);
- **rerun spread**: how far a figure of the same case moves between runs of unchanged code
  (the largest value over the smallest), for each candidate figure the regression gate
  could compare: wall time or CPU time, the median round or the fastest, absolute or
  divided by ``reference``'s in the same run. The gate compares the steadiest, with a
  tolerance set from this spread;
- **false positives**: in an A/A experiment, where the same setting is entered several times
  as if different (replicas), every difference the verdict calls significant is a false
  one; their share is the verdict's false-positive rate.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from .recommend import Comparison, candidate, compare, recommend
from .record import CaseRecord, Group, quartiles
from .summary import Summary


def _yardstick(summary: Summary, group: Group) -> CaseRecord | None:
    return next((c for c in summary.cases if c.strategy == "reference" and c.group == group
                 and c.timed and c.settings.get("replica", 1) == 1), None)


def _ratio(value, reference) -> float | None:
    return value / reference if value and reference else None


#: Figures the gate could compare, by name: ``figure(case, reference)``, ``None`` when the
#: case (or its yardstick) lacks it.
FIGURES: dict[str, Callable[[CaseRecord, CaseRecord | None], float | None]] = {
    "wall / reference": lambda c, r: _ratio(c.median_s, r and r.median_s),
    "CPU / reference": lambda c, r: _ratio(c.cpu_median_s, r and r.cpu_median_s),
    "min wall / reference": lambda c, r: _ratio(c.min_s, r and r.min_s),
    "min CPU / reference": lambda c, r: _ratio(c.cpu_min_s, r and r.cpu_min_s),
    "wall": lambda c, r: c.median_s,
    "CPU": lambda c, r: c.cpu_median_s,
    "min wall": lambda c, r: c.min_s,
    "min CPU": lambda c, r: c.cpu_min_s,
    "instructions": lambda c, r: c.instructions,
}


def figure(name: str, summary: Summary, case: CaseRecord) -> float | None:
    return FIGURES[name](case, _yardstick(summary, case.group))


def round_spread(case: CaseRecord) -> float | None:
    """The interquartile range of the rounds over their median."""
    if len(case.times) < 2:
        return None
    q1, q3 = quartiles(case.times)
    return (q3 - q1) / statistics.median(case.times)


@dataclass(frozen=True)
class Spread:
    """A figure of one case across reruns."""

    case: str
    figure: str
    values: tuple[float, ...]

    @property
    def ratio(self) -> float:
        """The largest value over the smallest: the largest change a gate comparing two of
        these runs would see."""
        return max(self.values) / min(self.values)


def rerun_spreads(summaries: list[Summary]) -> list[Spread]:
    """Every candidate figure of every case timed in all the runs, across the runs."""
    per_run = [{c.id: (s, c) for c in s.cases if c.timed} for s in summaries]
    common = set.intersection(*(set(run) for run in per_run)) if per_run else set()
    spreads = []
    for case_id in sorted(common):
        for name in FIGURES:
            values = [figure(name, *run[case_id]) for run in per_run]
            if all(v for v in values):
                spreads.append(Spread(case_id, name, tuple(values)))
    return spreads


def aa_comparisons(summary: Summary) -> list[Comparison]:
    """Every pair of replicas of the same case: each is a comparison of a setting with
    itself, so each one found significant is a false positive."""
    replicas: dict = {}
    for case in summary.cases:
        if case.timed and case.verified and "replica" in case.settings:
            base = {k: v for k, v in case.settings.items() if k != "replica"}
            replicas.setdefault((case.strategy, case.group, str(sorted(base.items()))),
                                []).append(case)
    found = []
    for cases in replicas.values():
        for a, b in itertools.combinations(cases, 2):
            first, second = sorted((candidate(a), candidate(b)), key=lambda c: c.median)
            found.append(compare(first, second))
    return found


def false_winners(summary: Summary) -> tuple[int, int]:
    """(verdicts that crowned a replica over another, verdicts) over the run's A/A groups."""
    groups: dict = {}
    for case in summary.cases:
        if case.timed and case.verified and "replica" in case.settings:
            groups.setdefault((case.strategy, case.group), []).append(candidate(case))
    kinds = [recommend(cases).kind for cases in groups.values() if len(cases) > 1]
    return sum(k in ("winner", "tie") for k in kinds), len(kinds)


def replica_spread(summary: Summary, figure_name: str) -> dict[str, float]:
    """For each strategy variant and group of an A/A run, the largest replica's figure over
    the smallest: what a rerun of unchanged code can move it by, seen within one run."""
    values: dict = {}
    for case in summary.cases:
        if case.timed and "replica" in case.settings:
            value = figure(figure_name, summary, case)
            if value:
                values.setdefault(case.id.replace(f"-r{case.settings['replica']}", ""),
                                  []).append(value)
    return {name: max(v) / min(v) for name, v in values.items() if len(v) > 1}


def calibration(runs: dict[str, Summary]) -> dict:
    """What ``calibrate`` reports, by schedule: false positives of the verdict among
    replicas, and the noise floor of each case (rounds, and replicas for each figure)."""
    report = {}
    for schedule, summary in runs.items():
        comparisons = aa_comparisons(summary)
        significant = sum(c.significant for c in comparisons)
        winners, verdicts = false_winners(summary)
        rounds = {}
        for case in summary.cases:
            spread = round_spread(case) if "replica" in case.settings else None
            if spread is not None:
                rounds.setdefault(case.id.replace(f"-r{case.settings['replica']}", ""),
                                  []).append(spread)
        report[schedule] = {
            "pairs": len(comparisons), "significant": significant,
            "false_positive_rate": significant / len(comparisons) if comparisons else None,
            "false_winners": winners, "verdicts": verdicts,
            "round_spread": {k: statistics.median(v) for k, v in rounds.items()},
            "replica_spread": {name: replica_spread(summary, name)
                               for name in ("wall", "CPU")},
        }
    return report
