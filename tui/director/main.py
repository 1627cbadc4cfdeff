"""Opening the director console from the command line (``grapevine director``)."""

from __future__ import annotations

from range.api.models import ExerciseView
from tui.director.app import DirectorApp
from tui.terminal import open_account


def run(url: str, user: str, password: str, *, api_root: str = "grapevine") -> int:
    """Check the account is the director's, then run the console until it quits."""
    client = open_account(
        url,
        user,
        password,
        api_root=api_root,
        console="the director console",
        refusal=_not_director,
    )
    try:
        DirectorApp(client).run()
    finally:
        client.close()
    return 0


def _not_director(view: ExerciseView) -> str | None:
    caller = view.caller
    if caller.role == "director":
        return None
    return (
        f"user {caller.user} has role {caller.role};"
        " the director console is for the director's account"
    )
