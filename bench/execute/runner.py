"""The one runner of a verified case: every command and test imports through it.

A :class:`Job` says what to import (a strategy and its settings, a resource class, a file)
and from which starting state. A :class:`CaseRunner` takes it through the strategy contract
in order:

1. :meth:`~CaseRunner.open`: ``check()``; the ``sequential`` baseline from the same state
   (shared through a :class:`Baselines` cache by jobs on the same data); the state seeded
   and ``prepare()`` run once. A :class:`~bench.strategies.Refused` from any of them makes
   the case *refused*, with the reason, before anything is timed.
2. rounds: before each, the state is seeded again and ``prepare()`` run (untimed,
   :meth:`~CaseRunner.setup`); then ``run()`` is timed (:meth:`~CaseRunner.timed`). How the
   rounds are driven is the caller's: the benchmark suite hands both to pytest-benchmark's
   ``pedantic``, :func:`run_case` loops over them with ``time.perf_counter``.
3. :meth:`~CaseRunner.verify`: the last round's database and merged result against the
   baseline; then, optionally, :meth:`~CaseRunner.profile`: an untimed flame pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

import tablib

from ..probes.flames import profiled
from ..probes.memory import PeakMemory
from ..strategies import Outcome, Refused, Settings, get
from ..strategies.chunking import split
from ..verify import Fingerprint, Verification, compare, fingerprint


@dataclass(frozen=True)
class StartingState:
    """What the database holds before an import: how to put it there (``seed(using)``,
    never timed) and a key naming it."""

    key: Hashable
    seed: Callable[[str], None]


@dataclass
class Job:
    """What to import, how, and from which state."""

    strategy: str
    resource_class: type
    dataset: tablib.Dataset
    state: StartingState
    settings: Settings = field(default_factory=Settings)
    #: Jobs with the same key import the same file from the same state and may share a
    #: ``sequential`` baseline; ``None``: never shared.
    data_key: Hashable | None = None


@dataclass
class Baseline:
    """What ``sequential`` does with a dataset: the yardstick of correctness."""

    outcome: Outcome
    fingerprint: Fingerprint


class Baselines:
    """``sequential`` baselines shared by the jobs of a run, by data and by the settings that
    change what ``sequential`` does (transactions, dry run)."""

    def __init__(self):
        self._known: dict[Hashable, Baseline] = {}

    @staticmethod
    def key(job: Job) -> Hashable | None:
        if job.data_key is None:
            return None
        return (job.data_key, job.settings.use_transactions, job.settings.dry_run)

    def get(self, job: Job) -> Baseline | None:
        key = self.key(job)
        return None if key is None else self._known.get(key)

    def keep(self, job: Job, baseline: Baseline) -> None:
        key = self.key(job)
        if key is not None:
            self._known.setdefault(key, baseline)


@dataclass
class CaseRun:
    """What became of a job."""

    strategy: str
    settings: Settings
    #: The last timed round's outcome (``None`` when refused).
    outcome: Outcome | None
    #: ``None`` when the run was not verified.
    verification: Verification | None
    refused: str | None = None
    #: Every timed round, in seconds.
    times: list[float] = field(default_factory=list)
    #: The highest resident memory any round added, in bytes.
    peak_memory_bytes: int = 0
    fingerprint: Fingerprint | None = None


def sequential_baseline(job: Job, using: str = "default") -> Baseline:
    """Seed the job's state and import its file with ``sequential`` (same
    ``use_transactions`` and ``dry_run``)."""
    job.state.seed(using)
    plain = Settings(use_transactions=job.settings.use_transactions,
                     dry_run=job.settings.dry_run)
    outcome = get("sequential").run(job.resource_class, job.dataset, plain, using=using)
    return Baseline(outcome, fingerprint(using))


class CaseRunner:
    """One job through check, baseline, untimed setup, timed rounds and verification."""

    def __init__(self, job: Job, *, verify: bool = True, baselines: Baselines | None = None,
                 using: str = "default"):
        self.job = job
        self.strategy = get(job.strategy)
        self.verify_against_sequential = verify
        self.baselines = baselines if baselines is not None else Baselines()
        self.using = using
        self.run = CaseRun(job.strategy, job.settings, None, None)
        self._prepared: list = []
        self._baseline: Baseline | None = None
        #: ``sequential`` with no baseline yet is its own yardstick: its last round becomes
        #: the baseline of the jobs after it, instead of an extra import.
        self._own_baseline = False

    def open(self) -> str | None:
        """Check, baseline, seed and prepare once; the refusal's reason, or ``None``."""
        job = self.job
        try:
            self.strategy.check(job.resource_class, job.dataset, job.settings)
            if self.verify_against_sequential:
                self._baseline = self.baselines.get(job)
                self._own_baseline = self._baseline is None and job.strategy == "sequential"
                if self._baseline is None and not self._own_baseline:
                    self._baseline = sequential_baseline(job, self.using)
                    self.baselines.keep(job, self._baseline)
            job.state.seed(self.using)
            self._prepared.append(self.strategy.prepare(job.resource_class, job.dataset,
                                                        job.settings, self.using))
        except Refused as exc:
            self.run.refused = str(exc)
            self.run.verification = Verification(False, f"refused: {exc}")
            return self.run.refused
        return None

    def setup(self):
        """Untimed, before a round: the state seeded and ``prepare()`` run (the first
        round uses what :meth:`open` prepared). Returns pytest-benchmark's (args, kwargs)."""
        if self._prepared:
            return (self._prepared.pop(),), {}
        job = self.job
        job.state.seed(self.using)
        return (self.strategy.prepare(job.resource_class, job.dataset, job.settings,
                                      self.using),), {}

    def timed(self, prepared) -> Outcome:
        """The timed part of a round: the strategy's ``run()``."""
        job = self.job
        with PeakMemory() as peak:
            outcome = self.strategy.run(job.resource_class, job.dataset, job.settings,
                                        prepared, self.using)
        self.run.outcome = outcome
        self.run.peak_memory_bytes = max(self.run.peak_memory_bytes, peak.delta_bytes)
        return outcome

    def verify(self) -> Verification | None:
        """The last round's database and result against ``sequential``'s (``None`` when
        not verifying)."""
        self.run.fingerprint = printed = fingerprint(self.using)
        if not self.verify_against_sequential:
            return None
        outcome = self.run.outcome
        base = self._baseline
        if self._own_baseline:
            base = Baseline(outcome, printed)
            self.baselines.keep(self.job, base)
        self.run.verification = compare(outcome.result, printed, base.outcome.result,
                                        base.fingerprint, outcome.known_differences)
        return self.run.verification

    def profile(self, html_path: Path, rows: int = 0) -> list[Path]:
        """An untimed pass under pyinstrument over the first ``rows`` rows (0: all),
        writing ``html_path``; returns the reports of chunks profiled elsewhere."""
        job = self.job
        sample = split(job.dataset, rows)[0][1] if rows and len(job.dataset) else job.dataset
        job.state.seed(self.using)
        prepared = self.strategy.prepare(job.resource_class, sample, job.settings, self.using)
        with profiled(html_path) as chunk_reports:
            self.strategy.run(job.resource_class, sample, job.settings, prepared, self.using)
        return chunk_reports


def timed_rounds(runner: CaseRunner, rounds: int) -> list[float]:
    """Drive ``rounds`` rounds with ``time.perf_counter`` (the benchmark suite uses
    pytest-benchmark instead)."""
    times = []
    for _ in range(rounds):
        args, _ = runner.setup()
        start = time.perf_counter()
        runner.timed(*args)
        times.append(time.perf_counter() - start)
    return times


def run_case(job: Job, *, rounds: int = 1, verify: bool = True,
             baselines: Baselines | None = None, using: str = "default") -> CaseRun:
    """A job, start to end: refused, or run ``rounds`` times and (unless ``verify`` is
    false) verified against ``sequential``."""
    runner = CaseRunner(job, verify=verify, baselines=baselines, using=using)
    if runner.open() is not None:
        return runner.run
    runner.run.times = timed_rounds(runner, rounds)
    runner.verify()
    return runner.run
