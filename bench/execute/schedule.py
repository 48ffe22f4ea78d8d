"""The order in which the timed rounds of the cases being compared run.

A machine's speed drifts: another tenant starts, the CPU warms, the page cache fills. When
every round of one setting runs before the next setting starts (*blocked*), that drift lands
on whichever setting happened to run during it and can pass for a real difference. Run
*interleaved* (the default), round 1 of every case comes first, then round 2, and so on, each
round's order shuffled with a recorded seed, so drift falls on every setting alike. A case
with more rounds than the others (``reference``, the yardstick) takes its extra rounds inside
the same rounds.

Only cases that import the same data under the same conditions are compared with each other
(a :class:`~bench.results.record.Group`), so a run interleaves each group's cases and runs
the groups one after another.
"""

from __future__ import annotations

import random
from collections.abc import Callable

SCHEDULES = ("interleaved", "blocked")


def plan(rounds: dict[str, int], schedule: str, rng: random.Random,
         first: str | None = None) -> list[str]:
    """Case ids in the order their timed rounds run, one entry per round.

    ``rounds`` gives each case's number of rounds, in the order the cases were listed;
    ``first``, if given, runs first in round 1 (the case whose first round is the baseline
    the others are verified against).
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
    if schedule == "blocked":
        return [case for case, count in rounds.items() for _ in range(count)]
    base = min(rounds.values())
    order: list[str] = []
    for number in range(base):
        this_round = []
        for case, count in rounds.items():
            extra = 1 if number < count % base else 0
            this_round += [case] * (count // base + extra)
        rng.shuffle(this_round)
        if number == 0 and first in this_round:
            this_round.remove(first)
            this_round.insert(0, first)
        order += this_round
    return order


def run_rounds(runners: dict, order: list[str],
               on_round: Callable[[str, int, int], None] = lambda case, done, total: None
               ) -> None:
    """Run every round in ``order``: untimed setup, the timed part, then the runner's
    ``after_round`` (which verifies a case after its last round)."""
    left = {case: order.count(case) for case in runners}
    total = len(order)
    for done, case in enumerate(order, start=1):
        runner = runners[case]
        args, _ = runner.setup()
        runner.timed(*args)
        left[case] -= 1
        runner.after_round(last=left[case] == 0)
        on_round(case, done, total)
