"""The one runner of a verified case: every command and test imports through it.

A :class:`Job` says what to import (a strategy and its settings, a resource class, a file)
and from which starting state. A :class:`CaseRunner` takes it through the strategy contract
in order:

1. :meth:`~CaseRunner.open`: ``check()``; the ``sequential`` baseline from the same state
   (shared through a :class:`Baselines` cache by jobs on the same data); the state seeded
   and ``prepare()`` tried once. A :class:`~bench.strategies.Refused` from any of them makes
   the case *refused*, with the reason, before anything is timed.
2. rounds: before each, untimed (:meth:`~CaseRunner.setup`), the state is seeded again,
   the database settled, ``prepare()`` run and a full garbage collection made, so that
   every round starts alike; then ``run()`` is timed (:meth:`~CaseRunner.timed`: wall and
   CPU time, peak memory, and where the time went), and :meth:`~CaseRunner.after_round` is
   told.
   Which case's round comes when is the caller's: :func:`run_case` runs one case's rounds
   one after another; the benchmark suite interleaves the rounds of the cases it compares
   (:mod:`bench.execute.schedule`).
3. :meth:`~CaseRunner.verify`, after the last round: its database and merged result against
   the baseline; then, optionally, :meth:`~CaseRunner.profile`: an untimed flame pass.

The baseline's own import with no baseline yet (``sequential``; above
:data:`SEQUENTIAL_BASELINE_MAX_ROWS` rows ``reference`` with its default settings) is its
own: the database and result of its first round become the baseline of the jobs after it
(instead of one more import of the file: at a million rows a minute and a half of
``reference``), and its last round is verified against its first.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

import tablib

from ..data.source import RowSource, as_source
from ..db.django_setup import settle
from ..probes import instructions, server
from ..probes.flames import profiled
from ..probes.memory import PeakMemory
from ..probes.timesplit import RoundClock, TimeSplit
from ..strategies import Outcome, Refused, Settings, get
from ..strategies.chunking import split
from ..verify import Fingerprint, Verification, compare, fingerprint
from ..verify.accounting import Accounting, account
from ..verify.expected import expectation_problem
from ..verify.fingerprint import all_models, row_texts, table_name, tables_for
from .states import StartingState, states


@dataclass
class Job:
    """What to import, how, and from which state."""

    strategy: str
    resource_class: type
    #: The file: a Dataset, or a :class:`~bench.data.source.RowSource` that a streaming
    #: strategy reads a block at a time (the others get it whole: :attr:`dataset`).
    source: RowSource | tablib.Dataset
    state: StartingState
    settings: Settings = field(default_factory=Settings)
    #: Jobs with the same key import the same file from the same state and may share a
    #: ``sequential`` baseline; ``None``: never shared.
    data_key: Hashable | None = None
    #: What each row of a generated file is (:mod:`bench.verify.expected`), or ``None``;
    #: or a function that reads it, called only when a case is verified (the record of a
    #: file of a million rows is as big as the file).
    expected: dict | Callable[[], dict] | None = None

    def __post_init__(self):
        self.source = as_source(self.source)

    @property
    def dataset(self) -> tablib.Dataset:
        """The whole file in memory (read on first use)."""
        return self.source.dataset()

    def expectations(self) -> dict | None:
        return self.expected() if callable(self.expected) else self.expected

    def input_for(self, strategy) -> RowSource | tablib.Dataset:
        """What ``strategy`` is given: the source itself if it reads one a block at a time
        (``reads_source``), else the whole file."""
        return self.source if getattr(strategy, "reads_source", False) else self.dataset


@dataclass
class Baseline:
    """What ``sequential`` does with a dataset: the yardstick of correctness, and which
    tables every case of the dataset is compared on (:class:`Compared`).

    Above :data:`SEQUENTIAL_BASELINE_MAX_ROWS` rows the yardstick is ``reference`` (the
    file's rows cleaned once and written in bulk), which ``tests/test_strategies.py``
    proves equal to ``sequential`` on clean files of every scenario; where ``reference``
    refuses the file (one with failing rows) there is none (``outcome`` is ``None``), and
    a case is checked against the file's own record and the database only.
    """

    outcome: Outcome | None
    fingerprint: Fingerprint | None
    compared: Compared | None = None
    #: The strategy that made it: ``sequential``, ``reference``, or ``None`` (none).
    strategy: str | None = "sequential"


@dataclass(frozen=True)
class Compared:
    """The tables a job's database is compared on: the resource's model, its many-to-many
    tables, and every other table ``sequential`` changed (a signal receiver's, a resource
    hook's); and the fields of the resource's model the import writes, which are compared
    even when they have a callable default."""

    models: tuple
    decided: dict

    @classmethod
    def of(cls, job: Job, before: Fingerprint | None = None,
           after: Fingerprint | None = None) -> Compared:
        model = job.resource_class._meta.model
        models = list(tables_for(model))
        if before is not None and after is not None:
            names = set(after.changed_tables(before))
            models += [m for m in all_models() if table_name(m) in names and m not in models]
        return cls(tuple(models), decided_fields(job))

    def fingerprint(self, using: str, read: dict[str, dict] | None = None) -> Fingerprint:
        return fingerprint(using, self.models, self.decided, read)


class Baselines:
    """``sequential`` baselines shared by the jobs of a run, by data and by the settings that
    change what ``sequential`` does (transactions, dry run)."""

    def __init__(self):
        self._known: dict[Hashable, Baseline] = {}
        self._promised: set[Hashable] = set()

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

    def promise(self, job: Job) -> None:
        """A job importing as the baseline does will provide it in its first round:
        the jobs opened after it wait for that instead of importing one of their own."""
        key = self.key(job)
        if key is not None:
            self._promised.add(key)

    def promised(self, job: Job) -> bool:
        return self.key(job) in self._promised


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
    #: Every timed round's wall time, in seconds, in the order the rounds ran.
    times: list[float] = field(default_factory=list)
    #: Every timed round's CPU time (this process and its workers), in seconds.
    cpu_times: list[float] = field(default_factory=list)
    #: Where the last round's time went.
    split: TimeSplit | None = None
    #: SQL statements of the last round, on every thread and in every worker.
    queries: int = 0
    #: The most resident memory any round added, in bytes (the parent's growth plus every
    #: worker process in full); ``None`` where the kernel cannot say.
    peak_memory_bytes: int | None = None
    #: Instructions of the count pass (:meth:`CaseRunner.count`), this process and workers.
    instructions: int | None = None
    fingerprint: Fingerprint | None = None
    #: The last round's result against what changed in the resource's table.
    accounting: Accounting | None = None


def decided_fields(job: Job) -> dict[str, set[str]]:
    """The fields of the resource's model the import writes, by table: compared even when
    they have a callable default."""
    resource = job.resource_class()
    written = {f.attribute for f in resource.get_import_fields() if f.attribute}
    return {table_name(job.resource_class._meta.model): written}


#: Files longer than this are not verified against ``sequential``, which imports about
#: 1,200 rows a second here (a million rows: 14 minutes, and 3 GB for its ``Result``), but
#: against ``reference`` (:class:`Baseline`).
SEQUENTIAL_BASELINE_MAX_ROWS = 100_000


def baseline_strategy(job: Job) -> str:
    """The strategy whose import of the job's file is its yardstick."""
    return "sequential" if len(job.source) <= SEQUENTIAL_BASELINE_MAX_ROWS else "reference"


def baseline_settings(job: Job) -> Settings:
    """The settings the baseline imports with: the defaults, but for the job's
    ``use_transactions`` and ``dry_run`` (which change what an import leaves)."""
    return Settings(use_transactions=job.settings.use_transactions,
                    dry_run=job.settings.dry_run)


def is_baseline_import(job: Job) -> bool:
    """Whether the job imports its file exactly as its baseline would: then its own first
    round is the baseline (instead of one more import of the file). ``sequential`` has no
    setting that changes what it writes."""
    strategy = baseline_strategy(job)
    return job.strategy == strategy and (strategy == "sequential"
                                         or job.settings == baseline_settings(job))


def make_baseline(job: Job, using: str = "default") -> Baseline:
    """The job's baseline (:func:`baseline_strategy`)."""
    if baseline_strategy(job) == "sequential":
        return sequential_baseline(job, using)
    before = states(using).enter(job.state)
    reference, plain = get("reference"), baseline_settings(job)
    try:
        reference.check(job.resource_class, job.dataset, plain)
        prepared = reference.prepare(job.resource_class, job.dataset, plain, using)
    except Refused:
        return Baseline(None, None, Compared.of(job), strategy=None)
    outcome = reference.run(job.resource_class, job.dataset, plain, prepared, using=using)
    compared = Compared.of(job, before, fingerprint(using))
    return Baseline(outcome, compared.fingerprint(using), compared, strategy="reference")


def sequential_baseline(job: Job, using: str = "default") -> Baseline:
    """Enter the job's state and import its file with ``sequential`` (same
    ``use_transactions`` and ``dry_run``); which tables it changed decides what every case
    of the job's data is compared on."""
    before = states(using).enter(job.state)
    plain = baseline_settings(job)
    outcome = get("sequential").run(job.resource_class, job.dataset, plain, using=using)
    compared = Compared.of(job, before, fingerprint(using))
    return Baseline(outcome, compared.fingerprint(using), compared)


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
        self._baseline: Baseline | None = None
        #: ``sequential`` with no baseline yet is its own yardstick (see the module).
        self._own_baseline = False
        #: The state's fingerprint, and its rows of the resource's model by primary key
        #: (what the accounting check compares the last round's result with).
        self._state_print: Fingerprint | None = None
        self._rows_before: dict | None = None
        self._decided = decided_fields(job)
        #: What :meth:`open` prepared, kept for the first round (see there).
        self._prepared = None

    def enter_state(self) -> None:
        """Untimed: put the database in the job's starting state (restored from its copy
        after the first time)."""
        self._state_print = states(self.using).enter(self.job.state)

    def open(self, try_prepare: bool = True) -> str | None:
        """Check, baseline, seed and prepare once; the refusal's reason, or ``None``.
        ``try_prepare=False`` leaves ``prepare()`` to the caller, who prepares next anyway
        and takes its :class:`~bench.strategies.Refused` as a refusal."""
        job = self.job
        try:
            self.strategy.check(job.resource_class, job.input_for(self.strategy),
                                job.settings)
            if self.verify_against_sequential:
                self._baseline = self.baselines.get(job)
                waiting = self.baselines.promised(job)
                self._own_baseline = (self._baseline is None and not waiting
                                      and is_baseline_import(job))
                if self._own_baseline:
                    self.baselines.promise(job)
                elif self._baseline is None and not waiting:
                    self._baseline = make_baseline(job, self.using)
                    self.baselines.keep(job, self._baseline)
            # prepare() may refuse what only its work finds out (a row that does not
            # clean)
            if not try_prepare:
                return None
            self.enter_state()
            if self.verify_against_sequential:
                self._rows_before = self._resource_rows()
            prepared = self.strategy.prepare(job.resource_class, job.input_for(self.strategy),
                                             job.settings, self.using)
            if self._own_baseline:
                # the baseline's strategies prepare from the database without writing,
                # and every round starts from the copy of this state: what was prepared
                # here serves the first round (reference's prepare() takes a minute at a
                # million rows). Others' are thrown away: a strategy's prepare() may write.
                self._prepared = prepared
        except Refused as exc:
            self.run.refused = str(exc)
            self.run.verification = Verification(False, f"refused: {exc}")
            return self.run.refused
        return None

    @property
    def provides_baseline(self) -> bool:
        """Whether this job's first round is the baseline of the jobs after it."""
        return self._own_baseline

    def setup(self):
        """Untimed, before a round: the state seeded, the database settled
        (:func:`~bench.db.django_setup.settle`), ``prepare()`` run, and a full garbage
        collection, so that every round starts with the collector in the same state (left
        to chance, a full collection of the objects earlier cases left behind lands in a
        random round: a third of the ``reference`` rounds took three times as long).
        Returns ``(args, kwargs)`` for :meth:`timed`."""
        job = self.job
        self.enter_state()
        settle(self.using)
        prepared, self._prepared = self._prepared, None
        if prepared is None:
            prepared = self.strategy.prepare(job.resource_class, job.input_for(self.strategy),
                                             job.settings, self.using)
        server.reset(self.using)
        gc.collect()
        return (prepared,), {}

    def timed(self, prepared) -> float:
        """The timed part of a round, the strategy's ``run()``; returns its wall time."""
        job = self.job
        with PeakMemory() as peak, RoundClock() as clock:
            outcome = self.strategy.run(job.resource_class, job.input_for(self.strategy),
                                        job.settings, prepared, self.using)
        run = self.run
        run.outcome = outcome
        run.times.append(clock.wall_s)
        run.cpu_times.append(clock.cpu_s)
        run.split = clock.split(outcome.chunks)
        run.split.server_s = server.seconds(self.using)
        pid = os.getpid()
        run.queries = clock.tally.statements + sum(c.queries for c in outcome.chunks
                                                   if c.pid != pid)
        workers: dict[int, int] = {}
        for chunk in outcome.chunks:
            if chunk.pid != pid and chunk.peak_rss_bytes:
                workers[chunk.pid] = max(workers.get(chunk.pid, 0), chunk.peak_rss_bytes)
        if peak.delta_bytes is not None:
            round_peak = peak.delta_bytes + sum(workers.values())
            run.peak_memory_bytes = max(run.peak_memory_bytes or 0, round_peak)
        return clock.wall_s

    def after_round(self, last: bool) -> None:
        """After each timed round, untimed: the first round of the baseline's own import
        (:func:`is_baseline_import`) becomes the baseline of the jobs after it; the last
        round is verified."""
        if self._own_baseline and self._baseline is None:
            # every table read once: which changed, and the compared ones' fingerprint (the
            # model's own tables included where the project's list leaves them out)
            model = self.job.resource_class._meta.model
            everything = fingerprint(
                self.using, dict.fromkeys([*tables_for(model), *all_models()]), self._decided)
            compared = Compared.of(self.job, self._state_print, everything)
            printed = everything.only([table_name(m) for m in compared.models])
            self._baseline = Baseline(self.run.outcome, printed, compared,
                                      strategy=self.job.strategy)
            self.baselines.keep(self.job, self._baseline)
        if last:
            self.verify()

    def _resource_rows(self) -> dict:
        model = self.job.resource_class._meta.model
        return row_texts(model, self.using, self._decided[table_name(model)])

    def verify(self) -> Verification | None:
        """The last round's database and result against ``sequential``'s, and the result
        against what changed in the database (``None`` when not verifying)."""
        job = self.job
        if not self.verify_against_sequential:
            self.run.fingerprint = Compared.of(job).fingerprint(self.using)
            return None
        outcome = self.run.outcome
        rows_after = self._resource_rows()
        base = self._baseline or self.baselines.get(job)
        if base is None:  # the promised baseline never came (its job was refused)
            # every table, read before the baseline is made here: making one puts the
            # database in another state, and which tables to compare is known only after
            everything = fingerprint(self.using, decided=self._decided)
            base = self._baseline = make_baseline(job, self.using)
            printed = everything.only([table_name(m) for m in base.compared.models])
        else:
            compared = base.compared or Compared.of(job)
            model_table = table_name(job.resource_class._meta.model)
            same = compared.decided.get(model_table) == self._decided[model_table]
            printed = compared.fingerprint(  # the model's rows as just read, not again
                self.using, read={model_table: rows_after} if same else None)
        self.run.fingerprint = printed
        self.run.accounting = accounting = account(
            table_name(job.resource_class._meta.model), outcome.chunks,
            self._rows_before or {}, rows_after)
        expected = job.expectations()
        if base.outcome is None:
            # a file too long for sequential that reference refuses: what is left to check
            # it against is the record of a generated file, and the database
            none = (f"no baseline above {SEQUENTIAL_BASELINE_MAX_ROWS:,} rows (reference "
                    "refuses this file)")
            verdict = Verification(
                bool(expected), f"{none}: checked against the file's record and the "
                "database" if expected else f"not verified: {none}",
                list(outcome.known_differences), "record" if expected else "none")
        else:
            verdict = compare(outcome.result, printed, base.outcome.result, base.fingerprint,
                              outcome.known_differences, base.strategy)
        problem = "; ".join(p for p in (
            accounting.disagreement(),
            expectation_problem(outcome.result, expected) if expected else None)
            if p)
        if problem:
            reason = problem if verdict.verified else f"{problem}; {verdict.reason}"
            verdict = Verification(False, reason, verdict.known_differences,
                                   verdict.baseline)
        self.run.verification = verdict
        return verdict

    def sample(self, rows: int):
        """Untimed, for the untimed passes (count, memory, flames): the first ``rows`` rows
        of the file (all when 0) as the strategy takes its input (:meth:`Job.input_for`),
        from the job's state, prepared: ``(rows, prepared)``."""
        job = self.job
        whole = job.input_for(self.strategy)
        if not rows or rows >= len(whole):
            sample = whole
        elif isinstance(whole, RowSource):
            sample = as_source(whole.head(rows))
        else:
            sample = split(whole, rows)[0][1]
        self.enter_state()
        settle(self.using)
        return sample, self.strategy.prepare(job.resource_class, sample, job.settings,
                                             self.using)

    def count(self, rows: int = 0) -> int | None:
        """The count pass (under valgrind only): the instructions an import of the first
        ``rows`` rows executes, in this process and in its workers."""
        job = self.job
        sample, prepared = self.sample(rows)
        gc.collect()
        with instructions.counted() as count:
            outcome = self.strategy.run(job.resource_class, sample, job.settings, prepared,
                                        self.using)
        if count.instructions is None:
            return None
        pid = os.getpid()
        self.run.outcome = outcome
        self.run.instructions = count.instructions + sum(
            c.instructions or 0 for c in outcome.chunks if c.pid != pid)
        return self.run.instructions

    def profile(self, html_path: Path, rows: int = 0) -> list[Path]:
        """An untimed pass under pyinstrument over the first ``rows`` rows (0: all),
        writing ``html_path``; returns the reports of chunks profiled elsewhere."""
        job = self.job
        sample, prepared = self.sample(rows)
        with profiled(html_path) as chunk_reports:
            self.strategy.run(job.resource_class, sample, job.settings, prepared, self.using)
        return chunk_reports


def run_case(job: Job, *, rounds: int = 1, verify: bool = True,
             baselines: Baselines | None = None, using: str = "default") -> CaseRun:
    """A job, start to end: refused, or run ``rounds`` times one after another and (unless
    ``verify`` is false) verified against ``sequential``."""
    runner = CaseRunner(job, verify=verify, baselines=baselines, using=using)
    if runner.open() is not None:
        return runner.run
    for number in range(1, rounds + 1):
        args, _ = runner.setup()
        runner.timed(*args)
        runner.after_round(last=number == rounds)
    return runner.run
