"""The small base every command of ``python -m bench`` is built on (one module each)."""

from __future__ import annotations

import argparse
import sys
from typing import ClassVar


class UsageError(Exception):
    """The user asked for something that cannot be done as asked; the message says why.
    ``main`` prints it with the command's usage and exits 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds ``(default: ...)`` to an option's help, except where the help already says what
    the default is, or there is none to show (a flag, an option that is off unless given)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "(default" in text or action.default in (None, False):
            return text
        if isinstance(action.default, list | tuple):  # as it is typed: a,b,c
            shown = ",".join(str(value) for value in action.default).replace("%", "%%")
            return f"{text} (default: {shown})"
        return super()._get_help_string(action)


class Command:
    """A subcommand: its name, one line of help, a description, its arguments and what it
    does. ``run`` returns the exit status."""

    name: ClassVar[str]
    help: ClassVar[str]
    description: ClassVar[str]

    @classmethod
    def setup_arguments(cls, subparsers) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(
            cls.name, help=cls.help, description=cls.describe(),
            formatter_class=HelpFormatter)
        cls.add_arguments(parser)
        parser.set_defaults(func=cls.run, parser=parser)
        return parser

    @classmethod
    def describe(cls) -> str:
        """The description ``--help`` prints; a command whose description quotes defaults
        kept elsewhere builds it here."""
        return cls.description

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        raise NotImplementedError

    @classmethod
    def run(cls, args: argparse.Namespace) -> int:
        raise NotImplementedError

    @classmethod
    def fail(cls, message: str) -> int:
        """A problem the user can fix outside the command line (a missing server, a file):
        one line on standard error, exit status 2, no traceback."""
        print(f"python -m bench {cls.name}: error: {message}", file=sys.stderr)
        return 2
