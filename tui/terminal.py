"""The terminal a console runs in, when its password came through standard input."""

from __future__ import annotations

import os
import sys

from range.errors import UsageError


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
