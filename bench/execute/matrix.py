"""The benchmark matrix: which cases a run measures.

A case is one strategy with one combination of its knob values, on one scenario and row
count (and modelled latency). :class:`MatrixOptions` holds what the user chose (every option
of ``nox -s bench -- ...``) and :func:`expand` turns it into cases, ``sequential`` and
``reference`` first so that every other case can be compared with them. Which settings vary,
and how a case id names them, comes from the strategies' :class:`~bench.strategies.Knob`
declarations: a knob the user gave no values for takes the values its declaration says
``run`` measures.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from ..data.spec import DEFAULT_ROWS, DatasetSpec
from ..results.record import CaseRecord, Group
from ..strategies import Knob, Settings, Strategy, default_names, get
from .config import FileCase, file_case_of
from .runner import CaseRun

#: MatrixOptions fields of earlier versions, which held one list per built-in knob.
_LEGACY_KNOB_FIELDS = {"batch_sizes": "batch_size", "async_sizes": "async_size",
                       "thread_sensitive": "thread_sensitive", "workers": "workers",
                       "inner": "inner"}


@dataclass
class MatrixOptions:
    rows: list[int] = field(default_factory=lambda: [DEFAULT_ROWS])
    strategies: list[str] = field(default_factory=lambda: default_names())
    scenarios: list[str] = field(default_factory=lambda: ["create", "update"])
    #: The project's generated resource (``[tool.django-import-bench.generated]``) the
    #: cases import when they have no file; empty: the first listed.
    profile: str = ""
    seed: int = 7
    #: Values per knob name; a knob missing here takes the values it declares for ``run``.
    knobs: dict[str, list] = field(default_factory=dict)
    rounds: int = 2
    flames: bool = True
    #: Rows of the file the flame pass imports (0: all).
    flame_rows: int = 500
    #: ``project`` (the engine the project's settings name), ``sqlite`` or ``postgres``;
    #: always a database the harness creates (:mod:`bench.db.choice`).
    db: str = "project"
    #: Which database the run used, as the harness created it (filled in by the run).
    database: str = ""
    #: Modelled network latency per SQL statement, in ms (``bench.db.latency``); one case each.
    db_latency_ms: list[float] = field(default_factory=lambda: [0.0])
    #: How the rounds of the cases of a group are ordered (:mod:`bench.execute.schedule`).
    schedule: str = "interleaved"
    #: The seed of the interleaved order; a run draws one when none is given and records it.
    order_seed: int | None = None
    #: Copies of every case, entered as if they were different settings (``-r1``, ``-r2``,
    #: ...): an A/A experiment, in which any difference found is noise (``calibrate``).
    replicas: int = 1
    #: Rows of the file the count pass imports under valgrind to count each case's
    #: instructions (``bench.execute.count``); 0: no count pass.
    count_rows: int = 0
    #: The memory pass (``bench.execute.memory``): each case once more, untimed, in a
    #: fresh process, for its exact peak memory.
    memory: bool = True
    #: Rows of the file the memory pass imports (0: all). The first 1,000 by default: the
    #: Python peak is traced (4-5 times the import's time), so the pass of the default
    #: matrix takes seconds per case; give 0 for the file's own peaks (``nox -s scale``).
    memory_rows: int = 1000
    #: The browser pass (``bench.execute.browser``): the pages a case answered with (the
    #: admin's preview) opened in headless Chromium, untimed, for the time until laid out.
    browser: bool = True
    #: A user's files (``FileCase.to_json()`` plus ``rows``): when given, the matrix imports
    #: these, each in its own scenarios, instead of generated datasets.
    files: list[dict] = field(default_factory=list)
    #: The project folder relative paths of ``files`` start from.
    project_root: str | None = None
    #: Let bulk strategies write models whose save() or save signals they skip.
    allow_skip_signals: bool = False

    def values(self, knob: Knob) -> list:
        given = self.knobs.get(knob.name)
        return list(given) if given else knob.run_values()

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> MatrixOptions:
        """Options as :meth:`to_json` wrote them, or as earlier versions did."""
        data = dict(data)
        knobs = dict(data.pop("knobs", None) or {})
        for old, name in _LEGACY_KNOB_FIELDS.items():
            if old in data:
                knobs.setdefault(name, data.pop(old))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known}, knobs=knobs)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> MatrixOptions:
        return cls.from_json(json.loads(path.read_text()))


def case_id(strategy: str, labels: list[str], latency_ms: float, scenario: str,
            rows: int, name: str | None = None) -> str:
    """``<strategy>[-<knob labels>][-lat<ms>][-<file case name>]-<scenario>-<rows>``."""
    parts = [strategy, *labels]
    if latency_ms:
        parts.append(f"lat{latency_ms:g}")
    if name:
        parts.append(name)
    return "-".join(parts + [scenario, str(rows)])


@dataclass(frozen=True)
class Case:
    strategy: str
    scenario: str
    rows: int
    profile: str
    seed: int
    settings: Settings
    #: The knobs shown in the id and report (those this strategy reads and varies).
    shown: tuple[str, ...] = ()
    latency_ms: float = 0.0
    #: The copy of an A/A experiment (1, 2, ...); 0 when the matrix has no copies.
    replica: int = 0
    #: The user's file this case imports (``profile`` is then its name); ``None``: a
    #: generated dataset.
    source: FileCase | None = None

    @property
    def spec(self) -> DatasetSpec:
        return DatasetSpec(self.rows, self.seed, self.scenario, self.profile)

    @property
    def data_key(self):
        """The data this case imports and the state it starts from."""
        if self.source is not None:
            return ("file", self.source, self.scenario)
        return self.spec

    @property
    def settings_shown(self) -> dict:
        shown = {name: self.settings.value(name) for name in self.shown}
        if self.replica:
            shown["replica"] = self.replica
        return shown

    def _knob(self, name: str) -> Knob:
        strategy = get(self.strategy)
        return next(k for k in strategy.knobs_given(self.settings) if k.name == name)

    @property
    def id(self) -> str:
        labels = [self._knob(name).label(self.settings.value(name)) for name in self.shown]
        if self.replica:
            labels.append(f"r{self.replica}")
        return case_id(self.strategy, [label for label in labels if label], self.latency_ms,
                       self.scenario, self.rows, self.source.name if self.source else None)

    @property
    def group(self) -> Group:
        """The cases this one is compared with (see :class:`~bench.results.record.Group`)."""
        return Group(self.scenario, self.rows, self.profile, self.latency_ms)

    @property
    def settings_are_defaults(self) -> bool:
        return self.replica <= 1 and all(
            self.settings.value(name) == self._knob(name).default_value()
            for name in self.shown)

    def record(self, run: CaseRun, db: str, **flames) -> CaseRecord:
        """The record of this case's run (``flames``: ``flame``, ``flame_rows``,
        ``chunk_flames``)."""
        identity = dict(id=self.id, strategy=self.strategy, scenario=self.scenario,
                        rows=self.rows, profile=self.profile, seed=self.seed, db=db,
                        db_latency_ms=self.latency_ms, settings=self.settings_shown,
                        all_settings=self.settings.as_dict(),
                        settings_are_defaults=self.settings_are_defaults,
                        versions=versions())
        if run.refused is not None:
            return CaseRecord.refusal(run.refused, **identity)
        outcome, printed, verdict = run.outcome, run.fingerprint, run.verification
        origin = min((c.start for c in outcome.chunks), default=0.0)
        here = (threading.get_ident(), os.getpid())
        ran_in = ("worker processes" if any(c.pid != here[1] for c in outcome.chunks) else
                  "other threads" if any(c.thread_id != here[0] for c in outcome.chunks) else
                  "this thread")
        return CaseRecord(ran_in=ran_in,
            **identity, **flames,
            times=list(run.times), cpu_times=list(run.cpu_times), time_split=run.split,
            queries=run.queries,
            peak_memory_mb=(None if run.peak_memory_bytes is None
                            else run.peak_memory_bytes / 2**20),
            max_overlap=outcome.max_overlap,
            chunks=len(outcome.chunks), failed_chunks=len(outcome.failed_chunks),
            chunk_facts=[replace(c, start=c.start - origin, end=c.end - origin)
                         for c in outcome.chunks],
            totals=dict(outcome.result.totals),
            fingerprint={"counts": printed.counts, "digests": printed.digests},
            verified=verdict.verified, verification=verdict.reason,
            known_differences=list(verdict.known_differences),
            baseline=verdict.baseline)


def versions() -> dict:
    """The versions a case ran with."""
    import platform

    import django
    import import_export

    return {"python": platform.python_version(), "django": django.get_version(),
            "django_import_export": import_export.__version__}


def variants(strategy: Strategy, values: Callable[[Knob], list], base: Settings = Settings()
             ) -> list[tuple[Settings, tuple[str, ...]]]:
    """Every combination of the strategy's knob values, with the knobs each shows.

    The knobs that apply can depend on the values chosen so far (a chunked strategy whose
    chunks run ``tuned`` gains ``tuned``'s ``batch_size``), so they are expanded one knob
    at a time. A knob declared ``shown_at_default=False`` is named only off its default.
    """
    out = []

    def expand_from(settings: Settings, done: tuple[str, ...], shown: tuple[str, ...]):
        pending = [k for k in strategy.knobs_given(settings) if k.name not in done]
        if not pending:
            out.append((settings, shown))
            return
        knob = pending[0]
        for value in values(knob):
            show = knob.shown_at_default or value != knob.default_value()
            expand_from(settings.with_values(**{knob.name: value}), done + (knob.name,),
                        shown + ((knob.name,) if show else ()))

    expand_from(base, (), ())
    return out


def expand(options: MatrixOptions) -> list[Case]:
    """Every case of the matrix, the yardsticks of each group first."""
    first = {"sequential": 0, "reference": 1}
    strategies = sorted(dict.fromkeys(options.strategies), key=lambda s: first.get(s, 2))
    cases = []
    if options.files:
        data = [(file_case_of(f), f["rows"])
                for f in options.files]
        groups = [(scenario, rows, latency, source)
                  for source, rows in data for scenario in source.scenarios
                  for latency in options.db_latency_ms]
    else:
        groups = [(scenario, rows, latency, None) for scenario, rows, latency in
                  itertools.product(options.scenarios, options.rows, options.db_latency_ms)]
    for scenario, rows, latency, source in groups:
        profile = source.name if source is not None else _profile(options.profile)
        for strategy in strategies:
            base = Settings(allow_skip_signals=options.allow_skip_signals)
            for settings, shown in variants(get(strategy), options.values, base):
                for replica in range(1, options.replicas + 1) if options.replicas > 1 \
                        else [0]:
                    cases.append(Case(strategy, scenario, rows, profile,
                                      options.seed, settings, shown, float(latency),
                                      replica, source))
    return cases


def _profile(profile: str) -> str:
    """The generated profile's name (the project's first when ``profile`` is empty), or
    ``profile`` as given when the project configures none (generating data says so)."""
    from .project import ProjectProblem

    try:
        from .generated import profile_name

        return profile_name(profile)
    except ProjectProblem:
        return profile
