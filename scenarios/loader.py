"""Load scenario YAML with exact positions, and report every error at once.

The loader reads a file with ruamel.yaml's round-trip parser, which knows the line
and column of every key and item, converts it to plain data while remembering those
positions, and validates it in two steps: each part of the scenario on its own
(pydantic), then the rules across parts (:func:`scenarios.references.check`) on the
parts that were valid. Every problem becomes an :class:`Issue` naming the file,
line, column (1-based) and field path, formatted the way compilers do so an editor
can jump to it::

    tutorial.yaml:41:15: injects[2].target.host: team 'fr' has no host 'portl' (...)

YAML anchors, aliases and ``<<:`` merge keys work; top-level keys starting with
``x-`` are ignored, so shared pieces can be defined there (``x-defaults: &inject``).
An error inside merged content points at the anchor's text.

Everything here is pure apart from :func:`load`, which reads the file.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import StringIO
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from scenarios.errors import ScenarioError
from scenarios.fields import COUNTRY_PATTERN, DOMAIN_PATTERN, MAC_PATTERN, SLUG_PATTERN
from scenarios.model import Scenario
from scenarios.references import Problem, check, format_path, pydantic_message
from scenarios.techniques.base import Technique

Techniques = Mapping[str, type[Technique]]
ROOT = "<document>"
"""The path of an issue about the file as a whole."""
EXTENSION_PREFIX = "x-"
"""Top-level keys starting with this are ignored: a place for YAML anchors (``&defaults``)."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a scenario file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    path: str
    """The field path, like ``injects[2].target.host``; ``<yaml>`` for syntax errors,
    ``<document>`` for the file as a whole."""
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.path}: {self.message}"


