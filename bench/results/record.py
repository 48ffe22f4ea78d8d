"""The record of one case: the one definition of what a measured (or refused) case holds.

A :class:`CaseRecord` is written by the runner as soon as a case is measured (one JSON line
in ``cases.jsonl``, and as ``extra_info`` in pytest-benchmark's ``benchmark.json``), and read
back by everything that derives from a run: the summary, the charts, the report page, the
recommendations and the regression gate. Raw figures are fields (every round's time, the
queries, the fingerprint); figures computed from them are properties (median, rows per
second); figures that relate a case to the other cases of its run (``x_reference``,
``speedup_vs_sequential``) are filled in by :mod:`bench.results.summary`.

:meth:`CaseRecord.to_json` writes every key ``summary.json`` has always had (keys are added,
never renamed) plus ``schema``, the version of this layout. :meth:`CaseRecord.from_json`
reads this version and the unversioned ``extra_info`` that runs wrote before it.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field, fields
from typing import Any, NamedTuple

from ..probes.timesplit import TimeSplit
from ..strategies.contract import ChunkFact

#: The version of the record's JSON layout; bump it when a key changes meaning.
SCHEMA_VERSION = 1


class Group(NamedTuple):
    """Cases that import the same data under the same conditions, and so are compared
    with each other: same scenario, row count, profile and modelled latency."""

    scenario: str
    rows: int
    profile: str | None
    latency_ms: float

    @property
    def title(self) -> str:
        """``create, 5,000 rows`` (with the modelled latency, when there is one)."""
        latency = (f", {self.latency_ms:g} ms modelled latency per query"
                   if self.latency_ms else "")
        # the file case's name, or the generated resource's profile
        named = f"{self.profile}: " if self.profile else ""
        return f"{named}{self.scenario}, {self.rows:,} rows{latency}"


def quartiles(times: list[float]) -> tuple[float, float]:
    """(Q1, Q3) as pytest-benchmark computes them, so that ``iqr_s`` is the IQR its own
    table prints (Tukey's hinges for an odd count, the halves' medians for an even one)."""
    data = sorted(times)
    n = len(data)
    if n == 1:
        return data[0], data[0]
    if n % 2:
        k, r = divmod(n, 4)
        if r == 1:
            return (0.25 * data[k - 1] + 0.75 * data[k],
                    0.75 * data[3 * k] + 0.25 * data[3 * k + 1])
        return (0.75 * data[k] + 0.25 * data[k + 1],
                0.25 * data[3 * k + 1] + 0.75 * data[3 * k + 2])
    half = n // 2
    return statistics.median(data[:half]), statistics.median(data[half:])


@dataclass
class CaseRecord:
    """One case of a run, as measured."""

    #: ``<strategy>[-<knob values>][-lat<ms>]-<scenario>-<rows>``, unique in a run.
    id: str
    strategy: str
    scenario: str
    rows: int
    profile: str | None = None
    #: The dataset's seed.
    seed: int | None = None
    db: str = "sqlite"
    db_latency_ms: float = 0.0
    #: The knobs this case shows in its id, with their values.
    settings: dict = field(default_factory=dict)
    #: Every setting, as the strategy received them.
    all_settings: dict | None = None
    #: Whether ``settings`` are the strategy's defaults (what ``tune`` measures against).
    settings_are_defaults: bool = False
    #: Every timed round, in seconds, in the order they ran.
    times: list[float] = field(default_factory=list)
    #: Every timed round's CPU time (this process and the workers it waited for), seconds.
    cpu_times: list[float] = field(default_factory=list)
    #: Where the last timed round's time went (:mod:`bench.probes.timesplit`).
    time_split: TimeSplit | None = None
    #: SQL statements of the last timed round, savepoints included.
    queries: int | None = None
    peak_memory_mb: float | None = None
    #: The most chunks that ran at the same moment.
    max_overlap: int | None = None
    chunks: int | None = None
    failed_chunks: int | None = None
    #: The chunks of the last timed round, times in seconds from the first chunk's start.
    chunk_facts: list[ChunkFact] = field(default_factory=list)
    #: Where the chunks ran: ``"this thread"``, ``"other threads"`` or ``"worker
    #: processes"`` (what kind of figure is steadiest depends on it).
    ran_in: str | None = None
    #: The merged result's totals (new, update, skip, error, invalid, delete).
    totals: dict | None = None
    #: ``{"counts": {table: rows}, "digests": {table: sha256}}`` of the database afterwards.
    fingerprint: dict | None = None
    verified: bool = False
    #: One line: why the case verified or not (``refused: ...`` for a refused case).
    verification: str = ""
    known_differences: list[str] = field(default_factory=list)
    #: What the case was verified against: ``sequential``; ``reference`` on a file too
    #: long for sequential; ``record``: a generated file's own record, where reference
    #: refuses such a file; ``none``.
    baseline: str | None = None
    #: The refusal, for a case that was not run.
    refused: str | None = None
    #: Flame report of the untimed profiling pass, relative to the run folder.
    flame: str | None = None
    #: Rows that pass imported.
    flame_rows: int | None = None
    chunk_flames: list[str] = field(default_factory=list)
    #: Pages of the last timed round a user reads in a browser (the admin's preview), by
    #: name: their files, relative to the run folder.
    pages: dict[str, str] = field(default_factory=dict)
    #: The browser pass (:mod:`bench.execute.browser`), by page name: ``{"bytes": n,
    #: "laid_out_ms": [...]}`` or ``{"bytes": n, "error": "..."}``.
    browser: dict[str, dict] = field(default_factory=dict)
    #: Python, Django and django-import-export versions of the run.
    versions: dict | None = None
    #: Instructions an import of the first ``instruction_rows`` rows executed, counted by
    #: callgrind in the count pass (``None`` without one).
    instructions: int | None = None
    instruction_rows: int | None = None
    #: The memory pass (:mod:`bench.execute.memory`), each case in a fresh process: the
    #: importing process's peak resident size during an import of ``memory_rows`` rows,
    #: everything in the process included; the sum of its workers' peaks.
    peak_rss_mb: float | None = None
    worker_rss_mb: float | None = None
    #: The most the import's Python allocations held at once (tracemalloc), in the process
    #: and summed over its workers; ``None`` above the pass's tracing limit.
    peak_python_mb: float | None = None
    worker_python_mb: float | None = None
    memory_rows: int | None = None
    #: The memory pass, an import in steps (the admin's): per step, how far it raised the
    #: process's resident peak, in MB, and whether that is an upper bound (``ChunkFact``).
    step_rss_mb: list | None = None
    #: Median over the median of ``sequential`` in the same group (set by the summary).
    speedup_vs_sequential: float | None = None
    #: Median as a multiple of ``reference``'s in the same group (set by the summary).
    x_reference: float | None = None

    @property
    def timed(self) -> bool:
        return bool(self.times)

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def iqr_s(self) -> float | None:
        if not self.times:
            return None
        q1, q3 = quartiles(self.times)
        return q3 - q1

    @property
    def rounds(self) -> int:
        return len(self.times)

    @property
    def cpu_median_s(self) -> float | None:
        return statistics.median(self.cpu_times) if self.cpu_times else None

    @property
    def min_s(self) -> float | None:
        """The fastest round: on a machine whose noise only ever slows a round down, the
        steadiest estimate of what the code costs."""
        return min(self.times) if self.times else None

    @property
    def cpu_min_s(self) -> float | None:
        return min(self.cpu_times) if self.cpu_times else None

    @property
    def rows_per_s(self) -> float | None:
        median = self.median_s
        return self.rows / median if median else None

    @property
    def queries_per_row(self) -> float | None:
        return self.queries / self.rows if self.queries is not None and self.rows else None

    @property
    def verified_label(self) -> str:
        """``yes``, naming the baseline when it is not ``sequential``; or ``no``."""
        if not self.verified:
            return "no"
        if self.baseline in (None, "sequential"):
            return "yes"
        return "yes, vs the file's record" if self.baseline == "record" \
            else f"yes, vs {self.baseline}"

    @property
    def python_mb(self) -> float | None:
        """The import's Python peak, workers included (the memory pass's)."""
        if self.peak_python_mb is None:
            return None
        return self.peak_python_mb + (self.worker_python_mb or 0.0)

    @property
    def rss_mb(self) -> float | None:
        """Resident memory the import needs: the process's peak plus its workers'."""
        if self.peak_rss_mb is None:
            return None
        return self.peak_rss_mb + (self.worker_rss_mb or 0.0)

    @property
    def bytes_per_row(self) -> float | None:
        """The import's Python peak per row of the file (the memory pass's)."""
        python = self.python_mb
        if python is None or not self.memory_rows:
            return None
        return python * 2**20 / self.memory_rows

    @property
    def variant(self) -> str:
        """The id without scenario and rows: one strategy with one setting."""
        return self.id.rsplit("-", 2)[0]

    @property
    def group(self) -> Group:
        return Group(self.scenario, self.rows, self.profile, self.db_latency_ms or 0)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for chunk in data["chunk_facts"]:  # what a chunk reported, where it said anything
            for name, unsaid in (("totals", None), ("queued_s", None), ("host", None),
                                 ("redelivered", False), ("receipt", False),
                                 ("response_bytes", None), ("rss_rise_bytes", None),
                                 ("rss_rise_bound", False)):
                if chunk.get(name, unsaid) == unsaid:
                    chunk.pop(name, None)
        for name in ("pages", "browser", "step_rss_mb"):  # what only an admin case has
            if not data.get(name):
                data.pop(name, None)
        data.update(schema=SCHEMA_VERSION, median_s=self.median_s, iqr_s=self.iqr_s,
                    rounds=self.rounds, rows_per_s=self.rows_per_s,
                    queries_per_row=self.queries_per_row, variant=self.variant,
                    cpu_median_s=self.cpu_median_s, min_s=self.min_s,
                    cpu_min_s=self.cpu_min_s, python_mb=self.python_mb, rss_mb=self.rss_mb,
                    bytes_per_row=self.bytes_per_row,
                    time_split=self.time_split.to_json() if self.time_split else None)
        return data

    @classmethod
    def from_json(cls, data: dict) -> CaseRecord:
        """A record from :meth:`to_json`'s output, or from the ``extra_info`` (plus
        ``stats``) that runs wrote before records had a schema."""
        if data.get("schema", 0) > SCHEMA_VERSION:
            raise ValueError(f"case {data.get('id')!r} has record schema {data['schema']}; "
                             f"this version reads up to {SCHEMA_VERSION}: upgrade the harness")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        chunk_fields = {f.name for f in fields(ChunkFact)}
        values["chunk_facts"] = [ChunkFact(**{k: v for k, v in c.items() if k in chunk_fields})
                                 for c in data.get("chunk_facts") or []]
        for name in ("times", "cpu_times", "known_differences", "chunk_flames"):
            values[name] = list(values.get(name) or [])
        if values.get("time_split"):
            values["time_split"] = TimeSplit.from_json(values["time_split"])
        values["settings"] = dict(values.get("settings") or {})
        for name in ("pages", "browser"):
            values[name] = dict(values.get(name) or {})
        values["db_latency_ms"] = float(values.get("db_latency_ms") or 0.0)
        if values.get("refused") is None and str(data.get("verification", "")).startswith(
                "refused: ") and not values["times"]:
            values["refused"] = data["verification"][len("refused: "):]
        return cls(**values)

    @classmethod
    def refusal(cls, reason: str, **identity) -> CaseRecord:
        """A case that was not run, with the strategy's reason."""
        return cls(**identity, verified=False, verification=f"refused: {reason}",
                   refused=reason)


@dataclass
class StateTimes:
    """One state's seconds: making it (seeding the migrated database, and copying it), and
    every restore of the copy after that, fingerprint check included. What restoring saves
    is ``made`` per round; what it costs, ``restored``."""

    state: str
    #: Every time the state was made by seeding (once with copies; on every entry inside a
    #: test's transaction, where no copy can be taken).
    made: list[float] = field(default_factory=list)
    restored: list[float] = field(default_factory=list)

    @property
    def made_s(self) -> float | None:
        """Seconds of one seeding (the median, when it was made more than once)."""
        return statistics.median(self.made) if self.made else None

    @property
    def restore_s(self) -> float | None:
        """Seconds of one restore (the median)."""
        return statistics.median(self.restored) if self.restored else None

    @property
    def saving(self) -> float | None:
        """How many times longer seeding took than restoring."""
        made, restored = self.made_s, self.restore_s
        return made / restored if made and restored else None

    def to_json(self) -> dict:
        return {"state": self.state, "made_s": self.made, "restored_s": self.restored}

    @classmethod
    def from_json(cls, data: dict) -> StateTimes:
        return cls(data["state"], list(data["made_s"]), list(data["restored_s"]))
