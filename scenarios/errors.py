"""Errors of the ``scenarios`` package (see :mod:`indicators.errors` for the whole tree)."""

from __future__ import annotations

from indicators.errors import GrapevineError


class ScenarioError(GrapevineError):
    """A scenario file or a technique's parameters are wrong."""
