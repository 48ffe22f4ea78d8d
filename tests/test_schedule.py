"""The order of timed rounds: every round planned once, the yardstick's extra rounds inside
the same rounds, the baseline's first round first; and, on simulated drift, that blocked
rounds make false winners of identical settings while interleaved rounds do not."""

import random
from collections import Counter

import pytest

from bench.execute.schedule import plan, run_rounds
from bench.results.noise import aa_comparisons, false_winners
from bench.results.record import CaseRecord
from bench.results.summary import Summary

#: the order of rounds
pytestmark = pytest.mark.any_database

ROUNDS = {"sequential": 5, "reference": 15, "tuned": 5, "bulk": 5}


def test_interleaved_rounds_hold_every_case_once_per_round():
    order = plan(ROUNDS, "interleaved", random.Random(3), first="sequential")
    assert Counter(order) == ROUNDS
    assert order[0] == "sequential"
    rounds = [order[i:i + 6] for i in range(0, len(order), 6)]  # 1 + 3 + 1 + 1 per round
    for one_round in rounds:
        assert Counter(one_round) == {"sequential": 1, "reference": 3, "tuned": 1, "bulk": 1}
    assert plan(ROUNDS, "interleaved", random.Random(3), first="sequential") == order
    assert plan(ROUNDS, "interleaved", random.Random(4), first="sequential") != order


def test_blocked_rounds_run_each_case_to_the_end_in_turn():
    order = plan(ROUNDS, "blocked", random.Random(3))
    assert order == [case for case, count in ROUNDS.items() for _ in range(count)]
    with pytest.raises(ValueError, match="unknown schedule"):
        plan(ROUNDS, "random", random.Random(3))


def test_run_rounds_verifies_each_case_after_its_last_round():
    events = []

    class Runner:
        def __init__(self, name):
            self.name = name

        def setup(self):
            events.append(("setup", self.name))
            return (), {}

        def timed(self):
            events.append(("timed", self.name))

        def after_round(self, last):
            events.append(("last" if last else "round", self.name))

    order = ["a", "b", "a", "b", "b"]
    seen = []
    run_rounds({"a": Runner("a"), "b": Runner("b")}, order,
               lambda case, done, total: seen.append((case, done, total)))
    assert [e for e in events if e[0] in ("last", "round")] == [
        ("round", "a"), ("round", "b"), ("last", "a"), ("round", "b"), ("last", "b")]
    assert events[:2] == [("setup", "a"), ("timed", "a")]
    assert seen[-1] == ("b", 5, 5)


def _simulated_run(schedule: str, seed: int, replicas=5, rounds=5) -> Summary:
    """Replicas of one setting timed under drift: the machine is 40% slower during the
    middle third of the run, plus 2% of jitter on every round."""
    rng = random.Random(seed)
    ids = [f"tuned-bs1000-r{i}-create-100" for i in range(1, replicas + 1)]
    order = plan({i: rounds for i in ids}, schedule, rng)
    times = {i: [] for i in ids}
    for slot, case in enumerate(order):
        slow = len(order) / 3 <= slot < 2 * len(order) / 3
        times[case].append((1.4 if slow else 1.0) * rng.gauss(1.0, 0.02))
    cases = [CaseRecord(id=i, strategy="tuned", scenario="create", rows=100, profile="flat",
                        settings={"batch_size": 1000, "replica": n}, times=times[i],
                        verified=True) for n, i in enumerate(ids, start=1)]
    return Summary({}, True, cases)


def test_under_drift_blocked_rounds_crown_false_winners_and_interleaved_do_not():
    blocked = [_simulated_run("blocked", seed) for seed in range(20)]
    interleaved = [_simulated_run("interleaved", seed) for seed in range(20)]

    def rate(runs):
        pairs = [c for run in runs for c in aa_comparisons(run)]
        assert len(pairs) == 20 * 10
        return sum(c.significant for c in pairs) / len(pairs)

    assert rate(blocked) > 0.2
    assert rate(interleaved) <= 0.05
    assert sum(false_winners(run)[0] for run in blocked) >= 10
    assert sum(false_winners(run)[0] for run in interleaved) <= 1
