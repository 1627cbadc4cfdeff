"""Opening the scoreboard from the command line (``grapevine scoreboard``)."""

from __future__ import annotations

from tui.scoreboard.app import ScoreboardApp
from tui.terminal import open_account


def run(url: str, user: str, password: str, *, api_root: str = "grapevine") -> int:
    """Check the account against the server (any role may read the scoreboard), then
    run the scoreboard until it quits."""
    client = open_account(url, user, password, api_root=api_root, console="the scoreboard")
    try:
        ScoreboardApp(client).run()
    finally:
        client.close()
    return 0
