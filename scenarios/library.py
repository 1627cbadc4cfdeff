"""The built-in scenario library: the ``*.yaml`` files shipped in ``scenarios/library/``.

A built-in is named by its file stem (``tutorial`` for ``tutorial.yaml``). Files are
read through :mod:`importlib.resources`, so the library works from a wheel as well
as from a checkout.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from scenarios.errors import ScenarioError
from scenarios.loader import Techniques, loads
from scenarios.model import Scenario

SUFFIX = ".yaml"


def _folder() -> Traversable:
    return resources.files("scenarios").joinpath("library")


def names() -> list[str]:
    """The names of every built-in scenario, sorted."""
    return sorted(
        entry.name.removesuffix(SUFFIX)
        for entry in _folder().iterdir()
        if entry.is_file() and entry.name.endswith(SUFFIX)
    )


def find(name: str) -> Traversable:
    """The file of the built-in scenario ``name``; ScenarioError lists the known ones."""
    entry = _folder().joinpath(name + SUFFIX)
    if name not in names() or not entry.is_file():
        raise ScenarioError(
            f"no built-in scenario {name!r} (built-in: {', '.join(names()) or 'none'})"
        )
    return entry


def source(name: str) -> str:
    """Where the built-in's file is, as shown in error positions."""
    return str(find(name))


def text(name: str) -> str:
    """The YAML text of the built-in scenario ``name``."""
    return find(name).read_text(encoding="utf-8")


def load(name: str, *, techniques: Techniques | None = None) -> Scenario:
    """Load and validate the built-in scenario ``name``."""
    return loads(text(name), source(name), techniques=techniques)
