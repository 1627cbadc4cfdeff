"""Opening the team console from the command line (``grapevine team``)."""

from __future__ import annotations

import os
import sys

from range.errors import UsageError
from tui.client import ConsoleClient
from tui.errors import ClientError
from tui.team.app import TeamApp
from tui.team.help import first_time, remember_guided


def run(url: str, user: str, password: str, *, api_root: str = "grapevine") -> int:
    """Check the account against the server, then run the console until it quits."""
    client = ConsoleClient(url, user, password, api_root=api_root)
    try:
        view = client.exercise()
    except ClientError as exc:
        client.close()
        raise UsageError(f"cannot open the team console at {url}: {exc}") from None
    if view.caller.team is None:
        client.close()
        raise UsageError(
            f"user {user} has role {view.caller.role} and plays no team;"
            " the team console is for team accounts"
        )
    _terminal_as_stdin()
    app = TeamApp(client, guide=first_time())
    try:
        app.run()
    finally:
        client.close()
    if app.guided:
        remember_guided()
    return 0


def _terminal_as_stdin() -> None:
    """After ``--password-stdin`` read a pipe, give the console the terminal to read."""
    if sys.stdin.isatty():
        return
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise UsageError("the team console needs a terminal (no /dev/tty)") from None
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = os.fdopen(0, "r", closefd=False)
