"""pytest-benchmark's timer for rounds that were timed before the test ran.

The suite times the rounds of a group's cases interleaved (:mod:`bench.execute.schedule`),
then hands each case's durations to pytest-benchmark, so that its statistics, table and
``benchmark.json`` are the usual ones. The run passes ``--benchmark-timer`` this module's
:func:`clock`; :func:`play` sets it to a duration and :func:`rewind` back to zero, so a round
measured as ``end - start`` is exactly the duration played.
"""

from __future__ import annotations

_now = 0.0


def clock() -> float:
    return _now


def rewind() -> None:
    global _now
    _now = 0.0


def play(duration: float) -> None:
    global _now
    _now = duration


def replay(benchmark, durations: list[float]) -> None:
    """``benchmark.pedantic`` over ``durations``: one round each, in order."""
    pending = iter(durations)

    def setup():
        rewind()
        return (next(pending),), {}

    benchmark.pedantic(play, setup=setup, rounds=len(durations), iterations=1)
