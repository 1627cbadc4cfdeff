"""Validate STIX 2.1 patterns the way stix2 does, parsing each one at most once.

stix2 checks an indicator's pattern with ``stix2patterns.validator.run_validator``:
an ANTLR parse in pure Python, then two walks of the tree (hash values, duplicate
qualifiers), about half a millisecond a pattern. :func:`pattern_errors` gives the
same answer (the same error messages, in the same order) with two shortcuts:

* most indicators shared between CERTs have the simplest shape: one or more
  observations ``[path op literal (AND|OR path op literal)*]`` joined by ``AND``,
  ``OR`` or ``FOLLOWEDBY``. :func:`quick_valid` recognises exactly that subset
  with one regular-expression tokeniser and a loop, in a few microseconds. It
  only ever says "valid" or "don't know": anything outside the subset (qualifiers,
  parentheses, ``NOT``, ``EXISTS``, timestamps, hex or binary literals, quoted
  path steps, the ``hashes`` dictionary whose values stix2 checks, comments,
  unusual white space, anything else) is "don't know";
* a "don't know" goes to ``run_validator`` itself, so every refusal and its
  message is stix2's own; the answer is cached by pattern text (a new version of
  an indicator usually keeps its pattern, and partners share the same
  observables), so no text is parsed twice by one process.

``tests/indicators/test_patterns_quickcheck.py`` checks, over many generated
patterns inside and just outside the subset (hypothesis), that every pattern
:func:`quick_valid` accepts is one ``run_validator`` accepts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stix2patterns.validator import run_validator

CACHE_SIZE = 65_536
"""Pattern texts whose answer is kept (least recently used dropped first)."""

_KEYWORDS = frozenset(
    [
        "AND",
        "OR",
        "NOT",
        "FOLLOWEDBY",
        "LIKE",
        "MATCHES",
        "ISSUPERSET",
        "ISSUBSET",
        "EXISTS",
        "LAST",
        "IN",
        "START",
        "STOP",
        "SECONDS",
        "true",
        "false",
        "WITHIN",
        "REPEATS",
        "TIMES",
    ]
)
"""The grammar's keywords: the lexer never reads one of them as an identifier."""

# One token at a time, longest match first where two could start alike. Anything
# the grammar allows that is not listed here ends the quick check ("don't know").
_TOKEN = re.compile(
    r"""
      (?P<ws>[ \t\r\n]+)
    | (?P<string>'(?:[^'\\]|\\['\\])*')
    | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
    | (?P<int>0(?![0-9.])|[1-9][0-9]*(?![0-9.]))
    | (?P<op>!=|=|<=|>=|<|>)
    | (?P<punct>[\[\]:.,()*])
    """,
    re.VERBOSE,
)
_PLAIN_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_STRING_OPS = frozenset({"LIKE", "MATCHES"})
_OBS_JOIN = frozenset({"AND", "OR", "FOLLOWEDBY"})
_CMP_JOIN = frozenset({"AND", "OR"})


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """``[(kind, text)]`` of ``text`` without white space, or ``None`` if some part
    of it is outside what the quick check knows."""
    out: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    match = _TOKEN.match
    while pos < end:
        m = match(text, pos)
        if m is None:
            return None
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
        pos = m.end()
    return out


def quick_valid(text: str) -> bool:
    """Whether ``text`` is a STIX 2.1 pattern of the simple shape (see the module
    docstring) that stix2 accepts. ``False`` means "not known here", not "invalid"."""
    tokens = _tokens(text)
    if not tokens:
        return False
    i, n = 0, len(tokens)
    while True:  # observations
        if tokens[i] != ("punct", "["):
            return False
        i += 1
        while True:  # comparisons
            i = _comparison(tokens, i, n)
            if i < 0 or i >= n:
                return False
            kind, value = tokens[i]
            if kind == "punct" and value == "]":
                i += 1
                break
            if kind != "ident" or value not in _CMP_JOIN:
                return False
            i += 1
        if i == n:
            return True
        kind, value = tokens[i]
        if kind != "ident" or value not in _OBS_JOIN or i + 1 >= n:
            return False
        i += 1


def _comparison(tokens: list[tuple[str, str]], i: int, n: int) -> int:
    """Index after ``path op literal`` starting at ``i``, or -1."""
    # object type: an identifier, hyphens allowed, not a keyword
    if i + 3 > n or tokens[i][0] != "ident" or tokens[i][1] in _KEYWORDS:
        return -1
    if tokens[i + 1] != ("punct", ":"):
        return -1
    i += 2
    # first path component: an identifier without hyphen, not a keyword or "hashes"
    if not _plain(tokens[i]):
        return -1
    i += 1
    while i < n:  # further steps: .name or [index] or [*]
        kind, value = tokens[i]
        if kind != "punct" or value not in ".[":
            break
        if value == ".":
            if i + 1 >= n or not _plain(tokens[i + 1]):
                return -1
            i += 2
        else:
            if i + 2 >= n or tokens[i + 2] != ("punct", "]"):
                return -1
            if tokens[i + 1][0] != "int" and tokens[i + 1] != ("punct", "*"):
                return -1
            i += 3
    if i + 1 >= n:
        return -1
    kind, op = tokens[i]
    lit_kind, lit = tokens[i + 1]
    if kind == "op":  # strings and integers are orderable, booleans only (in)equal
        if lit_kind in ("string", "int"):
            return i + 2
        if lit_kind == "ident" and lit in ("true", "false") and op in ("=", "!="):
            return i + 2
        return -1
    if kind == "ident" and op in _STRING_OPS and lit_kind == "string":
        return i + 2
    return -1


def _plain(token: tuple[str, str]) -> bool:
    """An identifier the lexer reads as one without hyphen, and no keyword; ``hashes``
    is left to stix2 (it checks the values of known hash algorithms)."""
    kind, value = token
    return (
        kind == "ident"
        and value not in _KEYWORDS
        and value != "hashes"
        and _PLAIN_IDENT.match(value) is not None
    )


@lru_cache(maxsize=CACHE_SIZE)
def pattern_errors(text: str, version: str = "2.1") -> tuple[str, ...]:
    """stix2's error messages for ``text`` as a STIX pattern of ``version`` (empty:
    valid), exactly as ``run_validator`` returns them; cached by text and version."""
    if version == "2.1" and quick_valid(text):
        return ()
    return tuple(run_validator(text, version))
