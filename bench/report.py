"""``summary.json`` and ``summary.md`` of a run, from pytest-benchmark's ``benchmark.json``.

Storage and comparison stay apart, as in pytest-benchmark: the JSON it writes is kept as it
is, and everything here is derived from it (plus ``refused.json``), so a summary can be
rebuilt from a run's files at any time. pytest-benchmark writes its JSON only when the
session ends normally; the suite also appends every case to ``cases.jsonl`` as soon as it is
measured, which is what an interrupted run's summary is built from.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

SUMMARY_KEYS = ("id", "strategy", "scenario", "rows", "db", "db_latency_ms", "settings",
                "median_s", "iqr_s",
                "rounds", "rows_per_s", "speedup_vs_sequential", "x_reference", "queries",
                "queries_per_row", "peak_memory_mb", "max_overlap", "verified",
                "verification", "flame")


def _case(bench: dict) -> dict:
    info, stats = bench["extra_info"], bench["stats"]
    case = {key: info.get(key) for key in SUMMARY_KEYS}
    case.update(median_s=stats["median"], iqr_s=stats["iqr"], rounds=stats["rounds"],
                times=stats.get("data"))
    for key in ("profile", "totals", "chunks", "failed_chunks", "known_differences",
                "chunk_flames", "chunk_facts", "fingerprint", "all_settings"):
        case[key] = info.get(key)
    return case


def _refused(item: dict, db: str) -> dict:
    case = dict.fromkeys(SUMMARY_KEYS)
    case.update(id=item["id"], strategy=item["strategy"], scenario=item["scenario"],
                rows=item["rows"], profile=item["profile"], db=db, settings=item["settings"],
                db_latency_ms=item.get("db_latency_ms", 0.0),
                rounds=0, verified=False, verification=f"refused: {item['reason']}")
    return case


def group_key(case: dict) -> tuple:
    """Cases that import the same data under the same conditions."""
    return (case["scenario"], case["rows"], case.get("profile"), case.get("db_latency_ms") or 0)


def variant(case: dict) -> str:
    """The case id without scenario and rows: one strategy with one setting."""
    return case["id"].rsplit("-", 2)[0]


def build_summary(run_dir: Path) -> dict:
    bench_file, partial = run_dir / "benchmark.json", run_dir / "cases.jsonl"
    if bench_file.exists():
        benchmarks = json.loads(bench_file.read_text())["benchmarks"]
    elif partial.exists():  # the run was interrupted: the cases measured before it stopped
        benchmarks = [json.loads(line) for line in partial.read_text().splitlines() if line]
    else:
        benchmarks = []
    cases = [_case(b) for b in benchmarks if b.get("extra_info", {}).get("id")]
    versions = next((b["extra_info"]["versions"] for b in benchmarks
                     if b.get("extra_info", {}).get("versions")), None)
    db = cases[0]["db"] if cases else "sqlite"
    refused_file = run_dir / "refused.json"
    if refused_file.exists():
        cases += [_refused(item, db) for item in json.loads(refused_file.read_text())]

    def yardstick(case, strategy):
        for other in cases:
            if (other["strategy"] == strategy and other["median_s"]
                    and group_key(other) == group_key(case)):
                return other["median_s"]
        return None

    for case in cases:
        if case["median_s"]:
            sequential, reference = yardstick(case, "sequential"), yardstick(case, "reference")
            case["speedup_vs_sequential"] = sequential / case["median_s"] if sequential else None
            case["x_reference"] = case["median_s"] / reference if reference else None
    environment = {"python": platform.python_version(), "platform": platform.platform(),
                   "db": db, **(versions or {})}
    complete = (run_dir / "complete").exists()
    return {"environment": environment, "complete": complete, "cases": cases}


def fmt(value, spec, empty="-"):
    return empty if value is None else format(value, spec)


def group_title(scenario: str, rows: int, latency_ms) -> str:
    """``create, 5,000 rows`` (with the modelled latency, when there is one)."""
    latency = f", {latency_ms:g} ms modelled latency per query" if latency_ms else ""
    return f"{scenario}, {rows:,} rows{latency}"


def grouped(summary: dict) -> dict:
    """Cases by (scenario, rows, profile, latency): verified cases fastest first, then the
    rest."""
    groups: dict = {}
    for case in summary["cases"]:
        groups.setdefault(group_key(case), []).append(case)
    for cases in groups.values():
        cases.sort(key=lambda c: (not c["verified"], c["median_s"] is None,
                                  c["median_s"] or 0))
    return groups


def markdown(summary: dict) -> str:
    env = summary["environment"]
    lines = [
        "# Benchmark summary",
        "",
        f"Python {env.get('python')}, Django {env.get('django')}, django-import-export "
        f"{env.get('django_import_export')}, database {env.get('db')}.",
        "Times are medians over the rounds; `x ref` is time as a multiple of `reference` "
        "(Django bulk writes of clean instances); `vs seq` is speed-up over `sequential`.",
        "",
    ]
    if not summary.get("complete", True):
        lines += ["**This run did not finish: the table holds the cases measured so far.**",
                  ""]
    for (scenario, rows, _, lat), cases in grouped(summary).items():
        lines += [f"## {group_title(scenario, rows, lat)}", "",
                  "| case | median s | IQR s | rows/s | vs seq | x ref | queries/row | "
                  "peak MB | overlap | verified |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for c in cases:
            verified = "yes" if c["verified"] else f"**NO**: {c['verification']}"
            name = f"[{c['id']}]({c['flame']})" if c.get("flame") else c["id"]
            lines.append(
                f"| {name} | {fmt(c['median_s'], '.3f')} | {fmt(c['iqr_s'], '.3f')} | "
                f"{fmt(c['rows_per_s'], ',.0f')} | {fmt(c['speedup_vs_sequential'], '.2f')} | "
                f"{fmt(c['x_reference'], '.1f')} | {fmt(c['queries_per_row'], '.2f')} | "
                f"{fmt(c['peak_memory_mb'], '.0f')} | {fmt(c['max_overlap'], 'd')} | "
                f"{verified} |")
        lines.append("")
    return "\n".join(lines)


def write_summary(run_dir: Path) -> dict:
    summary = build_summary(run_dir)
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (run_dir / "summary.md").write_text(markdown(summary))
    return summary


def print_summary(summary: dict, console) -> None:
    """A table per (scenario, rows), then the reason of every unverified case."""
    from rich.table import Table

    problems = []
    for (scenario, rows, _, lat), cases in grouped(summary).items():
        table = Table(title=f"{group_title(scenario, rows, lat)} "
                      "(medians; fastest verified first)",
                      title_justify="left")
        table.add_column("case", no_wrap=True)
        for name in ("median s", "rows/s", "vs seq", "x ref", "q/row", "MB", "overlap",
                     "verified"):
            table.add_column(name, justify="right", no_wrap=True)
        for c in cases:
            table.add_row(c["id"], fmt(c["median_s"], ".3f"), fmt(c["rows_per_s"], ",.0f"),
                          fmt(c["speedup_vs_sequential"], ".2f"),
                          fmt(c["x_reference"], ".1f"), fmt(c["queries_per_row"], ".2f"),
                          fmt(c["peak_memory_mb"], ".0f"), fmt(c["max_overlap"], "d"),
                          "[green]yes[/]" if c["verified"] else "[red]NO[/]")
            if not c["verified"]:
                problems.append(f"[red]{c['id']}[/]: {c['verification']}")
        console.print(table)
    for line in problems:
        console.print(line, highlight=False)
