"""The summary of a run: every :class:`~bench.results.record.CaseRecord`, related to the
yardsticks of its group, as ``summary.json`` and ``summary.md``.

Storage and comparison stay apart, as in pytest-benchmark: what the runner wrote
(``cases.jsonl``, one record per case as soon as it was measured or refused, and
pytest-benchmark's own ``benchmark.json``) is kept as it is, and everything here is derived
from it, so a summary can be rebuilt from a run's files at any time, also for a run that
was interrupted.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

from .record import CaseRecord, Group, StateTimes
from .steps import markdown_steps

#: The keys every case of ``summary.json`` has had from the start (the record adds more).
SUMMARY_KEYS = ("id", "strategy", "scenario", "rows", "db", "db_latency_ms", "settings",
                "median_s", "iqr_s",
                "rounds", "rows_per_s", "speedup_vs_sequential", "x_reference", "queries",
                "queries_per_row", "peak_memory_mb", "max_overlap", "verified",
                "verification", "flame")

#: Seconds the run spent making and restoring its starting states.
STATE_TIMES_FILE = "states.json"
#: The files a run folder holds that a summary is built from.
RUN_FILES = ("cases.jsonl", "benchmark.json", "refused.json")


@dataclass
class Summary:
    """A run's cases and the environment they ran in."""

    environment: dict
    complete: bool
    cases: list[CaseRecord] = field(default_factory=list)
    #: The starting states of the run: seconds made (seeded) and restored.
    states: list[StateTimes] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"environment": self.environment, "complete": self.complete,
                "cases": [c.to_json() for c in self.cases],
                "states": [s.to_json() for s in self.states]}

    @classmethod
    def from_json(cls, data: dict) -> Summary:
        return cls(data["environment"], data.get("complete", True),
                   [CaseRecord.from_json(c) for c in data["cases"]],
                   [StateTimes.from_json(s) for s in data.get("states", [])])

    def grouped(self) -> dict[Group, list[CaseRecord]]:
        """Cases by group: verified cases fastest first, then the rest."""
        groups: dict[Group, list[CaseRecord]] = {}
        for case in self.cases:
            groups.setdefault(case.group, []).append(case)
        for cases in groups.values():
            cases.sort(key=lambda c: (not c.verified, c.median_s is None, c.median_s or 0))
        return groups

    def relate(self) -> None:
        """Set every timed case's speed-up over ``sequential`` and its time as a multiple
        of ``reference``, both from the same group of the same run. A ``reference`` that
        wrote no row (an update whose rows are all unchanged, which a ``skip_unchanged``
        resource skips) timed nothing but reading the file: it is no yardstick, and its
        group's cases get no ``x_reference``."""
        yardsticks = {(c.strategy, c.group): c.median_s for c in self.cases
                      if c.strategy in ("sequential", "reference") and c.median_s
                      and c.settings.get("replica", 1) == 1
                      and (c.strategy == "sequential" or _wrote_rows(c))}
        for case in self.cases:
            median = case.median_s
            if not median:
                continue
            sequential = yardsticks.get(("sequential", case.group))
            reference = yardsticks.get(("reference", case.group))
            case.speedup_vs_sequential = sequential / median if sequential else None
            case.x_reference = median / reference if reference else None


def _wrote_rows(case: CaseRecord) -> bool:
    """Whether the case's result reports a row created, updated or deleted (a record
    without totals is taken to have written)."""
    if not case.totals:
        return True
    return any(case.totals.get(kind, 0) for kind in ("new", "update", "delete"))


def is_run_folder(run_dir: Path) -> bool:
    return any((run_dir / name).exists() for name in RUN_FILES)


def read_records(run_dir: Path) -> list[CaseRecord]:
    """Every case a run folder holds, in the order it was measured."""
    jsonl = run_dir / "cases.jsonl"
    lines = [json.loads(line) for line in jsonl.read_text().splitlines() if line] \
        if jsonl.exists() else []
    if lines and all("schema" in line for line in lines):
        return [CaseRecord.from_json(line) for line in lines]
    return _legacy_records(run_dir, lines)


def _legacy_records(run_dir: Path, lines: list[dict]) -> list[CaseRecord]:
    """Cases of a run written before records had a schema: pytest-benchmark's JSON (or,
    for an interrupted run, ``cases.jsonl``) plus ``refused.json``."""
    bench_file = run_dir / "benchmark.json"
    benchmarks = json.loads(bench_file.read_text())["benchmarks"] if bench_file.exists() \
        else lines
    records = [CaseRecord.from_json({**b["extra_info"], "times": b["stats"].get("data")})
               for b in benchmarks if b.get("extra_info", {}).get("id")]
    db = records[0].db if records else "sqlite"
    refused = run_dir / "refused.json"
    for item in json.loads(refused.read_text()) if refused.exists() else []:
        records.append(CaseRecord.refusal(
            item["reason"], id=item["id"], strategy=item["strategy"],
            scenario=item["scenario"], rows=item["rows"], profile=item.get("profile"), db=db,
            settings=item.get("settings") or {},
            db_latency_ms=item.get("db_latency_ms") or 0.0))
    return records


