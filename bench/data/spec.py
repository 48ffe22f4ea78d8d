"""What a generated dataset of a benchmark matrix is: :class:`DatasetSpec`, and
:func:`export` to write a dataset in a file format.

A matrix case without a file of the user's imports a file the resource generator
(:mod:`bench.data.synth`) makes for one of the project's configured resources, its
*profile* (``[tool.django-import-bench.generated] resources``): the spec names that
profile, the row count, the seed, the scenario and, for ``errors``, the share of rows
with an injected error. Turning a spec into a file needs the project (which resource a
profile is, which hints apply): :mod:`bench.execute.generated` does that.
"""

from __future__ import annotations

from dataclasses import dataclass

import tablib

from .synth import DEFAULT_INVALID_FRACTION, SCENARIOS

FORMATS = ("csv", "xlsx", "json")
#: Rows of a dataset when none are asked for (``generate``, and ``run``'s matrix).
DEFAULT_ROWS = 5000


@dataclass(frozen=True)
class DatasetSpec:
    """Everything that names a generated dataset of a matrix (its file and its state)."""

    rows: int
    seed: int = 7
    scenario: str = "create"
    #: The name of a resource in the project's ``[tool.django-import-bench.generated]
    #: resources``; empty: the first one listed.
    profile: str = ""
    invalid_fraction: float | None = None

    def __post_init__(self):
        if not isinstance(self.rows, int) or self.rows < 1:
            raise ValueError(f"rows must be a positive whole number, not {self.rows!r}")
        if self.scenario not in SCENARIOS:
            raise ValueError(
                f"unknown scenario {self.scenario!r}; choose one of {', '.join(SCENARIOS)}"
            )
        fraction = self.effective_invalid_fraction
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"invalid_fraction must be between 0 and 1, not {fraction}")
        if fraction and self.scenario != "errors":
            raise ValueError("invalid_fraction applies to the 'errors' scenario only")

    @property
    def effective_invalid_fraction(self) -> float:
        if self.invalid_fraction is not None:
            return float(self.invalid_fraction)
        return DEFAULT_INVALID_FRACTION if self.scenario == "errors" else 0.0


def export(dataset: tablib.Dataset, fmt: str) -> bytes:
    """The dataset in ``fmt`` (csv, xlsx or json) as bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = dataset.export(fmt)
    return out.encode("utf-8") if isinstance(out, str) else out
