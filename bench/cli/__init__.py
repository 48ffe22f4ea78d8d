"""``python -m bench`` (or ``django-import-bench``): one module per command, each a
:class:`~.command.Command`; the arguments several commands share are defined once in
:mod:`.common_args`."""

from __future__ import annotations

import argparse
import sys

from .calibrate import Calibrate
from .command import UsageError
from .generate import Generate
from .history import History
from .import_file import Import
from .regress import Regress
from .report import Report
from .run import Run, user_problems
from .tune import Tune
from .worker import Worker

COMMANDS = (Generate, Run, Tune, Calibrate, Import, Regress, Report, History, Worker)

DESCRIPTION = """\
django-import-bench: measure how fast django-import-export imports data, and whether the
result is still correct.

Run 'python -m bench COMMAND --help' for the options of a command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.setup_arguments(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except UsageError as exc:
        args.parser.error(str(exc))  # prints the command's usage and exits 2
    except user_problems() as exc:
        print(f"{args.parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
