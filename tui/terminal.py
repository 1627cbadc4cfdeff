"""Opening a console from the command line: the account checked against the server
first, then the terminal given to the console (its password may have come through
standard input)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from range.api.models import ExerciseView
from range.errors import UsageError
from tui.client import ConsoleClient
from tui.errors import ClientError


def open_account(
    url: str,
    user: str,
    password: str,
    *,
    api_root: str,
    console: str,
    refusal: Callable[[ExerciseView], str | None] = lambda view: None,
) -> ConsoleClient:
    """Log ``user`` in and check the account before ``console`` opens: a server that
    refuses it, or a ``refusal`` (why this account may not use the console), is a
    :class:`UsageError`; then the console gets the terminal (:func:`terminal_as_stdin`)."""
    client = ConsoleClient(url, user, password, api_root=api_root)
    try:
        view = client.exercise()
    except ClientError as exc:
        client.close()
        raise UsageError(f"cannot open {console} at {url}: {exc}") from None
    why = refusal(view)
    if why:
        client.close()
        raise UsageError(why)
    terminal_as_stdin(console)
    return client


def terminal_as_stdin(console: str) -> None:
    """After ``--password-stdin`` read a pipe, give ``console`` the terminal to read."""
    if sys.stdin.isatty():
        return
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise UsageError(f"{console} needs a terminal (no /dev/tty)") from None
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = os.fdopen(0, "r", closefd=False)
