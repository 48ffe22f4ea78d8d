"""``python -m bench report``: rebuild a run's summary, charts and page from its files."""

from __future__ import annotations

from pathlib import Path

from .command import Command, UsageError


class Report(Command):
    name = "report"
    help = "rebuild a run's summary, charts and report.html from its files"
    description = ("Rebuild summary.json, summary.md, charts/*.png, recommendations.json and "
                   "report.html of a run folder from the files the run wrote (cases.jsonl, "
                   "benchmark.json, refused.json); nothing is re-run.")

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("run_dir", type=Path, nargs="?", default=Path("results/latest"),
                            help="the run folder")

    @classmethod
    def run(cls, args) -> int:
        from ..results.html import write_report
        from ..results.summary import is_run_folder

        if not is_run_folder(args.run_dir):
            raise UsageError(f"{args.run_dir} is not a run folder (no benchmark.json); give "
                             "the folder a 'python -m bench run' or 'tune' wrote, e.g. "
                             "results/latest")
        print(write_report(args.run_dir.resolve()))
        return 0
