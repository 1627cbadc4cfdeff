"""``grapevine scoreboard``: the ranking and score over time, full screen, read-only
(a Textual app in :mod:`tui.scoreboard`).

::

    grapevine scoreboard --url http://127.0.0.1:8000/ --user partner [--password-stdin]

The range API serves the scoreboard to every account but not without one, so the
scoreboard logs in: any role will do (a team's, the director's or a partner's). The
password is prompted for on the terminal, or read from one line of standard input
with ``--password-stdin``.

``range`` must not import ``tui``: the module is loaded by name when the command runs.
"""

from __future__ import annotations

import argparse
import importlib

from range.commands.team import add_console_arguments, read_password

CONSOLE = "tui.scoreboard.main"
"""The module whose ``run(url, user, password, api_root=...)`` opens the scoreboard."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine scoreboard`` to the CLI."""
    parser = subparsers.add_parser(
        "scoreboard",
        help="show the scoreboard (ranking and score over time)",
        description="Show the scoreboard of a running exercise, full screen and read-only.",
    )
    add_console_arguments(parser, "any account: team, director or partner")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    console = importlib.import_module(CONSOLE)
    return console.run(args.url, args.user, password, api_root=args.api_root)
