"""The tune verdict on synthetic rounds: what it crowns, what it refuses to crown."""

import json
import warnings

import pytest

from bench.results.recommend import Candidate, compare, recommend, recommendations
from bench.results.record import CaseRecord

#: verdicts over given times
pytestmark = pytest.mark.any_database


def cand(id_, times, verified=True, default=False, reason="", **settings):
    return Candidate(id_, settings or {"batch_size": int(id_[2:] or 0)}, tuple(times),
                     verified, reason, default)


FAST = [1.00, 1.02, 0.99, 1.01, 1.03]
SLOW = [1.50, 1.48, 1.55, 1.52, 1.49]


def test_a_clear_winner_is_named_with_its_margin():
    rec = recommend([cand("bs100", SLOW, default=True), cand("bs500", FAST)])
    assert rec.kind == "winner"
    assert rec.choice.id == "bs500"
    assert rec.vs_runner_up.significant and rec.vs_runner_up.p_value < 0.05
    assert rec.vs_runner_up.ratio == pytest.approx(1.50 / 1.01, rel=1e-3)
    assert rec.vs_default.slower == "bs100"
    assert "Use batch_size=500" in rec.message and "1.49x" in rec.message


def test_a_tie_within_noise_is_not_crowned_but_beats_the_slowest():
    same = [1.01, 0.98, 1.03, 1.00, 1.02]
    rec = recommend([cand("bs100", FAST), cand("bs500", same, default=True),
                     cand("bs900", SLOW)])
    assert rec.kind == "tie"
    assert [c.id for c in rec.tied] == ["bs500"]
    assert not rec.vs_runner_up.significant
    assert rec.vs_slowest.significant
    assert "within noise" in rec.message and "any of them" in rec.message


def test_when_every_setting_is_within_noise_it_says_so_and_keeps_the_defaults():
    rec = recommend([cand("bs100", [1.0, 1.3, 0.9, 1.2, 1.1]),
                     cand("bs500", [1.1, 0.95, 1.25, 1.05, 1.15], default=True),
                     cand("bs900", [1.2, 1.0, 1.1, 0.92, 1.3])])
    assert rec.kind == "noise"
    assert rec.choice.id == "bs500"  # the defaults, not the lowest median
    assert "do not matter" in rec.message and "Keep the defaults" in rec.message


def test_an_unverified_fastest_setting_is_never_recommended():
    rec = recommend([cand("bs100", [0.2, 0.21, 0.19, 0.2, 0.2], verified=False,
                          reason="books rows 3,500 vs 5,000"),
                     cand("bs500", FAST, default=True), cand("bs900", SLOW)])
    assert rec.choice.id == "bs500"
    assert [c.id for c in rec.passed_over] == ["bs100"]
    assert "not verified" in rec.message and "books rows 3,500 vs 5,000" in rec.message


def test_nothing_verified_recommends_nothing():
    rec = recommend([cand("bs100", FAST, verified=False, reason="lost rows"),
                     cand("bs500", SLOW, verified=False, reason="lost rows")])
    assert rec.kind == "none" and rec.choice is None
    assert "No setting verified" in rec.message


def test_too_few_rounds_are_never_significant_even_when_far_apart():
    rec = recommend([cand("bs100", [1.0, 1.01]), cand("bs500", [3.0, 3.1])])
    assert rec.kind == "undecided"
    assert not rec.vs_runner_up.significant
    assert "--rounds 5" in rec.message


def test_overlapping_iqrs_veto_a_small_p_value():
    # Shifted but interleaved: the U test alone could call this; the IQRs overlap.
    a = [1.00, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.07]
    b = [1.03, 1.04, 1.05, 1.06, 1.07, 1.08, 1.09, 1.10]
    comparison = compare(cand("bs1", a), cand("bs2", b))
    assert comparison.p_value < 0.05 and comparison.iqr_overlap
    assert not comparison.significant


def _case(id_, strategy, settings, times, rows=1000, verified=True, default=False):
    return CaseRecord(id=id_, strategy=strategy, scenario="create", rows=rows, profile="flat",
                      settings=settings, times=times, verified=verified,
                      settings_are_defaults=default)


def test_recommendations_group_a_summary_by_strategy_and_data():
    cases = [_case("sequential-create-1000", "sequential", {}, [5.0, 5.1, 4.9, 5.2, 5.0]),
             _case("tuned-bs100-create-1000", "tuned", {"batch_size": 100}, SLOW),
             _case("tuned-bs1000-create-1000", "tuned", {"batch_size": 1000}, FAST,
                   default=True),
             _case("tuned-bs100-create-2000", "tuned", {"batch_size": 100}, SLOW, rows=2000)]
    verdicts = recommendations(cases)
    assert len(verdicts) == 1  # 2,000 rows has one setting only: nothing to choose
    verdict = verdicts[0].as_dict()
    assert verdict["strategy"] == "tuned" and verdict["rows"] == 1000
    assert verdict["choice"] == "tuned-bs1000-create-1000"
    assert "(the defaults)" in verdict["message"]
    assert verdict["vs_sequential"]["significant"]
    assert "django-import-export's defaults" in verdict["message"]


def test_a_group_with_refused_and_unverified_settings_recommends_nothing_quietly():
    """A refused setting has no rounds: its median is unknown, not a numpy warning."""
    cases = [_case("async-chunked-a10-ts1-errors-1000", "async-chunked",
                   {"async_size": 10, "thread_sensitive": True}, SLOW, verified=False),
             CaseRecord.refusal("keys repeat across chunks",
                                id="async-chunked-a10-ts0-errors-1000",
                                strategy="async-chunked", scenario="errors", rows=1000,
                                profile="flat",
                                settings={"async_size": 10, "thread_sensitive": False})]
    cases[0].scenario = "errors"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (verdict,) = recommendations(cases)
        data = json.loads(json.dumps(verdict.as_dict()))
    assert verdict.kind == "none" and data["choice"] is None
    assert [p["median_s"] for p in data["passed_over"]] == [pytest.approx(1.50), None]


def test_a_single_verified_setting_is_named_not_crowned():
    rec = recommend([cand("bs100", FAST), cand("bs500", [0.5] * 5, verified=False,
                                                 reason="lost rows")])
    assert rec.kind == "only" and rec.choice.id == "bs100"
    assert "nothing to choose between" in rec.message
    assert [c.id for c in rec.passed_over] == ["bs500"]
