"""The ``grapevine`` command line.

Each command group lives in its own module under :mod:`range.commands` and exposes
``register(subparsers)``; this module only assembles them and turns Grapevine errors
into a one-line message and exit status 2 (usage) or 1 (refused).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from indicators.errors import GrapevineError
from range.errors import UsageError

# Command modules, in the order ``grapevine --help`` lists them. A module that is
# missing is skipped, so a command group can land on its own.
COMMAND_MODULES: tuple[str, ...] = (
    "range.commands.play",
    "range.commands.serve",
    "range.commands.run",
    "range.commands.users",
    "range.commands.taxii",
    "range.commands.scenario",
    "range.commands.indicators",
    "range.commands.director",
    "range.commands.team",
    "range.commands.scoreboard",
    "range.commands.web",
    "range.commands.loadtest",
)


class MissingCommandError(UsageError):
    """A command or action is missing (``grapevine``, ``grapevine users``); ``help``
    is the usage and the list of what may follow, printed before the error line."""

    def __init__(self, message: str, help_text: str) -> None:
        super().__init__(message)
        self.help = help_text


_SUBCOMMAND_METAVARS = ("COMMAND", "ACTION")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        required = "the following arguments are required: "
        if message.startswith(required) and message[len(required) :] in _SUBCOMMAND_METAVARS:
            raise MissingCommandError(f"{self.prog}: {message}", self.format_help())
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every command group that is installed."""
    parser = _Parser(
        prog="grapevine",
        description="Grapevine cyber-defense exercise range and TAXII 2.1 indicator sharing.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        result = args.handler(args)
    except UsageError as exc:
        if isinstance(exc, MissingCommandError):
            print(exc.help, file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GrapevineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``grapevine ... | head``): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
