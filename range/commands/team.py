"""``grapevine team``: the CERT team console (a Textual app in :mod:`tui.team`).

::

    grapevine team --url http://127.0.0.1:8000/ --user ee-analyst [--password-stdin]

The password is prompted for on the terminal, or read from one line of standard
input with ``--password-stdin``. The console talks to the server only over the
range API and TAXII, so it works against a local or a remote exercise alike.

``range`` must not import ``tui`` (imports flow tui -> range): the console module is
loaded by name when the command runs, never when the CLI is assembled.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys

from indicators.taxii.config import DEFAULT_API_ROOT
from range.errors import UsageError

CONSOLE = "tui.team.main"
"""The module whose ``run(url, user, password, api_root=...)`` opens the console."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine team`` to the CLI."""
    parser = subparsers.add_parser(
        "team",
        help="open the CERT team console",
        description="Open the CERT team console on a running exercise.",
    )
    add_console_arguments(parser, "your team account")
    parser.set_defaults(handler=run)


def add_console_arguments(parser: argparse.ArgumentParser, account: str | None) -> None:
    """``--url`` and ``--api-root`` of a console; with an ``account`` (the help of
    ``--user``) also ``--user`` and ``--password-stdin``."""
    parser.add_argument(
        "--url", required=True, help="the range server, e.g. http://127.0.0.1:8000/"
    )
    if account is not None:
        parser.add_argument("--user", required=True, metavar="NAME", help=account)
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
    parser.add_argument(
        "--api-root",
        default=DEFAULT_API_ROOT,
        metavar="NAME",
        help="the exercise's TAXII API root (default: %(default)s)",
    )


def read_password(from_stdin: bool) -> str:
    """One line of standard input, or a prompt on the terminal."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input had no password line")
        return password
    if not sys.stdin.isatty():
        raise UsageError("give the password with --password-stdin (stdin is not a terminal)")
    return getpass.getpass("password: ")


def run(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    console = importlib.import_module(CONSOLE)
    return console.run(args.url, args.user, password, api_root=args.api_root)
