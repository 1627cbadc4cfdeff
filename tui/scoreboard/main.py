"""Opening the scoreboard from the command line (``grapevine scoreboard``)."""

from __future__ import annotations

from range.errors import UsageError
from tui.client import ConsoleClient
from tui.errors import ClientError
from tui.scoreboard.app import ScoreboardApp
from tui.terminal import terminal_as_stdin


def run(url: str, user: str, password: str, *, api_root: str = "grapevine") -> int:
    """Check the account against the server (any role may read the scoreboard), then
    run the scoreboard until it quits."""
    client = ConsoleClient(url, user, password, api_root=api_root)
    try:
        client.exercise()
    except ClientError as exc:
        client.close()
        raise UsageError(f"cannot open the scoreboard at {url}: {exc}") from None
    terminal_as_stdin("the scoreboard")
    try:
        ScoreboardApp(client).run()
    finally:
        client.close()
    return 0
