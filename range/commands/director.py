"""``grapevine director``: the exercise director's console (a Textual app in
:mod:`tui.director`).

::

    grapevine director --url http://127.0.0.1:8000/ --user director [--password-stdin]

The password is prompted for on the terminal, or read from one line of standard
input with ``--password-stdin``. The console talks to the server only over the
range API, so it works against a local or a remote exercise alike.

``range`` must not import ``tui`` (imports flow tui -> range): the console module is
loaded by name when the command runs, never when the CLI is assembled.
"""

from __future__ import annotations

import argparse
import importlib

from range.commands.team import add_console_arguments, read_password

CONSOLE = "tui.director.main"
"""The module whose ``run(url, user, password, api_root=...)`` opens the console."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine director`` to the CLI."""
    parser = subparsers.add_parser(
        "director",
        help="open the exercise director's console",
        description="Open the director console on a running exercise: the timeline,"
        " pace and injects, every team at a glance, the sharing graph, sitreps, messages.",
    )
    add_console_arguments(parser, "the director's account")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    console = importlib.import_module(CONSOLE)
    return console.run(args.url, args.user, password, api_root=args.api_root)
