"""Which setting to choose, from the timed rounds of a sweep, and how sure we are.

The fastest *verified* setting (lowest median) is the candidate. Its lead over another
setting counts as real only when both tests agree: a two-sided Mann-Whitney U test over the
rounds gives p < :data:`ALPHA`, and the interquartile ranges do not overlap. Either alone is
easily fooled on a noisy machine with a handful of rounds; both together rarely are. With
fewer than :data:`MIN_ROUNDS` rounds per setting no U test can reach p < 0.05, so nothing is
called significant and the verdict says to add rounds.

Verdicts (:attr:`Recommendation.kind`):

``winner``
    the fastest verified setting beats the runner-up significantly;
``tie``
    the fastest is within noise of the runner-up (the settings tied with it are named) but
    significantly faster than the slowest verified setting;
``noise``
    every verified setting is within noise of every other: the settings do not matter here,
    keep the defaults;
``only``
    one setting verified: it is named, not compared;
``undecided``
    too few rounds to tell any difference from noise (the fastest is named, not crowned);
``none``
    no setting verified: nothing is recommended.

An unverified setting is never recommended, however fast; it is listed with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import mannwhitneyu

from .record import CaseRecord, Group

ALPHA = 0.05
#: The fewest rounds per setting with which a two-sided U test can give p < 0.05 (4 vs 4).
MIN_ROUNDS = 4


@dataclass(frozen=True)
class Candidate:
    """One setting of the sweep: its timed rounds and whether its result verified."""

    id: str
    settings: dict
    times: tuple[float, ...]
    verified: bool
    reason: str = ""
    is_default: bool = False

    @property
    def median(self) -> float | None:
        return float(np.median(self.times)) if self.times else None

    @property
    def iqr(self) -> tuple[float, float]:
        q1, q3 = np.percentile(self.times, [25, 75])
        return float(q1), float(q3)


@dataclass(frozen=True)
class Comparison:
    """``faster`` against ``slower``: how much faster, and whether that is beyond noise."""

    faster: str
    slower: str
    ratio: float
    p_value: float | None
    iqr_overlap: bool
    enough_rounds: bool

    @property
    def significant(self) -> bool:
        return (self.enough_rounds and self.p_value is not None and self.p_value < ALPHA
                and not self.iqr_overlap)

    def as_dict(self) -> dict:
        return {**self.__dict__, "significant": self.significant}

    def describe(self) -> str:
        p = "no test" if self.p_value is None else f"p={self.p_value:.3f}"
        verdict = "significant" if self.significant else "within noise"
        iqrs = "overlap" if self.iqr_overlap else "apart"
        return f"{self.ratio:.2f}x ({verdict}: {p}, IQRs {iqrs})"


def compare(faster: Candidate, slower: Candidate) -> Comparison:
    (q1a, q3a), (q1b, q3b) = faster.iqr, slower.iqr
    enough = min(len(faster.times), len(slower.times)) >= MIN_ROUNDS
    p = None
    if len(faster.times) >= 2 and len(slower.times) >= 2:
        p = float(mannwhitneyu(faster.times, slower.times, alternative="two-sided").pvalue)
    return Comparison(faster=faster.id, slower=slower.id,
                      ratio=slower.median / faster.median if faster.median else float("inf"),
                      p_value=p, iqr_overlap=q3a >= q1b and q3b >= q1a, enough_rounds=enough)


@dataclass
class Recommendation:
    kind: str
    #: The setting to use (``None`` when nothing verified); for ``noise``, the defaults.
    choice: Candidate | None
    message: str
    fastest: Candidate | None = None
    vs_runner_up: Comparison | None = None
    vs_default: Comparison | None = None
    vs_slowest: Comparison | None = None
    #: Verified settings within noise of the fastest.
    tied: list[Candidate] = field(default_factory=list)
    #: Unverified settings faster than the choice, with the reason they were passed over.
    passed_over: list[Candidate] = field(default_factory=list)
    few_rounds: bool = False

    def as_dict(self) -> dict:
        return {"kind": self.kind, "choice": self.choice and self.choice.id,
                "choice_settings": self.choice and self.choice.settings,
                "message": self.message, "fastest": self.fastest and self.fastest.id,
                "vs_runner_up": self.vs_runner_up and self.vs_runner_up.as_dict(),
                "vs_default": self.vs_default and self.vs_default.as_dict(),
                "vs_slowest": self.vs_slowest and self.vs_slowest.as_dict(),
                "tied": [c.id for c in self.tied],
                "passed_over": [{"id": c.id, "median_s": c.median, "reason": c.reason}
                                for c in self.passed_over],
                "few_rounds": self.few_rounds}


def _name(c: Candidate) -> str:
    settings = ", ".join(f"{k}={v}" for k, v in c.settings.items()) or c.id
    return f"{settings}{' (the defaults)' if c.is_default else ''}"


def recommend(candidates: list[Candidate]) -> Recommendation:
    """The verdict over one sweep: candidates that import the same data the same way."""
    verified = sorted((c for c in candidates if c.verified and c.times), key=lambda c: c.median)
    unverified = [c for c in candidates if not c.verified]
    few_rounds = any(len(c.times) < MIN_ROUNDS for c in verified)
    if not verified:
        reasons = "; ".join(f"{c.id}: {c.reason}" for c in unverified)
        return Recommendation("none", None, "No setting verified, so none is recommended. "
                              + reasons, passed_over=unverified, few_rounds=few_rounds)
    best = verified[0]
    passed_over = [c for c in unverified if c.times and c.median < best.median]
    default = next((c for c in verified if c.is_default), None)
    rec = Recommendation("", best, "", fastest=best, passed_over=passed_over,
                         few_rounds=few_rounds)
    if len(verified) > 1:
        rec.vs_runner_up = compare(best, verified[1])
        rec.vs_slowest = compare(best, verified[-1])
        rec.tied = [c for c in verified[1:] if not compare(best, c).significant]
    if default is not None and default is not best:
        rec.vs_default = compare(best, default)

    if len(verified) == 1:
        rec.kind = "only"
        rec.message = (f"Only one setting verified, so there is nothing to choose between: "
                       f"{_name(best)}, {best.median:.3f} s.")
    elif rec.vs_runner_up.significant:
        rec.kind = "winner"
        rec.message = (f"Use {_name(best)}: {best.median:.3f} s, "
                       f"faster than the runner-up, {_name(verified[1])}: "
                       f"{rec.vs_runner_up.describe()}.")
    elif rec.vs_slowest.significant:
        rec.kind = "tie"
        tied = "; ".join(_name(c) for c in rec.tied)
        rec.message = (f"{_name(best)} is fastest ({best.median:.3f} s) but within noise of "
                       f"{tied}: any of them will do. It beats the slowest, "
                       f"{_name(verified[-1])}, by {rec.vs_slowest.describe()}.")
    elif few_rounds:
        rec.kind = "undecided"
        rec.message = (f"{_name(best)} was fastest ({best.median:.3f} s), but with fewer than "
                       f"{MIN_ROUNDS} rounds per setting no difference can be told from noise: "
                       "run with --rounds 5 or more before you choose.")
    else:
        rec.kind = "noise"
        rec.choice = default or best
        rec.message = (f"The settings do not matter here: all {len(verified)} verified settings "
                       f"are within noise of each other (fastest {best.median:.3f} s, slowest "
                       f"{verified[-1].median:.3f} s, {rec.vs_slowest.describe()}). "
                       + ("Keep the defaults." if default else "Pick any."))
    if rec.vs_default is not None and rec.kind != "noise":
        rec.message += f" Against the defaults: {rec.vs_default.describe()}."
    if passed_over:
        rec.message += " Faster but not verified, so not recommended: " + "; ".join(
            f"{c.id} ({c.median:.3f} s): {c.reason}" for c in passed_over) + "."
    return rec


@dataclass
class Verdict:
    """The recommendation for one strategy over one group of cases."""

    strategy: str
    group: Group
    recommendation: Recommendation
    #: The choice against django-import-export's defaults (``sequential``), when it ran.
    vs_sequential: Comparison | None = None

    @property
    def kind(self) -> str:
        return self.recommendation.kind

    @property
    def message(self) -> str:
        return self.recommendation.message

    @property
    def title(self) -> str:
        return f"{self.strategy}: {self.group.title}"

    def as_dict(self) -> dict:
        return {"strategy": self.strategy, "scenario": self.group.scenario,
                "rows": self.group.rows, "profile": self.group.profile,
                "db_latency_ms": self.group.latency_ms, **self.recommendation.as_dict(),
                "vs_sequential": self.vs_sequential and self.vs_sequential.as_dict()}


def recommendations(cases: list[CaseRecord]) -> list[Verdict]:
    """A verdict for every strategy that ran with more than one setting on the same data."""
    groups: dict = {}
    library_defaults = {}
    for case in cases:
        if case.settings:
            groups.setdefault((case.strategy, case.group), []).append(case)
        elif case.strategy == "sequential" and case.times and case.verified:
            library_defaults[case.group] = candidate(case)
    verdicts = []
    for (strategy, group), members in groups.items():
        if len(members) < 2:
            continue
        rec = recommend([candidate(c) for c in members])
        vs_sequential = None
        if rec.choice is not None and group in library_defaults:
            vs_sequential = compare(rec.choice, library_defaults[group])
            rec.message += (f" Against django-import-export's defaults (sequential, "
                            f"{library_defaults[group].median:.3f} s): "
                            f"{vs_sequential.describe()}.")
        verdicts.append(Verdict(strategy, group, rec, vs_sequential))
    return verdicts


def candidate(case: CaseRecord) -> Candidate:
    """A case as a candidate of a verdict: its id, settings, rounds and verification."""
    return Candidate(case.id, case.settings, tuple(case.times), case.verified,
                     case.verification, case.settings_are_defaults)
