"""The benchmark matrix: which cases a run measures.

A case is one strategy with one combination of the settings meaningful to it, on one
scenario and row count. :class:`MatrixOptions` holds what the user chose (every option of
``nox -s bench -- ...``) and :func:`expand` turns it into cases, ``sequential`` and
``reference`` first so that every other case can be compared with them.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .datasets import DatasetSpec
from .strategies import Settings, names

DEFAULT_STRATEGIES = tuple(names())


@dataclass
class MatrixOptions:
    rows: list[int] = field(default_factory=lambda: [5000])
    strategies: list[str] = field(default_factory=lambda: list(DEFAULT_STRATEGIES))
    scenarios: list[str] = field(default_factory=lambda: ["create", "update"])
    profile: str = "flat"
    seed: int = 7
    batch_sizes: list[int] = field(default_factory=lambda: [1000])
    async_sizes: list[int] = field(default_factory=lambda: [10])
    thread_sensitive: list[bool] = field(default_factory=lambda: [True, False])
    workers: list[int] = field(default_factory=lambda: [2])
    inner: list[str] = field(default_factory=lambda: ["sequential"])
    rounds: int = 2
    flames: bool = True
    #: Rows of the file the flame pass imports (0: all).
    flame_rows: int = 500
    db: str = "sqlite"
    #: Modelled network latency per SQL statement, in ms (``bench.latency``); one case each.
    db_latency_ms: list[float] = field(default_factory=lambda: [0.0])

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> MatrixOptions:
        return cls(**json.loads(path.read_text()))


@dataclass(frozen=True)
class Case:
    strategy: str
    scenario: str
    rows: int
    profile: str
    seed: int
    settings: Settings
    #: The Settings fields shown in the id and report (those this strategy reads and varies).
    shown: tuple[str, ...] = ()
    latency_ms: float = 0.0

    @property
    def spec(self) -> DatasetSpec:
        return DatasetSpec(self.rows, self.seed, self.scenario, self.profile)

    @property
    def settings_shown(self) -> dict:
        return self.settings.as_dict(self.shown)

    @property
    def id(self) -> str:
        tags = {"batch_size": "bs", "async_size": "a", "thread_sensitive": "ts",
                "workers": "w", "inner": ""}
        parts = [self.strategy]
        for name in self.shown:
            value = getattr(self.settings, name)
            if isinstance(value, bool):
                value = int(value)
            parts.append(f"{tags[name]}{value}")
        if self.latency_ms:
            parts.append(f"lat{self.latency_ms:g}")
        return "-".join(parts + [self.scenario, str(self.rows)])

    @property
    def group(self) -> tuple:
        """Cases with the same group import the same data and compare with each other."""
        return (self.scenario, self.rows, self.profile, self.seed)


def _inner_batches(inner: str, o: MatrixOptions) -> list[tuple[int, tuple[str, ...]]]:
    """(batch_size, extra shown fields) for each chunk strategy: batch sizes only matter,
    and only vary, when the chunks run a batching strategy."""
    if inner == "sequential":
        return [(o.batch_sizes[0], ())]
    return [(b, ("inner", "batch_size")) for b in o.batch_sizes]


def _variants(strategy: str, o: MatrixOptions) -> list[tuple[Settings, tuple[str, ...]]]:
    if strategy in ("bulk", "tuned"):
        return [(Settings(batch_size=b), ("batch_size",)) for b in o.batch_sizes]
    if strategy == "async-chunked":
        out = []
        for size, ts, inner in itertools.product(o.async_sizes, o.thread_sensitive, o.inner):
            for batch, extra in _inner_batches(inner, o):
                out.append((Settings(async_size=size, thread_sensitive=ts, inner=inner,
                                     batch_size=batch),
                            ("async_size", "thread_sensitive") + extra))
        return out
    if strategy == "process-chunked":
        out = []
        for workers, inner in itertools.product(o.workers, o.inner):
            for batch, extra in _inner_batches(inner, o):
                out.append((Settings(workers=workers, inner=inner, batch_size=batch),
                            ("workers",) + extra))
        return out
    # sequential takes no settings; reference is one fixed yardstick (batches of 1,000)
    return [(Settings(), ())]


def expand(options: MatrixOptions) -> list[Case]:
    """Every case of the matrix, the yardsticks of each group first."""
    first = {"sequential": 0, "reference": 1}
    strategies = sorted(dict.fromkeys(options.strategies), key=lambda s: first.get(s, 2))
    cases = []
    for scenario, rows, latency in itertools.product(options.scenarios, options.rows,
                                                     options.db_latency_ms):
        for strategy in strategies:
            for settings, shown in _variants(strategy, options):
                cases.append(Case(strategy, scenario, rows, options.profile, options.seed,
                                  settings, shown, float(latency)))
    return cases