def _pass_figures(run_dir: Path, name: str) -> dict:
    """The figures by case id that an untimed pass wrote to ``name`` (``{}`` where the run
    had no such pass)."""
    path = run_dir / name
    return json.loads(path.read_text())["cases"] if path.exists() else {}


def _add_instructions(run_dir: Path, cases: list[CaseRecord]) -> None:
    """The count pass's figures (``instructions.json``), where the run had one."""
    counts = _pass_figures(run_dir, "instructions.json")
    for case in cases:
        if case.id in counts:
            case.instructions = counts[case.id]["instructions"]
            case.instruction_rows = counts[case.id]["rows"]


def _add_memory(run_dir: Path, cases: list[CaseRecord]) -> None:
    """The memory pass's figures (``memory.json``), where the run had one."""
    figures = _pass_figures(run_dir, "memory.json")
    for case in cases:
        found = figures.get(case.id)
        if found:
            case.memory_rows = found["rows"]
            for name in ("peak_rss_mb", "worker_rss_mb", "peak_python_mb",
                         "worker_python_mb"):
                setattr(case, name, found.get(name))
            case.step_rss_mb = found.get("steps")


def _add_browser(run_dir: Path, cases: list[CaseRecord]) -> None:
    """The browser pass's figures (``browser.json``), where the run had one."""
    figures = _pass_figures(run_dir, "browser.json")
    for case in cases:
        if case.id in figures:
            case.browser = figures[case.id]


def build_summary(run_dir: Path) -> Summary:
    cases = read_records(run_dir)
    _add_instructions(run_dir, cases)
    _add_memory(run_dir, cases)
    _add_browser(run_dir, cases)
    versions = next((c.versions for c in cases if c.versions), None)
    db = next((c.db for c in cases), "sqlite")
    environment = {"python": platform.python_version(), "platform": platform.platform(),
                   "db": db, **(versions or {})}
    states_file = run_dir / STATE_TIMES_FILE
    states = [StateTimes.from_json(s) for s in json.loads(states_file.read_text())["states"]
              ] if states_file.exists() else []
    summary = Summary(environment, (run_dir / "complete").exists(), cases, states)
    summary.relate()
    return summary


def fmt(value, spec, empty="-"):
    return empty if value is None else format(value, spec)


def markdown(summary: Summary) -> str:
    env = summary.environment
    lines = [
        "# Benchmark summary",
        "",
        f"Python {env.get('python')}, Django {env.get('django')}, django-import-export "
        f"{env.get('django_import_export')}, database {env.get('db')}.",
        "Times are medians over the rounds; `x ref` is time as a multiple of `reference` "
        "(Django bulk writes of clean instances); `vs seq` is speed-up over `sequential`.",
        "`verified`: the database and result equal `sequential`'s from the same state; on "
        "files over 100,000 rows `reference`'s (`yes, vs reference`: proven equal to "
        "`sequential` by the tests on shorter files), or where reference refuses such a file "
        "the generated file's own record (`yes, vs the file's record`).",
        "Memory is the memory pass's (each case once more, untimed, in a fresh process): "
        "`RSS MB` the peak resident size of the importing process plus its workers, "
        "`Python MB` the most the import's Python allocations held at once (tracemalloc), "
        "`B/row` that over the rows.",
        "",
    ]
    if not summary.complete:
        lines += ["**This run did not finish: the table holds the cases measured so far.**",
                  ""]
    for group, cases in summary.grouped().items():
        lines += [f"## {group.title}", "",
                  "| case | median s | IQR s | rows/s | vs seq | x ref | queries/row | "
                  "RSS MB | Python MB | B/row | overlap | verified |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for c in cases:
            verified = c.verified_label if c.verified else f"**NO**: {c.verification}"
            name = f"[{c.id}]({c.flame})" if c.flame else c.id
            lines.append(
                f"| {name} | {fmt(c.median_s, '.3f')} | {fmt(c.iqr_s, '.3f')} | "
                f"{fmt(c.rows_per_s, ',.0f')} | {fmt(c.speedup_vs_sequential, '.2f')} | "
                f"{fmt(c.x_reference, '.1f')} | {fmt(c.queries_per_row, '.2f')} | "
                f"{fmt(c.rss_mb, '.0f')} | {fmt(c.python_mb, '.1f')} | "
                f"{fmt(c.bytes_per_row, ',.0f')} | {fmt(c.max_overlap, 'd')} | "
                f"{verified} |")
        lines.append("")
    lines += markdown_steps(summary.cases)
    if summary.states:
        lines += ["## Starting states", "",
                  "Made once by seeding (fixtures, state file, existing rows) and copied; "
                  "restored from the copy before every other round, checked identical.", "",
                  "| state | seeded s | restores | restore s (median) | seeding / restore |",
                  "|---|---|---|---|---|"]
        for s in summary.states:
            lines.append(f"| {s.state} | {fmt(s.made_s, '.3f')} | {len(s.restored)} | "
                         f"{fmt(s.restore_s, '.3f')} | {fmt(s.saving, '.1f')} |")
        lines.append("")
    return "\n".join(lines)


def write_summary(run_dir: Path) -> Summary:
    summary = build_summary(run_dir)
    (run_dir / "summary.json").write_text(json.dumps(summary.to_json(), indent=2) + "\n")
    (run_dir / "summary.md").write_text(markdown(summary))
    return summary
