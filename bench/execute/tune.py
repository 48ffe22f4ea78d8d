"""``tune``: sweep one strategy's knobs and say which setting to choose.

A tune is a benchmark run (:mod:`bench.execute.run`) over a matrix that varies only the knobs
the strategy declares (and, for a chunked strategy, those of the strategies its chunks run),
always including their defaults, plus ``sequential`` (django-import-export's defaults) and
``reference`` as yardsticks. Every case is verified as in any run; the verdict comes from
:mod:`bench.results.recommend` and the run folder gets the same ``report.html`` as any run.
"""

from __future__ import annotations

from ..results.recommend import Verdict, recommendations
from ..results.summary import Summary
from ..strategies import Knob, Settings, get, tunable
from .matrix import MatrixOptions

YARDSTICKS = ("sequential", "reference")
#: Tuning compares settings, which takes rounds: fewer than 4 cannot tell them apart.
DEFAULT_ROUNDS = 5
DEFAULT_SCENARIOS = ["create"]


def with_default(values: list, default) -> list:
    """The values plus the default, which every verdict is measured against."""
    values = list(dict.fromkeys(values))
    if default not in values:
        values.append(default)
    if all(isinstance(v, bool) for v in values):
        return values
    return sorted(values)


def swept_knobs(strategy: str, given: dict[str, list | None]) -> list[Knob]:
    """The strategy's knobs, plus the knobs of every strategy its chunks may run (the
    values of ``inner`` given, else the default)."""
    impl = get(strategy)
    found: dict[str, Knob] = {k.name: k for k in impl.knobs}
    inner = found.get("inner")
    for value in (given.get("inner") or [inner.default_value()]) if inner else []:
        for knob in impl.knobs_given(Settings(inner=value)):
            found.setdefault(knob.name, knob)
    return list(found.values())


def sweep_options(strategy: str, given: dict[str, list | None], **common) -> MatrixOptions:
    """The matrix of a tune of ``strategy``.

    ``given`` holds the user's values by knob name; a knob with none is swept over the
    values it declares, and the default is always among them. A knob that declares nothing
    to sweep (``inner``) is held at the user's values, or its default. ``common`` holds the
    other MatrixOptions fields (rows, rounds, ...).
    """
    if strategy not in tunable():
        raise ValueError(f"{strategy!r} has no settings to tune; tune one of "
                         f"{', '.join(tunable())}")
    knobs = {}
    for knob in swept_knobs(strategy, given):
        if knob.sweep:
            knobs[knob.name] = with_default(given.get(knob.name) or list(knob.sweep),
                                            knob.default_value())
        else:
            knobs[knob.name] = list(given.get(knob.name) or [knob.default_value()])
    return MatrixOptions(strategies=[*YARDSTICKS, strategy], knobs=knobs, **common)


def verdicts_for(strategy: str, summary: Summary) -> list[Verdict]:
    return [v for v in recommendations(summary.cases) if v.strategy == strategy]
