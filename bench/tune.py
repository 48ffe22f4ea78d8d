"""``python -m bench tune``: sweep one strategy's settings and say which to choose.

A tune is a benchmark run (``bench.run``) over a matrix that varies only the settings the
strategy reads, always including their defaults (:class:`~bench.strategies.Settings`), plus
``sequential`` (django-import-export's defaults) and ``reference`` as yardsticks. Every case
is verified as in any run; the verdict comes from ``bench.recommend`` and the run folder gets
the same ``report.html`` as any run.
"""

from __future__ import annotations

from .matrix import MatrixOptions
from .strategies import Settings

#: What each strategy can tune, and the values swept when the user gives none.
SWEEPS: dict[str, dict[str, list]] = {
    "bulk": {"batch_sizes": [100, 500, 1000, 5000]},
    "tuned": {"batch_sizes": [100, 500, 1000, 5000]},
    "async-chunked": {"async_sizes": [2, 5, 10, 20], "thread_sensitive": [True, False],
                      "batch_sizes": [100, 1000, 5000]},
    "process-chunked": {"workers": [1, 2, 4], "batch_sizes": [100, 1000, 5000]},
}
#: MatrixOptions field -> Settings field.
FIELDS = {"batch_sizes": "batch_size", "async_sizes": "async_size",
          "thread_sensitive": "thread_sensitive", "workers": "workers"}
YARDSTICKS = ("sequential", "reference")


def _with_default(values: list, default) -> list:
    """The user's values plus the default, which every verdict is measured against."""
    values = list(dict.fromkeys(values))
    if default not in values:
        values.append(default)
    if all(isinstance(v, bool) for v in values):
        return values
    return sorted(values)


def sweep_options(strategy: str, given: dict, **common) -> MatrixOptions:
    """The matrix of a tune of ``strategy``.

    ``given`` holds the user's values for MatrixOptions' setting lists (``batch_sizes``,
    ``async_sizes``, ``thread_sensitive``, ``workers``); a missing or ``None`` one is swept
    over :data:`SWEEPS`. ``common`` holds the other MatrixOptions fields (rows, rounds, ...).
    Batch sizes are swept for a chunked strategy only when its chunks batch (``inner`` is
    not ``sequential``).
    """
    if strategy not in SWEEPS:
        raise ValueError(f"{strategy!r} has no settings to tune; tune one of "
                         f"{', '.join(SWEEPS)}")
    defaults = Settings()
    chosen = {}
    inner = common.get("inner") or ["sequential"]
    for name, values in SWEEPS[strategy].items():
        default = getattr(defaults, FIELDS[name])
        if (name == "batch_sizes" and strategy in ("async-chunked", "process-chunked")
                and inner == ["sequential"]):
            chosen[name] = [default]  # no batches inside a sequential chunk
            continue
        chosen[name] = _with_default(given.get(name) or values, default)
    strategies = [*YARDSTICKS, strategy]
    return MatrixOptions(strategies=strategies, **chosen, **common)


def verdicts_for(strategy: str, summary: dict) -> list[dict]:
    from .recommend import recommendations

    return [v for v in recommendations(summary["cases"]) if v["strategy"] == strategy]
