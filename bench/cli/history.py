"""``python -m bench history``: the version history of the runs ``nox -s versions`` wrote."""

from __future__ import annotations

from pathlib import Path

from .command import Command, UsageError


class History(Command):
    name = "history"
    help = "compare the runs of several django-import-export / Django releases"
    description = (
        "Read the run of every combination under ROOT (ROOT/<library>-django<django>/latest, "
        "as 'nox -s versions' writes them) and write ROOT/history.md, history.json and "
        "history.png: per Django release, each case's time as a multiple of reference, its "
        "SQL statements per row and its Python peak across library releases, and every step "
        "between consecutive library releases (and Django releases) past 1.2x in time, 10%% "
        "in statements per row or 1.2x in Python peak. With --from "
        "and --to, print what changes for each case between those two releases and exit 1 "
        "when a case regressed past those tolerances (to guard an upgrade in CI).")

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("root", type=Path, nargs="?", default=Path("results/versions"),
                            help="the folder the combinations' runs are in")
        parser.add_argument("--from", dest="start", metavar="RELEASE",
                            help="the django-import-export release you have, e.g. 4.3 "
                            "(its newest patch measured) or 4.3.14")
        parser.add_argument("--to", dest="end", metavar="RELEASE",
                            help="the release you upgrade to, e.g. 4.4")

    @classmethod
    def run(cls, args) -> int:
        from ..results.history import columns, steps, upgrade, write

        if (args.start is None) != (args.end is None):
            raise UsageError("give both --from and --to (e.g. --from 4.3 --to 4.4)")
        if not args.root.is_dir():
            raise UsageError(f"{args.root} does not exist: run 'nox -s versions' first")
        cols = columns(args.root)
        if not cols:
            raise UsageError(f"{args.root} holds no run of a combination (each in "
                             "<library>-django<django>/latest): run 'nox -s versions' first")
        path = write(args.root, cols)
        print(f"{len(cols)} combinations: " + ", ".join(c.label for c in cols))
        for step in steps(cols):
            print(f"step: {step.describe()}")
        print(f"history: {path}")
        if args.start is None:
            return 0
        lines, regressed = upgrade(cols, args.start, args.end)
        if not lines:
            raise UsageError(f"no Django release ran both {args.start} and {args.end}: "
                             f"measured {', '.join(c.label for c in cols)}")
        print("\n".join(lines))
        print("a case regressed" if regressed else "no case regressed")
        return 1 if regressed else 0
