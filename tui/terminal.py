"""The terminal a console reads its keys from."""

from __future__ import annotations

import os
import sys

from range.errors import UsageError


def terminal_as_stdin(console: str) -> None:
    """After ``--password-stdin`` read a pipe, give ``console`` the terminal to read
    (a :class:`UsageError` naming it when there is none)."""
    if sys.stdin.isatty():
        return
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise UsageError(f"{console} needs a terminal (no /dev/tty)") from None
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = os.fdopen(0, "r", closefd=False)
