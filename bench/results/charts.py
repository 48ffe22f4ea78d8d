"""The report's charts, drawn with matplotlib from a run's summary and saved as PNG.

Each function takes the summary's cases and returns the charts it drew; a chart that has
nothing to show (one row count, no chunked case) is simply not drawn.

- :func:`time_split`: where each case's time went (database, lock waits, modelled
  latency, Python, outside chunks), a bar per case;
- :func:`time_vs_rows`: median time against rows per strategy variant, log-log, one panel
  per scenario, when a variant ran at two or more row counts;
- :func:`memory_vs_rows`: the memory pass's peaks (Python, resident) against rows, the
  same way; :func:`memory_by_case`: both peaks of every case, as bars;
- :func:`settings_heatmaps`: median time over two swept settings (``async_size`` x
  ``batch_size``, ``workers`` x ``batch_size``, ...), a panel per value of any further
  setting; a line with IQR bars when only one setting varies;
- :func:`chunk_timelines`: which chunks of each chunked case ran at the same time, from
  the start and end recorded for each chunk of the last timed round;
- :func:`queries_per_row`: SQL statements per imported row, per case.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from .record import CaseRecord, Group

UNVERIFIED = "#9e9e9e"
MARKERS = "osD^v<>P*X"


@dataclass(frozen=True)
class Chart:
    path: Path
    title: str
    caption: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path


def _timed(cases: list[CaseRecord]) -> list[CaseRecord]:
    return [c for c in cases if c.timed]


def time_vs_rows(cases: list[CaseRecord], out: Path) -> list[Chart]:
    fig = _vs_rows(_timed(cases), lambda c: c.median_s, "median time, s",
                   "Time vs rows (log-log; a red x marks a result that did not verify)")
    if fig is None:
        return []
    return [Chart(_save(fig, out / "time_vs_rows.png"), "Time vs rows",
                  "Median time per strategy variant; a slope of 1 on this plot is linear "
                  "growth.")]


def memory_vs_rows(cases: list[CaseRecord], out: Path) -> list[Chart]:
    """The memory pass's peaks against rows: the import's Python peak and the resident
    size of the importing process and its workers."""
    charts = []
    for prop, label, name, caption in (
            ("python_mb", "peak Python memory, MB", "memory_python_vs_rows.png",
             "The most the import's Python allocations held at once (tracemalloc, workers "
             "included), per strategy variant: a slope of 1 is memory that grows with the "
             "file, a flat line memory that does not."),
            ("rss_mb", "peak resident memory, MB", "memory_rss_vs_rows.png",
             "Peak resident size of the importing process plus its workers (Python, Django "
             "and the file as the strategy holds it): what the machine must have.")):
        measured = [c for c in _timed(cases) if getattr(c, prop) is not None]
        fig = _vs_rows(measured, lambda c, p=prop: getattr(c, p), label,
                       f"{label.capitalize()} vs rows (log-log)")
        if fig is not None:
            charts.append(Chart(_save(fig, out / name), label.capitalize() + " vs rows",
                                caption))
    return charts


def memory_by_case(cases: list[CaseRecord], out: Path) -> list[Chart]:
    """The memory pass's two peaks of every case, a pair of bars per case."""
    measured = [c for c in _timed(cases) if c.rss_mb is not None]
    if not measured:
        return []
    measured.sort(key=lambda c: (c.group.title, c.id))
    fig = Figure(figsize=(10, 0.35 * len(measured) + 1.5), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    y = list(range(len(measured)))
    left.barh(y, [c.python_mb or 0 for c in measured], color="C0")
    right.barh(y, [c.peak_rss_mb or 0 for c in measured], color="C1", label="importing process")
    right.barh(y, [c.worker_rss_mb or 0 for c in measured],
               left=[c.peak_rss_mb or 0 for c in measured], color="C2", label="workers")
    left.set_yticks(y, [f"{c.id}" for c in measured], fontsize="x-small")
    left.invert_yaxis()
    left.set_xlabel("peak Python memory, MB (tracemalloc)")
    right.set_xlabel("peak resident memory, MB")
    right.legend(fontsize="x-small")
    for ax in (left, right):
        ax.grid(True, axis="x", alpha=0.3)
    fig.suptitle("Memory per case (the memory pass: each case in a fresh process)")
    return [Chart(_save(fig, out / "memory.png"), "Memory per case",
                  "Left: the most the import's Python allocations held at once. Right: peak "
                  "resident size of the importing process, and its workers' peaks added.")]


def _vs_rows(cases: list[CaseRecord], value, ylabel: str, title: str) -> Figure | None:
    """``value(case)`` against rows, a line per strategy variant, log-log, a panel per
    scenario; ``None`` when no variant has two row counts."""
    counts: dict = {}
    for c in cases:
        counts.setdefault((c.variant, c.scenario, c.db_latency_ms), set()).add(c.rows)
    if not any(len(rows) > 1 for rows in counts.values()):
        return None  # one point per line: nothing to see on a log-log grid
    scenarios = sorted({c.scenario for c in cases})
    fig = Figure(figsize=(5.5 * len(scenarios) + 3, 4.8), layout="constrained")
    axes = fig.subplots(1, len(scenarios), squeeze=False)[0]
    for ax, scenario in zip(axes, scenarios, strict=True):
        lines: dict = {}
        for c in cases:
            if c.scenario == scenario:
                lines.setdefault((c.variant, c.db_latency_ms), []).append(c)
        strategies = sorted({points[0].strategy for points in lines.values()})
        seen: dict = {}
        for (name, _latency), points in sorted(lines.items()):
            points.sort(key=lambda c: c.rows)
            strategy = points[0].strategy
            nth = seen[strategy] = seen.get(strategy, -1) + 1
            ax.plot([c.rows for c in points], [value(c) for c in points],
                    color=f"C{strategies.index(strategy) % 10}",
                    marker=MARKERS[nth % len(MARKERS)],
                    linestyle=("-", "--", ":", "-.")[nth // len(MARKERS) % 4], label=name)
            bad = [c for c in points if not c.verified]
            if bad:
                ax.plot([c.rows for c in bad], [value(c) for c in bad], "x",
                        color="red", markersize=10, markeredgewidth=2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows")
        ax.set_ylabel(ylabel)
        ax.set_title(scenario)
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:]:  # every variant once, beside the panels
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="outside right upper", fontsize="x-small")
    fig.suptitle(title)
    return fig


def _setting(case: CaseRecord, key: str):
    """A shown setting of the case; "-" where the case does not use it."""
    return case.settings.get(key, "-")


def _varying(cases: list[CaseRecord]) -> list[str]:
    """The settings that differ between the cases, in the order the strategy declares
    its knobs (the first goes on the x axis, the second on the y axis)."""
    keys = list(dict.fromkeys(k for c in cases for k in c.settings))
    return [k for k in keys if len({str(_setting(c, k)) for c in cases}) > 1]


def settings_heatmaps(cases: list[CaseRecord], out: Path) -> list[Chart]:
    charts = []
    by_group: dict = {}
    for c in _timed(cases):
        inner = _setting(c, "inner")  # what each chunk runs changes which settings apply
        by_group.setdefault((c.strategy, inner, c.group), []).append(c)
    for (strategy, inner, key), group in sorted(by_group.items(), key=lambda kv: str(kv[0])):
        if inner != "-":
            strategy = f"{strategy}, inner {inner}"
        dims = [k for k in _varying(group) if k != "inner"]
        if not dims:
            continue
        name = _slug(f"settings-{strategy}-{key.title}") + ".png"
        title = f"{strategy}: settings, {key.title}"
        if len(dims) == 1:
            fig = _settings_line(group, dims[0], title)
            caption = ("Median time of each setting; bars span the fastest to the slowest "
                       "round; a red x did not verify and is never recommended.")
        else:
            fig = _heatmap(group, dims[0], dims[1], dims[2:], title)
            caption = ("Median time of each setting; grey cells with a cross did not verify "
                       "and are never recommended.")
        charts.append(Chart(_save(fig, out / name), title, caption))
    return charts


def _values(cases, key):
    values = {_setting(c, key) for c in cases}
    return sorted(values, key=lambda v: (isinstance(v, str), v))


def _settings_line(cases, key, title) -> Figure:
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    ax = fig.subplots()
    values = _values(cases, key)
    for i, value in enumerate(values):
        for c in cases:
            if _setting(c, key) == value:
                median, times = c.median_s, c.times
                ax.errorbar([i], [median], yerr=[[median - min(times)], [max(times) - median]],
                            fmt="o" if c.verified else "x", capsize=4,
                            color="C0" if c.verified else "red")
    ax.set_xticks(range(len(values)), [str(v) for v in values])
    ax.set_xlabel(key)
    ax.set_ylabel("median time, s (bars: min-max of rounds)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return fig


def _heatmap(cases, x_key, y_key, facet_keys, title) -> Figure:
    facets = list(itertools.product(*(_values(cases, k) for k in facet_keys))) or [()]
    xs, ys = _values(cases, x_key), _values(cases, y_key)
    timed = [c.median_s for c in cases]
    lo, hi = min(timed), max(timed)
    fig = Figure(figsize=(max(1.2 * len(xs), 3.2) * len(facets) + 2.5, 0.7 * len(ys) + 1.8),
                 layout="constrained")
    axes = fig.subplots(1, len(facets), squeeze=False)[0]
    image = None
    for ax, facet in zip(axes, facets, strict=True):
        grid = [[None] * len(xs) for _ in ys]
        for c in cases:
            if all(_setting(c, k) == v for k, v in zip(facet_keys, facet, strict=True)):
                grid[ys.index(_setting(c, y_key))][xs.index(_setting(c, x_key))] = c
        values = [[cell.median_s if cell and cell.verified else float("nan")
                   for cell in row] for row in grid]
        image = ax.imshow(values, cmap="viridis_r", vmin=lo, vmax=hi, aspect="auto",
                          origin="lower")
        for yi, row in enumerate(grid):
            for xi, cell in enumerate(row):
                if cell is None:
                    continue
                if cell.verified:
                    light = (cell.median_s - lo) / ((hi - lo) or 1) < 0.5  # yellow end
                    ax.text(xi, yi, f"{cell.median_s:.3g}", ha="center", va="center",
                            color="black" if light else "white", fontsize="small")
                else:
                    ax.add_patch(_cross_cell(xi, yi))
                    ax.text(xi, yi, f"✗ {cell.median_s:.3g}", ha="center", va="center",
                            color="black", fontsize="small")
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        ax.set_yticks(range(len(ys)), [str(v) for v in ys])
        ax.set_xlabel(x_key)
        ax.set_ylabel(y_key)
        if facet_keys:
            ax.set_title(", ".join(f"{k}={v}" for k, v in zip(facet_keys, facet, strict=True)),
                         fontsize="small")
    fig.colorbar(image, ax=list(axes), label="median time, s")
    fig.suptitle(title)
    return fig


def _cross_cell(x, y):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=UNVERIFIED, hatch="//",
                     edgecolor="white")


#: A colour per worker in a chunk timeline: matplotlib's cycle without its red (C3), which
#: there means a chunk that raised.
WORKER_COLOURS = [f"C{i}" for i in range(10) if i != 3]


def chunk_timelines(cases: list[CaseRecord], out: Path) -> list[Chart]:
    """One figure per chunked strategy and group (scenario, rows, latency), a panel per
    case."""
    figures: dict = {}
    for c in cases:
        if len(c.chunk_facts) >= 2:
            figures.setdefault((c.strategy, c.group), []).append(c)
    charts = []
    for (strategy, key), group in sorted(figures.items(), key=lambda kv: str(kv[0])):
        charts.append(_timeline(strategy, key, group, out))
    return charts


def _timeline(strategy: str, key: Group, cases: list[CaseRecord], out: Path) -> Chart:
    columns = 2 if len(cases) > 1 else 1
    rows = -(-len(cases) // columns)
    tallest = max(len(c.chunk_facts) for c in cases)
    fig = Figure(figsize=(6.5 * columns, rows * (0.22 * tallest + 1.1) + 0.6),
                 layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False, sharex=True).flatten()
    for ax, c in zip(axes, cases, strict=False):
        facts = c.chunk_facts
        workers = sorted({(f.pid, f.thread_id) for f in facts})
        for f in facts:
            color = "red" if f.error else WORKER_COLOURS[
                workers.index((f.pid, f.thread_id)) % len(WORKER_COLOURS)]
            if f.queued_s:  # waiting in the broker's queue, then running
                ax.barh(f.index, f.queued_s, left=f.start - f.queued_s, color="none",
                        edgecolor="grey", hatch="///", linewidth=0.4)
            ax.barh(f.index, f.end - f.start, left=f.start, color=color,
                    alpha=1.0 if f.committed else 0.45, edgecolor="black", linewidth=0.4)
        ax.set_yticks([f.index for f in facts], [str(f.index) for f in facts],
                      fontsize="xx-small")
        ax.invert_yaxis()
        ax.set_ylabel("chunk", fontsize="small")
        ax.set_title(f"{c.variant}: {len(workers)} thread(s)/process(es), at most "
                     f"{c.max_overlap} at once", fontsize="small")
        ax.grid(True, axis="x", alpha=0.3)
    for ax in axes[len(cases):]:
        ax.set_visible(False)
    for ax in axes[-columns:]:
        ax.set_xlabel("seconds from the first chunk's start")
    title = f"Chunk timeline: {strategy}, {key.title}"
    fig.suptitle(title + " (last timed round)")
    path = _save(fig, out / (_slug(f"timeline-{strategy}-{key.title}") + ".png"))
    return Chart(path, title, "One bar per chunk, coloured by the thread or process that ran "
                 "it; bars side by side in time ran at once. Faded: not committed; red: the "
                 "chunk raised; hatched before a bar: the Celery task waited in the queue. "
                 "Panels: " + ", ".join(c.variant for c in cases))


def queries_per_row(cases: list[CaseRecord], out: Path) -> list[Chart]:
    groups: dict = {}
    for c in cases:
        if c.queries_per_row is not None:
            groups.setdefault(c.group, []).append(c)
    if not groups:
        return []
    tallest = max(len(g) for g in groups.values())
    fig = Figure(figsize=(6.5 * len(groups), 0.32 * tallest + 1.8), layout="constrained")
    axes = fig.subplots(1, len(groups), squeeze=False)[0]
    for ax, (key, group) in zip(axes, sorted(groups.items(), key=lambda kv: str(kv[0])),
                                strict=True):
        group = sorted(group, key=lambda c: c.queries_per_row)
        values = [max(c.queries_per_row, 1e-3) for c in group]
        ax.barh(range(len(group)), values,
                color=["C0" if c.verified else UNVERIFIED for c in group])
        for i, c in enumerate(group):
            ax.text(values[i], i, f" {c.queries_per_row:.3g}", va="center",
                    fontsize="x-small")
        ax.set_yticks(range(len(group)), [c.id for c in group], fontsize="x-small")
        ax.set_xscale("log")
        ax.set_xlabel("SQL statements per row (log)")
        ax.set_title(key.title, fontsize="small")
    fig.suptitle("Queries per row (grey: did not verify)")
    return [Chart(_save(fig, out / "queries_per_row.png"), "Queries per row",
                  "Every SQL statement the import sent, savepoints included, per row of "
                  "the file.")]


#: The parts of a round's time, in the order the bars stack them, with their colours.
PARTS = (("db", "database", "#4a78c2"), ("lock", "waiting for a lock", "#c62828"),
         ("latency", "modelled latency", "#e69500"),
         ("python", "Python (library and harness)", "#43a047"),
         ("queue", "waiting in a Celery queue", "#ce93d8"),
         ("outside", "outside chunks", "#9e9e9e"))


def time_split(cases: list[CaseRecord], out: Path) -> list[Chart]:
    """A bar per case: the share of each part in its last round, its wall time beside it."""
    groups: dict = {}
    for c in cases:
        if c.time_split is not None:
            groups.setdefault(c.group, []).append(c)
    if not groups:
        return []
    tallest = max(len(g) for g in groups.values())
    fig = Figure(figsize=(7.5 * len(groups), 0.32 * tallest + 2.0), layout="constrained")
    axes = fig.subplots(1, len(groups), squeeze=False)[0]
    for ax, (key, group) in zip(axes, sorted(groups.items(), key=lambda kv: str(kv[0])),
                                strict=True):
        group = sorted(group, key=lambda c: c.median_s or 0, reverse=True)
        left = [0.0] * len(group)
        for part, label, colour in PARTS:
            shares = [c.time_split.shares()[part] for c in group]
            ax.barh(range(len(group)), shares, left=left, color=colour, label=label)
            left = [a + b for a, b in zip(left, shares, strict=True)]
        for i, c in enumerate(group):
            parallel = f", {c.time_split.parallel:.1f}x parallel" \
                if c.time_split.parallel > 1.05 else ""
            ax.text(1.01, i, f"{c.median_s:.3g} s{parallel}", va="center",
                    fontsize="x-small")
        ax.set_yticks(range(len(group)), [c.id for c in group], fontsize="x-small")
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of the time of the last round")
        ax.set_title(key.title, fontsize="small")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(PARTS),
               fontsize="x-small")
    fig.suptitle("Where the time goes")
    return [Chart(_save(fig, out / "time_split.png"), "Where the time goes",
                  "Each case's last timed round split into time inside SQL statements "
                  "(every thread and worker), waiting for a lock, modelled network latency, "
                  "Python (django-import-export and the harness), chunks waiting in a Celery "
                  "queue for a worker, and outside any chunk (start-up of workers, splitting, "
                  "merging); medians beside the bars. Chunks that run or wait at once add up "
                  "their time, so a parallel case's parts add up to more than its wall "
                  "time.")]


def draw_all(cases: list[CaseRecord], out: Path) -> list[Chart]:
    return (time_split(cases, out) + time_vs_rows(cases, out)
            + memory_vs_rows(cases, out) + memory_by_case(cases, out)
            + settings_heatmaps(cases, out) + chunk_timelines(cases, out)
            + queries_per_row(cases, out))
