"""Opening the team console from the command line (``grapevine team``)."""

from __future__ import annotations

from range.errors import UsageError
from tui.client import ConsoleClient
from tui.errors import ClientError
from tui.team.app import TeamApp
from tui.team.help import first_time, remember_guided
from tui.terminal import terminal_as_stdin


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
    terminal_as_stdin("the team console")
    app = TeamApp(client, guide=first_time())
    try:
        app.run()
    finally:
        client.close()
    if app.guided:
        remember_guided()
    return 0
