"""Object paths: ``type:prop.sub[0].'quoted-name'[*].x_ref.y`` and how they select values.

A path is an object type and a tuple of steps. A step is a ``str`` (a property
name), an ``int`` (a list index) or :data:`ANY_INDEX` (``[*]``). Selecting starts at
a root SCO and yields every value the path reaches (STIX 2.1 §9.2, "Object Path
Syntax"):

* a property step keeps the dicts that have that property; the value of a
  property named ``*_hex`` / ``*_bin`` is decoded to bytes;
* a property named ``*_ref`` is dereferenced to the SCO it names in the same
  observation, and ``*_refs`` to the list of SCOs it names (unresolvable
  references are dropped, not errors), so the next step walks into them; chained
  references work because each step dereferences again;
* ``[n]`` keeps element ``n`` of lists that are long enough (negative indexes
  select nothing); ``[*]`` fans out to every element.

JSON ``null`` values are dropped, as absent properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from indicators.patterns.literals import convert_suffixed


class _AnyIndex(str):
    """The ``[*]`` step: every element of a list. Equal to ``"*"`` for callers that
    compare steps with strings; the matcher itself tests identity (``is``), so a
    quoted property literally named ``'*'`` stays a property name."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ANY_INDEX"


ANY_INDEX: Final = _AnyIndex("*")
"""The ``[*]`` path step."""

Step = str | int
"""One step of an object path."""

Resolver = Callable[[str], Any]
"""Maps a reference (an SCO id, or a key of an embedded ``objects`` dict) to the
SCO it names, or ``None``."""


@dataclass(frozen=True, slots=True)
class ObjectPath:
    """An object type and the steps into an SCO of that type."""

    object_type: str
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        return f"{self.object_type}:{format_steps(self.steps)}"

    @property
    def dereferences(self) -> bool:
        """True if a step follows a ``*_ref``/``*_refs`` property."""
        return any(isinstance(s, str) and _ref_kind(s) for s in self.steps)


def format_steps(steps: Iterable[Step]) -> str:
    """Render steps the way a pattern writes them: ``a.'b-c'[0][*]``."""
    out: list[str] = []
    for step in steps:
        if step is ANY_INDEX:
            out.append("[*]")
        elif isinstance(step, int):
            out.append(f"[{step}]")
        else:
            name = str(step)
            plain = name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit()
            text = name if plain else "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"
            out.append(text if not out else "." + text)
    return "".join(out)


def _ref_kind(name: str) -> int:
    if name.endswith("_ref"):
        return 1
    if name.endswith("_refs"):
        return 2
    return 0


def compile_steps(steps: tuple[Step, ...]) -> Callable[[Mapping[str, Any], Resolver], list[Any]]:
    """Build a function ``select(root, resolve) -> values`` for these steps."""

    def select(root: Mapping[str, Any], resolve: Resolver) -> list[Any]:
        values: list[Any] = [root]
        for step in steps:
            if not values:
                return values
            nxt: list[Any] = []
            if step is ANY_INDEX:
                for v in values:
                    if isinstance(v, list):
                        nxt.extend(x for x in v if x is not None)
            elif isinstance(step, int):
                if step >= 0:
                    for v in values:
                        if isinstance(v, list) and step < len(v) and v[step] is not None:
                            nxt.append(v[step])
            else:
                kind = _ref_kind(step)
                for v in values:
                    if not isinstance(v, dict):
                        continue
                    x = v.get(step)
                    if x is None:
                        continue
                    if kind == 1:
                        if isinstance(x, str):
                            target = resolve(x)
                            if target is not None:
                                nxt.append(target)
                    elif kind == 2:
                        if isinstance(x, list):
                            targets = [
                                t for r in x if isinstance(r, str) and (t := resolve(r)) is not None
                            ]
                            if targets:
                                nxt.append(targets)
                    else:
                        x = convert_suffixed(step, x)
                        if x is not None:
                            nxt.append(x)
            values = nxt
        return values

    return select
