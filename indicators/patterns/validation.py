"""Warnings for patterns that are valid STIX but can never match (or rarely will).

:func:`validate_pattern` compiles the pattern (so an invalid one raises
:class:`~indicators.errors.PatternError`) and then reports, as
:class:`PatternWarning`, what a person deploying it to a sensor should know:

* an object type that is not a STIX 2.1 cyber-observable (nor a custom ``x-`` one);
* an object type the sensor never produces (the comparison can never be true);
* with a :class:`~indicators.patterns.sensor_profile.SensorProfile`: a property
  path the sensor never sets (with "did you mean ...?"), a literal of a type the
  property never holds (``dst_port = '22'``), an address literal that is no IPv4/IPv6
  address or CIDR block (``'999.0.113.7'``), a CIDR block compared with ``=`` where
  the sensor sets single addresses;
* an ``AND`` inside one ``[...]`` joining different object types (all of one
  bracket is matched against a single SCO, STIX 2.1 §9.2, so it can never hold);
* a negative list index (selects nothing);
* ``START`` not before ``STOP`` (no observation can fall in the interval);
* an empty ``IN ()`` set;
* a type that is an SDO/SRO, not a cyber-observable.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from antlr4 import InputStream
from stix2patterns.v21.grammars.STIXPatternLexer import STIXPatternLexer as Lexer

from indicators.patterns.ast import (
    CompAnd,
    Comparison,
    CompNode,
    StartStop,
    iter_comparisons,
    iter_leaves,
    walk,
)
from indicators.patterns.compiled import CompiledPattern, compile_pattern
from indicators.patterns.literals import Literal, format_literal, parse_timestamp, type_name
from indicators.patterns.observations import NON_SCO_TYPES
from indicators.patterns.paths import ANY_INDEX, Step, format_steps
from indicators.patterns.sensor_profile import AnyKey, ListOf, Node, Ref, SensorProfile

SCO_TYPES = frozenset(
    {
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)
"""The cyber-observable types of STIX 2.1 (§6); custom ones start with ``x-``."""


@dataclass(frozen=True, slots=True)
class PatternWarning:
    """Something about a valid pattern that a person should know; ``position`` is
    the 0-based offset of the part it is about."""

    message: str
    position: int | None = None

    def __str__(self) -> str:
        where = f" (at position {self.position})" if self.position is not None else ""
        return f"{self.message}{where}"


def _types(node: CompNode) -> set[str]:
    return {c.object_type for c in iter_comparisons(node)}


def _and_conflicts(node: CompNode, out: list[PatternWarning]) -> None:
    if isinstance(node, Comparison):
        return
    for operand in node.operands:
        _and_conflicts(operand, out)
    if isinstance(node, CompAnd):
        # each operand must be satisfiable by one type; an AND of operands that
        # share no possible type can never hold for a single SCO
        common: set[str] | None = None
        for operand in node.operands:
            possible = _types(operand)
            common = possible if common is None else common & possible
        if not common:
            first = iter_comparisons(node)[0]
            out.append(
                PatternWarning(
                    "AND inside one [...] joins different object types ("
                    + ", ".join(sorted(_types(node)))
                    + "); all comparisons of a bracket are matched against one object, so "
                    "this can never match; use ] AND [ to match separate objects",
                    first.position,
                )
            )


def validate_pattern(
    pattern: str | CompiledPattern,
    sensor_types: Iterable[str] | None = None,
    *,
    profile: SensorProfile | None = None,
) -> list[PatternWarning]:
    """Warnings for a valid pattern; raises ``PatternError`` for an invalid one.

    ``sensor_types`` is the set of SCO types the sensor produces (by default the
    types of ``profile``, if given); each comparison on another type is reported.
    ``profile`` says which properties the sensor sets on each type and what they
    hold; comparisons on those types are checked against it.
    """
    compiled = compile_pattern(pattern)
    out: list[PatternWarning] = []
    if sensor_types is None and profile is not None:
        sensor_types = profile.types
    sensor = set(sensor_types) if sensor_types is not None else None
    reported: set[str] = set()
    where = _Positions(compiled.source)
    for c in compiled.comparisons():
        t = c.object_type
        if t in NON_SCO_TYPES and t not in reported:
            reported.add(t)
            out.append(
                PatternWarning(
                    f"'{t}' is not a cyber-observable type; patterns match SCOs only",
                    c.position,
                )
            )
        elif t not in SCO_TYPES and not t.startswith("x-") and t not in reported:
            reported.add(t)
            out.append(
                PatternWarning(
                    f"unknown object type '{t}': not a STIX 2.1 cyber-observable type"
                    + _did_you_mean(t, SCO_TYPES)
                    + " (custom types start with x-)",
                    c.position,
                )
            )
        elif sensor is not None and t not in sensor and t not in reported:
            reported.add(t)
            out.append(
                PatternWarning(
                    f"the sensor never produces '{t}' objects (it produces "
                    + ", ".join(sorted(sensor))
                    + f"), so comparisons on {t} can never be true",
                    c.position,
                )
            )
        elif profile is not None and t in profile.objects and (sensor is None or t in sensor):
            out += _against_profile(c, profile, where)
        if any(isinstance(s, int) and s < 0 for s in c.path):
            out.append(
                PatternWarning(
                    f"negative list index in {c.object_type}:{c.dotted_path} selects nothing",
                    c.position,
                )
            )
        if c.operator == "IN" and c.value == ():
            out.append(
                PatternWarning(
                    f"IN () on {c.object_type}:{c.dotted_path} is an empty set", c.position
                )
            )
    for leaf in iter_leaves(compiled.root):
        _and_conflicts(leaf.expression, out)
    for ss in walk(compiled.root):
        if isinstance(ss, StartStop) and ss.start >= ss.stop:
            out.append(
                PatternWarning(
                    f"START {ss.start.isoformat()} is not before STOP {ss.stop.isoformat()}; "
                    "no observation can match"
                )
            )
    return out


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


# -- positions of path steps and literals ------------------------------------------

_OPERATOR_TOKENS = frozenset(
    {
        Lexer.EQ,
        Lexer.NEQ,
        Lexer.LT,
        Lexer.LE,
        Lexer.GT,
        Lexer.GE,
        Lexer.IN,
        Lexer.LIKE,
        Lexer.MATCHES,
        Lexer.ISSUBSET,
        Lexer.ISSUPERSET,
    }
)


class _Positions:
    """Where each path step and literal of a comparison starts in the pattern text
    (the compiled tree keeps only where each comparison starts)."""

    def __init__(self, source: str) -> None:
        lexer = Lexer(InputStream(source))
        lexer.removeErrorListeners()
        self.tokens = [t for t in lexer.getAllTokens() if t.channel == 0]
        self.by_start = {t.start: i for i, t in enumerate(self.tokens)}

    def of(self, c: Comparison) -> tuple[list[int], list[int]]:
        """(start of each path step, start of each literal) of ``c``; empty if unknown."""
        i = self.by_start.get(c.position)
        tokens = self.tokens
        if i is None:
            return [], []
        if tokens[i].type == Lexer.EXISTS:
            i += 1
        i += 2  # the object type and the colon
        steps: list[int] = []
        if i < len(tokens):
            steps.append(tokens[i].start)
            i += 1
        while i + 1 < len(tokens) and tokens[i].type in (Lexer.DOT, Lexer.LBRACK):
            steps.append(tokens[i + 1].start)
            i += 3 if tokens[i].type == Lexer.LBRACK else 2
        while i < len(tokens) and tokens[i].type not in _OPERATOR_TOKENS:
            if tokens[i].type in (Lexer.RBRACK, Lexer.AND, Lexer.OR, Lexer.RPAREN):
                return steps, []  # EXISTS: no operator, no literal
            i += 1
        i += 1
        if i < len(tokens) and tokens[i].type == Lexer.LPAREN:
            literals = []
            i += 1
            while i < len(tokens) and tokens[i].type != Lexer.RPAREN:
                if tokens[i].type != Lexer.COMMA:
                    literals.append(tokens[i].start)
                i += 1
            return steps, literals
        return steps, [tokens[i].start] if i < len(tokens) else []


# -- checks against a sensor profile ------------------------------------------------


def _is_index(step: Step) -> bool:
    return isinstance(step, int) or step is ANY_INDEX


def _resolve(
    profile: SensorProfile, object_type: str, path: Sequence[Step]
) -> tuple[list[Node], int, list[str]]:
    """The profile nodes ``path`` leads to; if a step leads nowhere, ``([], index of
    that step, the keys known at that point)``."""
    nodes: list[Node] = [profile.objects[object_type]]
    for index, step in enumerate(path):
        following: list[Node] = []
        known: list[str] = []
        for node in nodes:
            targets: list[Node] = [node]
            if isinstance(node, Ref):
                targets = [profile.objects[t] for t in node.types if t in profile.objects]
            for target in targets:
                if isinstance(target, ListOf):
                    if _is_index(step):
                        following.append(target.item)
                elif isinstance(target, AnyKey):
                    if isinstance(step, str) and not _is_index(step):
                        following.append(target.value)
                elif not isinstance(target, str | Ref):
                    known += list(target)
                    if isinstance(step, str) and step in target:
                        following.append(target[step])
        if not following:
            return [], index, sorted(set(known))
        nodes = following
    return nodes, -1, []


def _kinds(nodes: Sequence[Node]) -> set[str]:
    out = set()
    for node in nodes:
        if isinstance(node, str):
            out.add(node)
        elif isinstance(node, Ref):
            out.add("string")  # an object id
        else:
            out.add("structure")
    return out


_KIND_WORDS = {
    "string": "text",
    "hex": "hex text",
    "integer": "an integer",
    "boolean": "a boolean",
    "timestamp": "a timestamp",
    "ipv4": "an IPv4 address",
    "ipv6": "an IPv6 address",
}
_TEXT_KINDS = frozenset({"string", "hex", "timestamp", "ipv4", "ipv6"})


def _literal_fits(kind: str, literal: Literal) -> bool:
    """Whether a value of ``kind`` can ever compare with ``literal`` (STIX type rules)."""
    if kind == "structure":
        return True
    if kind == "integer":
        return isinstance(literal, int | float) and not isinstance(literal, bool)
    if kind == "boolean":
        return isinstance(literal, bool)
    if kind == "timestamp":
        if isinstance(literal, datetime):
            return True
        if isinstance(literal, str):
            try:
                parse_timestamp(literal)
            except ValueError:
                return False
            return True
        return False
    if kind in ("ipv4", "ipv6"):
        if not isinstance(literal, str):
            return False
        try:
            network = ipaddress.ip_network(literal.strip(), strict=False)
        except ValueError:
            return False
        return network.version == (4 if kind == "ipv4" else 6)
    return isinstance(literal, str | bytes)  # string, hex


def _against_profile(
    c: Comparison, profile: SensorProfile, where: _Positions
) -> list[PatternWarning]:
    steps, literals = where.of(c)
    nodes, bad, known = _resolve(profile, c.object_type, c.path)
    if not nodes:
        position = steps[bad] if bad < len(steps) else c.position
        step = c.path[bad]
        prefix = format_steps(c.path[: bad + 1])
        hint = _did_you_mean(str(step), known) if isinstance(step, str) else ""
        has = f" (it sets: {', '.join(known)})" if known and not hint else ""
        return [
            PatternWarning(
                f"{profile.name} never sets {c.object_type}:{prefix}{has}, "
                f"so this comparison can never be true{hint}",
                position,
            )
        ]
    kinds = _kinds(nodes)
    if c.operator == "EXISTS" or "structure" in kinds:
        return []
    target = f"{c.object_type}:{c.dotted_path}"
    described = " or ".join(sorted(_KIND_WORDS.get(k, k) for k in kinds))
    if c.operator in ("LIKE", "MATCHES"):
        if kinds & _TEXT_KINDS:
            return []
        return [
            PatternWarning(
                f"{c.operator} compares text, but {target} is {described}; it never matches",
                literals[0] if literals else c.position,
            )
        ]
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    out = []
    for index, literal in enumerate(values):
        position = literals[index] if index < len(literals) else c.position
        if c.operator in ("ISSUBSET", "ISSUPERSET"):
            fits = any(_literal_fits(k, literal) for k in kinds & {"ipv4", "ipv6"})
        else:
            fits = any(_literal_fits(k, literal) for k in kinds)
        if not fits:
            out.append(PatternWarning(_mismatch(target, described, kinds, literal, c), position))
        elif c.operator in ("=", "IN") and kinds <= {"ipv4", "ipv6"} and "/" in str(literal):
            network = ipaddress.ip_network(str(literal).strip(), strict=False)
            if network.num_addresses > 1:
                out.append(
                    PatternWarning(
                        f"{format_literal(literal)} is a block, but {profile.name} sets "
                        f"single addresses in {target}: '=' never holds; use ISSUBSET",
                        position,
                    )
                )
    return out


def _mismatch(target: str, described: str, kinds: set[str], literal: Literal, c: Comparison) -> str:
    text = format_literal(literal)
    if kinds & {"ipv4", "ipv6"} and isinstance(literal, str):
        what = " or ".join(
            {"ipv4": "IPv4", "ipv6": "IPv6"}[k] for k in sorted(kinds & {"ipv4", "ipv6"})
        )
        problem = f"{text} is not an {what} address or CIDR block"
    else:
        name = type_name(literal)
        article = "an" if name[0] in "aeiou" else "a"
        problem = f"{target} is {described} but {text} is {article} {name}"
    outcome = (
        "so != is always true"
        if c.operator == "!=" and not c.negated
        else ("so the comparison is never true")
    )
    return f"{problem}, {outcome}"
