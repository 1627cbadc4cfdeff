"""Opening the team console from the command line (``grapevine team``)."""

from __future__ import annotations

from range.api.models import ExerciseView
from tui.team.app import TeamApp
from tui.team.help import first_time, remember_guided
from tui.terminal import open_account


def run(url: str, user: str, password: str, *, api_root: str = "grapevine") -> int:
    """Check the account against the server, then run the console until it quits."""
    client = open_account(
        url, user, password, api_root=api_root, console="the team console", refusal=_teamless
    )
    app = TeamApp(client, guide=first_time())
    try:
        app.run()
    finally:
        client.close()
    if app.guided:
        remember_guided()
    return 0


def _teamless(view: ExerciseView) -> str | None:
    caller = view.caller
    if caller.team is not None:
        return None
    return (
        f"user {caller.user} has role {caller.role} and plays no team;"
        " the team console is for team accounts"
    )
