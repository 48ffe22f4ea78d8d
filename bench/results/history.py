"""Version history: the same verified matrix under each django-import-export and Django
release, side by side (``nox -s versions``, then ``python -m bench history``).

Each combination runs the matrix in an environment of its own and writes a run folder
under ``ROOT/<library>-django<django>/`` (:func:`columns` reads each one's ``latest``).
Figures are compared only as what stays put between environments: statements per row
(exact) and time as a multiple of ``reference`` measured in the same run (the machine's
drift between two environments run minutes apart cancels out), and the memory pass's
Python peak (tracemalloc: what the import itself allocates, which the interpreter and the
libraries loaded before it do not blur, unlike the resident size).

- :func:`table`: per Django release, one line per case (strategy and settings, scenario)
  and one column per library release in release order: ``x ref / queries per row / MB``;
- :func:`steps`: every change between consecutive library releases (under one Django
  release), and between consecutive Django releases (under one library release), larger
  than :data:`TIME_STEP` in time, :data:`QUERY_STEP` in statements per row or
  :data:`MEMORY_STEP` in Python peak, with the flame reports of both;
- :func:`upgrade`: what changes for each case from one release to another, and whether it
  regresses beyond those tolerances (what guards an upgrade pull request).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .record import CaseRecord
from .summary import build_summary, is_run_folder

#: A change of time (as a multiple of reference) past this factor either way is a step.
TIME_STEP = 1.2
#: A change of statements per row past this fraction either way is a step.
QUERY_STEP = 0.10
#: A change of the import's Python peak past this factor either way is a step (between
#: two environments of one release it moves under 2% here, tracemalloc counting bytes)...
MEMORY_STEP = 1.2
#: ... and past this many MB (the gate's own room for the figure, bench/results/gate.py):
#: a 0.26 -> 0.32 MB peak is 1.24x and matters to nobody.
MEMORY_FLOOR_MB = 0.5


def release_key(version: str) -> tuple:
    """``"4.3.14"`` -> ``(4, 3, 14)``; a local build (``4.4.3+local``) after its release."""
    head, _, local = version.partition("+")
    parts = []
    for part in head.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return (*parts, 1 if local else 0)


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


@dataclass
class Column:
    """One combination's run: its releases and its cases by ``(variant, scenario)``."""

    library: str
    django: str
    python: str
    run_dir: Path
    cases: dict[tuple[str, str], CaseRecord] = field(default_factory=dict)
    #: The geometric mean of the run's ``reference`` cases that were a yardstick (wrote
    #: rows): the machine's speed in this run for a case whose own group has none.
    yardstick_s: float | None = None

    @property
    def label(self) -> str:
        return f"{self.library} / Django {minor(self.django)}"

    def relative_time(self, key: tuple[str, str]) -> tuple[float | None, bool]:
        """The case's time as a multiple of ``reference``: its own group's when there is
        one (``True``), else the run's other reference cases' (``False``), else ``None``."""
        case = self.cases.get(key)
        if case is None:
            return None, True
        if case.x_reference:
            return case.x_reference, True
        if self.yardstick_s and case.median_s:
            return case.median_s / self.yardstick_s, False
        return None, True


def columns(root: Path) -> list[Column]:
    """Every combination's latest run under ``root``, in release order (Django, then the
    library)."""
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        run_dir = folder / "latest"
        if not run_dir.exists() or not is_run_folder(run_dir):
            continue
        summary = build_summary(run_dir.resolve())
        env = summary.environment
        library, django = env.get("django_import_export"), env.get("django")
        if not library or not django:
            continue
        if folder.name.startswith("local-"):  # --library-path: a build of the library's
            library = f"{library}+local"
        column = Column(str(library), str(django), str(env.get("python")), run_dir.resolve())
        for case in summary.cases:
            if case.median_s and case.verified:
                column.cases[(case.variant, case.scenario)] = case
        yardsticks = [c.median_s for c in column.cases.values()
                      if c.strategy == "reference" and c.x_reference]
        if yardsticks:
            column.yardstick_s = math.prod(yardsticks) ** (1 / len(yardsticks))
        found.append(column)
    return sorted(found, key=lambda c: (release_key(c.django), release_key(c.library)))


def by_django(cols: list[Column]) -> dict[str, list[Column]]:
    groups: dict[str, list[Column]] = {}
    for col in cols:
        groups.setdefault(minor(col.django), []).append(col)
    return groups


def _cell(col: Column, key: tuple[str, str]) -> str:
    case = col.cases.get(key)
    if case is None:
        return "-"
    value, own = col.relative_time(key)
    ref = "-" if value is None else f"{value:.2f}" + ("" if own else "*")
    memory = f" / {case.python_mb:.2f}" if case.python_mb is not None else ""
    return f"{ref} / {case.queries_per_row:.2f}{memory}"


