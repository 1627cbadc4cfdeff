"""Errors of the ``range`` package (see :mod:`indicators.errors` for the whole tree)."""

from __future__ import annotations

from indicators.errors import GrapevineError


class RangeError(GrapevineError):
    """The exercise engine refused an operation (bad state, bad request)."""


class UsageError(RangeError):
    """A command-line argument is wrong; the message says which and why."""
