"""``python -m bench tune``: sweep one strategy's knobs and recommend a setting."""

from __future__ import annotations

import argparse

from ..execute.tune import DEFAULT_ROUNDS, DEFAULT_SCENARIOS, sweep_options
from ..strategies import tunable
from .command import Command
from .common_args import (
    add_knobs,
    add_matrix_options,
    add_rows,
    add_scenarios,
    knob_values,
    matrix_fields,
)
from .run import run_matrix


def _swept(knob) -> str:
    if knob.sweep:
        return (f" (default: {', '.join(map(str, knob.sweep))}, and the default "
                f"{knob.default_value()})")
    return f" (default: {knob.default_value()})"


class Tune(Command):
    name = "tune"
    help = "sweep one strategy's settings and recommend the fastest verified one"
    description = (
        "Sweep the knobs STRATEGY declares (and those of the strategy its chunks run), "
        "always including their defaults, with 'sequential' (django-import-export's "
        "defaults) and 'reference' as yardsticks. Every case is verified. Prints a table "
        "and a verdict: the fastest verified setting, its margin over the runner-up, the "
        "defaults and sequential, and whether that margin is beyond noise (Mann-Whitney U "
        "over the rounds, p < 0.05, and interquartile ranges apart). Several --rows give the "
        "log-log slope of time against rows. Writes OUT/<run-id>/report.html like 'run'. "
        "A knob given no values is swept over the values it declares.")

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument("--strategy", required=True, choices=tunable(),
                            help="the strategy whose settings to sweep")
        add_rows(parser, many=True, help="row counts; two or more also measure how time grows")
        add_scenarios(parser, default=DEFAULT_SCENARIOS)
        add_knobs(parser, many=True, defaults=lambda knob: argparse.SUPPRESS, note=_swept)
        add_matrix_options(parser, rounds=DEFAULT_ROUNDS)

    @classmethod
    def run(cls, args) -> int:
        from ..execute.tune import verdicts_for
        from ..results.console import print_verdicts

        options = sweep_options(args.strategy, knob_values(args), **matrix_fields(args))

        def verdicts(summary, out):
            print_verdicts(verdicts_for(args.strategy, summary), summary, out)

        return run_matrix(cls, args, options, progress=True, after=verdicts)