def table(cols: list[Column]) -> list[str]:
    """Markdown: per Django release, ``x ref / queries per row / Python MB`` of every
    case."""
    lines = []
    for django, group in by_django(cols).items():
        keys = sorted({k for col in group for k in col.cases})
        lines += [f"### Django {django}", "",
                  "| case | scenario | " + " | ".join(c.library for c in group) + " |",
                  "|---|---|" + "---|" * len(group)]
        for variant, scenario in keys:
            lines.append(f"| {variant} | {scenario} | "
                         + " | ".join(_cell(c, (variant, scenario)) for c in group)
                         + " |")
        lines.append("")
    return lines


@dataclass(frozen=True)
class Step:
    variant: str
    scenario: str
    before: Column
    after: Column
    time_ratio: float | None
    query_change: float | None
    memory_ratio: float | None = None

    @property
    def old(self) -> CaseRecord:
        return self.before.cases[(self.variant, self.scenario)]

    @property
    def new(self) -> CaseRecord:
        return self.after.cases[(self.variant, self.scenario)]

    def describe(self) -> str:
        parts = []
        if self.time_ratio is not None:
            key = (self.variant, self.scenario)
            (old, own), (new, _) = self.before.relative_time(key), self.after.relative_time(key)
            parts.append(f"time {old:.2f} -> {new:.2f} x "
                         + ("reference" if own else "the run's other reference cases")
                         + f" ({self.time_ratio:.2f}x)")
        if self.query_change is not None:
            parts.append(f"queries/row {self.old.queries_per_row:.2f} -> "
                         f"{self.new.queries_per_row:.2f} ({self.query_change:+.0%})")
        if self.memory_ratio is not None:
            parts.append(f"Python peak {self.old.python_mb:.2f} -> {self.new.python_mb:.2f} "
                         f"MB ({self.memory_ratio:.2f}x)")
        return (f"{self.variant} {self.scenario}: {self.before.label} -> {self.after.label}: "
                + "; ".join(parts))

    def flames(self) -> tuple[Path | None, Path | None]:
        def path(col, case):
            return col.run_dir / case.flame if case.flame else None
        return path(self.before, self.old), path(self.after, self.new)


def _time_ratio(before: Column, after: Column, key: tuple[str, str]) -> float | None:
    """How many times longer the case took in ``after`` than in ``before``, each relative
    to its run's yardstick of the same kind (its group's reference in both, or the run's
    other reference cases in both), else ``None``."""
    (old, old_own), (new, new_own) = before.relative_time(key), after.relative_time(key)
    return new / old if old and new and old_own == new_own else None


def compare(before: Column, after: Column, key: tuple[str, str],
            time_step: float = TIME_STEP, query_step: float = QUERY_STEP,
            memory_step: float = MEMORY_STEP) -> Step | None:
    """The change of one case from ``before`` to ``after`` when it is larger than the
    tolerances, else ``None``."""
    old, new = before.cases.get(key), after.cases.get(key)
    if old is None or new is None:
        return None
    ratio = _time_ratio(before, after, key)
    change = ((new.queries_per_row - old.queries_per_row) / old.queries_per_row
              if old.queries_per_row else None)
    memory = new.python_mb / old.python_mb if old.python_mb and new.python_mb else None
    time_moved = ratio is not None and (ratio > time_step or ratio < 1 / time_step)
    queries_moved = change is not None and abs(change) > query_step
    memory_moved = memory is not None and (memory > memory_step or memory < 1 / memory_step) \
        and abs(new.python_mb - old.python_mb) > MEMORY_FLOOR_MB
    if not (time_moved or queries_moved or memory_moved):
        return None
    return Step(key[0], key[1], before, after, ratio if time_moved else None,
                change if queries_moved else None, memory if memory_moved else None)


def by_library(cols: list[Column]) -> dict[str, list[Column]]:
    """The columns of each library release, in Django release order."""
    groups: dict[str, list[Column]] = {}
    for col in cols:
        groups.setdefault(col.library, []).append(col)
    return groups


def steps(cols: list[Column]) -> list[Step]:
    """Every step between consecutive library releases under one Django release, then
    between consecutive Django releases under one library release."""
    found = []
    for groups in (by_django(cols), by_library(cols)):
        for group in groups.values():
            for before, after in zip(group, group[1:], strict=False):
                for key in sorted(set(before.cases) & set(after.cases)):
                    step = compare(before, after, key)
                    if step is not None:
                        found.append(step)
    return found


def pick(cols: list[Column], version: str, django: str) -> Column | None:
    """The newest column of ``django`` whose library release is ``version`` or in its
    minor (``4.3`` matches ``4.3.14``)."""
    matching = [c for c in cols if minor(c.django) == django
                and (c.library == version or c.library.startswith(version + "."))]
    return matching[-1] if matching else None


