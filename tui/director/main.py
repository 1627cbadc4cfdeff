"""Opening the director console from the command line (``grapevine director``)."""

from __future__ import annotations

from range.errors import UsageError
from tui.client import ConsoleClient
from tui.director.app import DirectorApp
from tui.errors import ClientError
from tui.terminal import terminal_as_stdin


def run(url: str, user: str, password: str, *, api_root: str = "grapevine") -> int:
    """Check the account is the director's, then run the console until it quits."""
    client = ConsoleClient(url, user, password, api_root=api_root)
    try:
        view = client.exercise()
    except ClientError as exc:
        client.close()
        raise UsageError(f"cannot open the director console at {url}: {exc}") from None
    if view.caller.role != "director":
        client.close()
        raise UsageError(
            f"user {user} has role {view.caller.role};"
            " the director console is for the director's account"
        )
    terminal_as_stdin("the director console")
    try:
        DirectorApp(client).run()
    finally:
        client.close()
    return 0
