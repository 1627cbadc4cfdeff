"""Technique registry: the ``grapevine.techniques`` entry-point group.

Each entry point names a :class:`~scenarios.techniques.base.Technique` subclass
(``network-scan = "scenarios.techniques.scan:NetworkScan"`` in pyproject.toml). A
third-party package adds techniques by declaring entry points in the same group.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from scenarios.errors import ScenarioError
from scenarios.techniques.base import Technique

GROUP = "grapevine.techniques"


@cache
def _load() -> dict[str, type[Technique]]:
    table: dict[str, type[Technique]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Technique)):
            raise ScenarioError(f"entry point {ep.name} = {ep.value} is not a Technique class")
        if cls.name != ep.name:
            raise ScenarioError(
                f"entry point {ep.name!r} loads {cls.__name__}, whose name is {cls.name!r}"
            )
        table[ep.name] = cls
    return dict(sorted(table.items()))


def names() -> list[str]:
    """Every registered technique name, sorted."""
    return list(_load())


def get(name: str) -> type[Technique]:
    """The technique class registered as ``name``; ScenarioError if there is none."""
    table = _load()
    try:
        return table[name]
    except KeyError:
        known = ", ".join(table) or "none registered"
        raise ScenarioError(f"unknown technique {name!r} (known: {known})") from None


def all_techniques() -> dict[str, type[Technique]]:
    """Name -> class for every registered technique."""
    return dict(_load())
