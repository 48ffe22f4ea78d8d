"""``python -m bench calibrate``: this machine's noise, measured with an A/A experiment."""

from __future__ import annotations

import json

from ..execute.schedule import SCHEDULES
from .command import Command, UsageError
from .common_args import (
    add_database,
    add_output,
    add_project,
    add_rows,
    add_strategies,
    choice_list,
    db_file,
    positive_int,
    project_fields,
)


class Calibrate(Command):
    name = "calibrate"
    help = "measure this machine's noise: an A/A experiment, blocked vs interleaved rounds"
    description = (
        "Enter the defaults of each strategy --replicas times as if they were different "
        "settings, time them (interleaved and blocked rounds, one run each) and report what "
        "the verdict finds between replicas: every difference it calls significant is a "
        "false positive. Also reports the noise floor: the spread of each case's rounds, and "
        "of its median across replicas, wall and CPU time. --drift START:SECONDS loads every "
        "core for SECONDS from START seconds into each run, to show what drift does to each "
        "schedule. Writes OUT/calibration.json.")

    @classmethod
    def add_arguments(cls, parser):
        add_strategies(parser, default=["sequential", "bulk", "tuned"])
        add_rows(parser, many=True, default=[500, 2000])
        parser.add_argument("--replicas", type=positive_int, default=5,
                            help="copies of each case (5 give 10 A/A pairs per case)")
        parser.add_argument("--rounds", type=positive_int, default=5,
                            help="timed rounds per replica")
        parser.add_argument("--schedules", type=choice_list(SCHEDULES),
                            default=list(SCHEDULES), help="round schedules to compare")
        parser.add_argument("--drift", default=None, metavar="START:SECONDS",
                            help="load every core from START to START+SECONDS seconds into "
                            "each run")
        parser.add_argument("--order-seed", type=int, default=1,
                            help="seed of the interleaved order (the same for every run)")
        add_database(parser)
        add_project(parser, file=False)
        add_output(parser)

    @classmethod
    def run(cls, args) -> int:
        from ..execute.calibrate import Drift, calibrate, calibration_matrix
        from ..results.console import console, print_calibration
        from ..results.noise import calibration

        if args.replicas < 2:
            raise UsageError("--replicas must be 2 or more: an A/A experiment compares copies")
        try:
            drift = Drift.parse(args.drift) if args.drift else None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if "sequential" not in args.strategies:
            args.strategies = ["sequential", *args.strategies]  # the yardstick of correctness
        options = calibration_matrix(args.strategies, args.rows, args.replicas, args.rounds)
        options.db, options.order_seed = args.db, args.order_seed
        fields = project_fields(args, None)
        options.project_root = fields["project_root"]
        options.allow_skip_signals = fields["allow_skip_signals"]
        runs = calibrate(options, args.schedules, args.out, db_file(args), drift)
        report = {"drift": drift and {"start_s": drift.start_s, "seconds": drift.seconds,
                                      "processes": drift.processes},
                  "runs": {s: str(run_dir) for s, (_, run_dir, _) in runs.items()},
                  **calibration({s: summary for s, (_, _, summary) in runs.items()})}
        path = args.out / "calibration.json"
        path.write_text(json.dumps(report, indent=2) + "\n")
        print_calibration(report, console())
        print(f"written: {path}")
        return max(code for code, _, _ in runs.values())