def upgrade(cols: list[Column], start: str, end: str) -> tuple[list[str], bool]:
    """Lines saying what changes for each case from ``start`` to ``end`` under each Django
    release that ran both, and whether any case regressed (slower past
    :data:`TIME_STEP`, or more statements per row past :data:`QUERY_STEP`)."""
    lines, regressed = [], False
    for django in by_django(cols):
        before, after = pick(cols, start, django), pick(cols, end, django)
        if before is None or after is None or before is after:
            continue
        lines.append(f"Django {django}: {before.library} -> {after.library}")
        for key in sorted(set(before.cases) | set(after.cases)):
            old, new = before.cases.get(key), after.cases.get(key)
            if old is None or new is None:
                lines.append(f"  {key[0]} {key[1]}: only in "
                             f"{before.library if new is None else after.library}")
                continue
            step = compare(before, after, key)
            worse = step is not None and (
                (step.time_ratio or 1) > 1 or (step.query_change or 0) > 0
                or (step.memory_ratio or 1) > 1)
            regressed |= worse
            mark = "REGRESSED" if worse else ("improved" if step else "within tolerance")
            ratio = _time_ratio(before, after, key)
            ratio = (f", {ratio:.2f}x the time" if ratio is not None else
                     "; time not compared: no reference that wrote rows in both runs' "
                     "groups alike")
            lines.append(f"  {key[0]} {key[1]}: {_cell(before, key)} -> {_cell(after, key)} "
                         f"(x ref / queries per row / Python MB{ratio}): {mark}")
    return lines, regressed


def chart(cols: list[Column], path: Path) -> Path | None:
    """x reference, statements per row and the Python peak per strategy (its defaults),
    across library releases, one column of panels per Django release."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = by_django(cols)
    if not groups:
        return None
    # one scale per row, so that a Django release's step shows between columns too
    fig, axes = plt.subplots(3, len(groups), figsize=(6 * len(groups), 10), squeeze=False,
                             sharex="col", sharey="row")
    variants = sorted({k[0] for c in cols for k in c.cases})
    colour = {v: f"C{i % 10}" for i, v in enumerate(variants)}  # one per strategy
    for i, (django, group) in enumerate(groups.items()):
        labels = [c.library for c in group]
        keys = sorted({k for c in group for k in c.cases})
        for key in keys:
            for row, value in ((0, lambda c, k: c.relative_time(k)[0]),
                               (1, lambda c, k: c.cases[k].queries_per_row),
                               (2, lambda c, k: c.cases[k].python_mb)):
                ys = [value(c, key) if key in c.cases else None for c in group]
                axes[row][i].plot(labels, [y if y is not None else float("nan") for y in ys],
                                  marker="o" if key[1] == "create" else "s",
                                  linestyle="-" if key[1] == "create" else "--",
                                  color=colour[key[0]], label=f"{key[0]} {key[1]}")
        axes[0][i].set_yscale("log")
        axes[0][i].set_title(f"Django {django}")
        axes[0][i].set_ylabel("time, x reference (log)")
        axes[1][i].set_ylabel("statements per row")
        axes[2][i].set_ylabel("Python peak, MB (memory pass)")
        axes[2][i].set_xlabel("django-import-export")
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def _other_reference(col: Column, key: tuple[str, str]) -> float | None:
    """The case's time as a multiple of the run's other reference cases, where its own
    group has no reference to divide by (the ``*`` cells), else ``None``."""
    value, own = col.relative_time(key)
    return None if own else value


def write(root: Path, cols: list[Column]) -> Path:
    """``history.md``, ``history.json`` and ``history.png`` under ``root``."""
    found = steps(cols)
    picture = chart(cols, root / "history.png")
    lines = ["# Version history", "",
             "Each cell: time as a multiple of `reference` in the same run / SQL statements "
             "per row / the import's Python peak in MB (the memory pass's tracemalloc). Only "
             "verified cases. `*`: no `reference` that wrote rows in the case's group (refused, "
             "or every row skipped): time as a multiple of the run's other reference cases "
             "(their geometric mean).", "",
             *table(cols),
             "## Steps between consecutive releases", "",
             "(library releases under one Django release, then Django releases under one "
             f"library release; time past {TIME_STEP}x either way, statements per row past "
             f"{QUERY_STEP:.0%}, Python peak past {MEMORY_STEP}x)", ""]
    for step in found:
        old, new = step.flames()
        links = " ".join(f"[{name}]({p})" for name, p in (("before", old), ("after", new)) if p)
        lines.append(f"- {step.describe()} {links}")
    if not found:
        lines.append("- none")
    if picture:
        lines += ["", f"![history]({picture.name})"]
    (root / "history.md").write_text("\n".join(lines) + "\n")
    (root / "history.json").write_text(json.dumps({
        "combinations": [{"library": c.library, "django": c.django, "python": c.python,
                          "run": str(c.run_dir),
                          "cases": {f"{v} {s}": {"x_reference": case.x_reference,
                                                 # x the run's other reference cases ('*')
                                                 "x_run_reference": _other_reference(c, (v, s)),
                                                 "queries_per_row": case.queries_per_row,
                                                 "python_mb": case.python_mb,
                                                 "rss_mb": case.rss_mb}
                                    for (v, s), case in c.cases.items()}}
                         for c in cols],
        "steps": [step.describe() for step in found]}, indent=2) + "\n")
    return root / "history.md"
