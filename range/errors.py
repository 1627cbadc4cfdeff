"""Errors of the ``range`` package (see :mod:`indicators.errors` for the whole tree).

::

    RangeError                  the exercise engine refused an operation
    ├── UsageError              a command-line argument is wrong
    ├── ActionError             a team's or the director's action is invalid; ``field``
    │                           names the argument at fault (``team``, ``cidr``, ...)
    ├── ReplayError             the event log does not replay (scenario or seed changed)
    └── BotError                a simulated CERT's call to the range API or TAXII failed
"""

from __future__ import annotations

from indicators.errors import GrapevineError


class RangeError(GrapevineError):
    """The exercise engine refused an operation (bad state, bad request)."""


class UsageError(RangeError):
    """A command-line argument is wrong; the message says which and why."""


class ActionError(RangeError):
    """An action's argument is invalid; ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class ReplayError(RangeError):
    """Replaying the event log gave different events than it holds (the scenario,
    the seed or the code changed since it was written)."""


class BotError(RangeError):
    """A simulated CERT's request was refused or failed; the message names the call,
    the status and the server's reason."""