class ScenarioValidationError(ScenarioError):
    """A scenario file is invalid; ``issues`` lists every problem, in file order."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: list[Issue] = sorted(issues, key=lambda i: (i.line, i.column, i.path))
        super().__init__("\n".join(map(str, self.issues)))


# --- reading YAML with positions ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pos:
    key: tuple[int, int]
    """Where the entry starts: its key in a mapping, the item in a sequence (0-based)."""
    value: tuple[int, int]
    scalar: bool


def _merge_sources(node: CommentedMap) -> list[CommentedMap]:
    """The mappings merged into ``node`` with ``<<:`` (ruamel's shape varies by version)."""
    sources = []
    for source in getattr(node, "merge", None) or ():
        mapping = source[1] if isinstance(source, tuple) else source
        if isinstance(mapping, CommentedMap):
            sources.append(mapping)
    return sources


def _entry_position(node: CommentedMap, key: object) -> tuple[tuple[int, int], tuple[int, int]]:
    """(key, value) positions of ``key`` in ``node``; a merged key is found in its source."""
    if key in node.lc.data:
        return node.lc.key(key), node.lc.value(key)
    for source in _merge_sources(node):
        if key in source:
            return _entry_position(source, key)
    start = (node.lc.line or 0, node.lc.col or 0)
    return start, start


class _Document:
    """Plain data converted from a ruamel node tree, and the position of every path."""

    def __init__(self, root: object) -> None:
        self.positions: dict[tuple[str | int, ...], _Pos] = {(): _Pos((0, 0), (0, 0), False)}
        self.data = self._plain(root, ())

    def _plain(self, node: object, path: tuple[str | int, ...]) -> Any:
        if isinstance(node, CommentedMap):
            out: dict[Any, Any] = {}
            for key, value in node.items():
                plain_key = self._scalar(key)
                child = (*path, str(plain_key))
                (k_line, k_col), (v_line, v_col) = _entry_position(node, key)
                scalar = not isinstance(value, CommentedMap | CommentedSeq)
                if not scalar or value is None:
                    v_line, v_col = k_line, k_col
                self.positions[child] = _Pos((k_line, k_col), (v_line, v_col), scalar)
                out[plain_key] = self._plain(value, child)
            return out
        if isinstance(node, CommentedSeq):
            items = []
            for i, value in enumerate(node):
                line, col = node.lc.item(i)
                scalar = not isinstance(value, CommentedMap | CommentedSeq)
                self.positions[(*path, i)] = _Pos((line, col), (line, col), scalar)
                items.append(self._plain(value, (*path, i)))
            return items
        return self._scalar(node)

    @staticmethod
    def _scalar(node: object) -> Any:
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, str):
            return str(node)
        if isinstance(node, datetime):
            return datetime(
                node.year, node.month, node.day, node.hour, node.minute, node.second,
                node.microsecond, tzinfo=node.tzinfo,
            )  # fmt: skip
        if isinstance(node, date):
            return date(node.year, node.month, node.day)
        return node

    def locate(self, path: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, column) for ``path``, or its nearest ancestor present in the file."""
        path = tuple(path)
        if path in self.positions:
            pos = self.positions[path]
            line, col = pos.value if pos.scalar else pos.key
            return line + 1, col + 1
        for end in range(len(path) - 1, -1, -1):
            pos = self.positions.get(path[:end])
            if pos is not None:
                return pos.key[0] + 1, pos.key[1] + 1
        return 1, 1


def _syntax_issues(exc: MarkedYAMLError, filename: str) -> list[Issue]:
    """A YAML syntax error at the parser's problem position and, when it has one
    elsewhere, at its context position too (where the unclosed quote, bracket or
    mapping began): an error found at the end of the file is reported where it started.
    """
    problem, context = exc.problem_mark, exc.context_mark
    if problem is None and context is None:
        return [Issue(filename, 1, 1, "<yaml>", str(exc).strip())]
    what = exc.problem or "syntax error"
    if (
        context is None
        or problem is None
        or (context.line, context.column)
        == (
            problem.line,
            problem.column,
        )
    ):
        mark = problem or context
        message = " ".join(p for p in (exc.context, what) if p)
        return [Issue(filename, mark.line + 1, mark.column + 1, "<yaml>", message)]
    started = f"{context.line + 1}:{context.column + 1}"
    found = f"{problem.line + 1}:{problem.column + 1}"
    opening = exc.context or "the construct"
    return [
        Issue(
            filename,
            context.line + 1,
            context.column + 1,
            "<yaml>",
            f"{opening} that starts here: {what} at {found}",
        ),
        Issue(
            filename,
            problem.line + 1,
            problem.column + 1,
            "<yaml>",
            f"{opening} (started at {started}): {what}",
        ),
    ]


def _parse(text: str, filename: str) -> _Document:
    yaml = YAML(typ="rt")
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        raise ScenarioValidationError(_syntax_issues(exc, filename)) from None
    except YAMLError as exc:
        raise ScenarioValidationError([Issue(filename, 1, 1, "<yaml>", str(exc))]) from None
    if root is None:
        raise ScenarioValidationError([Issue(filename, 1, 1, ROOT, "the file holds no scenario")])
    return _Document(root)


# --- validating in parts -----------------------------------------------------------

_PATTERN_HINTS = {
    SLUG_PATTERN: "lower-case letters, digits and dashes",
    DOMAIN_PATTERN: "a lower-case DNS name ending in .example",
    COUNTRY_PATTERN: "a two-letter upper-case ISO 3166 country code such as FR",
    MAC_PATTERN: "a MAC address like 02:00:c0:00:02:0a",
}


def _strip(tp: Any) -> Any:
    """``Annotated[X, ...]`` -> X; ``X | None`` -> X."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _model_at(path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class whose fields sit at ``path`` of a scenario, if there is one."""
    tp: Any = Scenario
    for part in path:
        tp = _strip(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            tp = field.annotation
        elif origin is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    tp = _strip(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


_ENUM_WORDS: dict[str, tuple[str, str]] = {"role": ("host role", "roles")}
"""Field name -> (what one value is, the plural) for messages about enumerated values;
the keys of ``benign`` are host roles too."""
MISSING = "required field is missing"


def _enum_message(given: object, expected: str, path: tuple[str | int, ...]) -> str:
    choices = re.findall(r"'([^']*)'", expected)
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    if path[:1] == ("benign",) and len(path) == 2:
        field = "role"
    one, many = _ENUM_WORDS.get(field, (f"{field} value", "values"))
    close = difflib.get_close_matches(str(given), choices, n=1, cutoff=0.8)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {one} {given!r}{hint}; known {many}: {', '.join(choices)}".replace(
        "?; known", "? Known"
    )


def _message(error: Mapping[str, Any], path: tuple[str | int, ...]) -> str:
    kind = error.get("type")
    given = error.get("input")
    if kind == "enum":
        return _enum_message(given, str((error.get("ctx") or {}).get("expected", "")), path)
    if kind == "missing":
        return MISSING
    if kind == "extra_forbidden":
        model = _model_at(path[:-1])
        known = f" (expected one of: {', '.join(model.model_fields)})" if model else ""
        return f"unknown field{known}"
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        hint = _PATTERN_HINTS.get(pattern, f"text matching {pattern}")
        return f"expected {hint}, got {given!r}"
    return pydantic_message(error)


def _clean_loc(loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """Drop pydantic's schema-branch names (``function-after[...]``) and the ``[key]``
    marker of a bad mapping key (the key's own path names it) from a location."""
    return tuple(p for p in loc if isinstance(p, int) or "[" not in p)


@cache
def _field_adapter(name: str) -> TypeAdapter[Any]:
    field = Scenario.model_fields[name]
    if not field.metadata:
        return TypeAdapter(field.annotation)
    return TypeAdapter(typing.Annotated[(field.annotation, *field.metadata)])  # type: ignore[valid-type]


@cache
def _item_adapter(name: str) -> TypeAdapter[Any] | None:
    tp = _strip(Scenario.model_fields[name].annotation)
    if typing.get_origin(tp) is list:
        return TypeAdapter(typing.get_args(tp)[0])
    return None


_PLACEHOLDERS: dict[str, Any] = {"duration": float("inf"), "teams": [], "title": "", "seed": 0}


def _validate(data: Any, techniques: Techniques) -> tuple[Scenario | None, list[Problem]]:
    """The scenario, or every problem found in ``data`` (paths into ``data``)."""
    if not isinstance(data, dict):
        return None, [Problem((), f"a scenario is a mapping of fields, got {type(data).__name__}")]
    data = {k: v for k, v in data.items() if not str(k).startswith(EXTENSION_PREFIX)}
    problems: list[Problem] = []
    parts: dict[str, Any] = {}
    kept: dict[str, list[int]] = {}
    unusable: dict[str, set[str] | None] = {}
    """Field -> ids/names of failed items (None: the whole field failed)."""
    for key in data:
        if key not in Scenario.model_fields:
            known = ", ".join(Scenario.model_fields)
            problems.append(Problem((str(key),), f"unknown field (expected one of: {known})"))
    for name, field in Scenario.model_fields.items():
        if name not in data:
            if field.is_required():
                problems.append(Problem((name,), MISSING))
                unusable[name] = None
            continue
        try:
            parts[name] = _field_adapter(name).validate_python(data[name])
        except ValidationError as exc:
            errors = exc.errors()
            for error in errors:
                path = (name, *_clean_loc(error["loc"]))
                problems.append(Problem(path, _message(error, path)))
            item = _item_adapter(name)
            value = data[name]
            if item is None or not isinstance(value, list):
                unusable[name] = None
                continue
            bad = {e["loc"][0] for e in errors if e["loc"] and isinstance(e["loc"][0], int)}
            kept[name], parts[name] = [], []
            for i in range(len(value)):
                if i not in bad:
                    try:
                        parts[name].append(item.validate_python(value[i]))
                    except ValidationError:  # only a list-level error named it; skip it
                        bad.add(i)
                        continue
                    kept[name].append(i)
            unusable[name] = {
                str(value[i].get("id", value[i].get("name")))
                for i in bad
                if isinstance(value[i], dict)
            }
    scenario = Scenario.model_construct(
        **{k: v for k, v in _PLACEHOLDERS.items() if k not in parts}, **parts
    )
    for problem in check(scenario, techniques):
        if _refers_to_unusable(scenario, problem.path, unusable):
            continue
        path = problem.path
        if path and path[0] in kept and len(path) > 1 and isinstance(path[1], int):
            path = (path[0], kept[str(path[0])][path[1]], *path[2:])
        problems.append(Problem(path, problem.message))
    if problems:
        return None, _suggest(problems, data, techniques)
    try:
        return Scenario.model_validate(data, context={"techniques": techniques}), []
    except ValidationError as exc:  # pragma: no cover - the parts agreed; kept as a net
        return None, [Problem(_clean_loc(e["loc"]), _message(e, ())) for e in exc.errors()]


def _known_keys(
    parent: tuple[str | int, ...], data: Mapping[str, Any], techniques: Techniques
) -> list[str]:
    """The keys a mapping at ``parent`` may hold (a technique's parameters under params)."""
    if len(parent) == 3 and parent[0] == "injects" and parent[2] == "params":
        injects = data.get("injects")
        index = parent[1]
        if isinstance(injects, list) and isinstance(index, int) and index < len(injects):
            inject = injects[index]
            cls = techniques.get(inject.get("technique")) if isinstance(inject, dict) else None
            return list(cls.Params.model_fields) if cls else []
        return []
    model = _model_at(parent)
    return list(model.model_fields) if model else []


def _suggest(
    problems: list[Problem], data: Mapping[str, Any], techniques: Techniques
) -> list[Problem]:
    """Unknown keys with a close known key say "did you mean ...?"; a missing required
    key that an unknown key was meant to be is not reported a second time."""
    missing = {p.path for p in problems if p.message == MISSING}
    dropped: set[tuple[str | int, ...]] = set()
    out: list[Problem] = []
    for problem in problems:
        path, message = problem
        unknown = message.startswith(("unknown field", "unknown parameter"))
        if not unknown or not path or not isinstance(path[-1], str):
            out.append(problem)
            continue
        parent, key = tuple(path[:-1]), path[-1]
        absent = [str(m[-1]) for m in missing if m[:-1] == parent and m not in dropped]
        close = difflib.get_close_matches(key, absent, n=1)
        if close:
            dropped.add((*parent, close[0]))
        else:
            close = difflib.get_close_matches(key, _known_keys(parent, data, techniques), n=1)
        if close:
            message = f"{message.split(' (', 1)[0]}, did you mean {close[0]!r}?"
        out.append(Problem(path, message))
    return [p for p in out if not (p.message == MISSING and p.path in dropped)]


def _refers_to_unusable(
    scenario: Scenario, path: tuple[str | int, ...], unusable: Mapping[str, set[str] | None]
) -> bool:
    """True if a cross-reference problem only arises because the referenced part failed."""
    if len(path) < 3 or not isinstance(path[1], int):
        return False

    def failed(field: str, ref: str) -> bool:
        if field not in unusable:
            return False
        names = unusable[field]
        return names is None or ref in names

    if path[0] == "injects" and path[1] < len(scenario.injects):
        inject = scenario.injects[path[1]]
        if path[2] == "target":
            return failed("teams", inject.team)
        if path[2] == "attacker":
            return failed("attackers", inject.attacker) or failed("teams", "")
    if path[0] == "messages" and path[2] == "to" and path[1] < len(scenario.messages):
        message = scenario.messages[path[1]]
        return len(path) > 3 and failed("teams", message.to[int(path[3])])
    return False


# --- public API ----------------------------------------------------------------------


def _techniques(techniques: Techniques | None) -> Techniques:
    if techniques is not None:
        return techniques
    from scenarios.techniques import registry

    return registry.all_techniques()


def loads(
    text: str, filename: str = "<string>", *, techniques: Techniques | None = None
) -> Scenario:
    """Parse and validate scenario YAML; ScenarioValidationError lists every issue.

    ``techniques`` (name -> class) defaults to the ``grapevine.techniques`` registry.
    """
    document = _parse(text, filename)
    scenario, problems = _validate(document.data, _techniques(techniques))
    if scenario is None:
        issues = [
            Issue(filename, *document.locate(p.path), format_path(p.path) or ROOT, p.message)
            for p in problems
        ]
        raise ScenarioValidationError(issues)
    return scenario


def load(path: str | Path, *, techniques: Techniques | None = None) -> Scenario:
    """Read and validate the scenario file at ``path`` (see :func:`loads`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file: {exc}") from None
    return loads(text, str(path), techniques=techniques)


def to_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain YAML/JSON data (defaults left out); :func:`loads` reads it back."""
    return scenario.model_dump(mode="json", exclude_defaults=True)


_YAML_LINE_BREAKS = ("\x85", "\u2028", "\u2029")
"""Characters YAML emitters write raw inside quoted scalars but readers fold to spaces."""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def dumps(scenario: Scenario) -> str:
    """The scenario as YAML text that :func:`loads` turns back into an equal scenario.

    Text is written as UTF-8 unless it holds one of YAML's Unicode line breaks, which
    only survive a round trip escaped (the whole document is then written in ASCII).
    """
    data = to_data(scenario)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = not any(c in s for s in _strings(data) for c in _YAML_LINE_BREAKS)
    out = StringIO()
    yaml.dump(data, out)
    return out.getvalue()
