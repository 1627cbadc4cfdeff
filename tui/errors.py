"""Errors of the ``tui`` package (see :mod:`indicators.errors` for the whole tree).

::

    TuiError                    a console could not do what was asked
    └── ClientError             the range API or TAXII refused a call; ``status``,
        │                       ``field``, ``detail`` (and ``position`` for a pattern)
        │                       come from the API's JSON error body
        └── ConnectionLostError      the server could not be reached (status 0)
"""

from __future__ import annotations

from indicators.errors import GrapevineError


class TuiError(GrapevineError):
    """Base of the errors of the ``tui`` package."""


class ClientError(TuiError):
    """A call was refused: the API's ``status``, the ``field`` at fault (or ``None``),
    ``detail`` (why) and, for a pattern error, ``position`` (0-based offset)."""

    def __init__(
        self,
        call: str,
        status: int,
        field: str | None,
        detail: str,
        position: int | None = None,
    ) -> None:
        where = f"{field}: " if field else ""
        super().__init__(f"{call} -> {status}: {where}{detail}")
        self.call = call
        self.status = status
        self.field = field
        self.detail = detail
        self.position = position


class ConnectionLostError(ClientError):
    """The server did not answer (refused, reset, timed out). An action may or may not
    have been applied: a console shows it done only from a server answer, and reads the
    state again once the server is back."""

    def __init__(self, call: str, reason: str) -> None:
        super().__init__(call, 0, None, f"no answer from the server ({reason})")
