"""Validate one incoming STIX object and extract what the store indexes (pure).

stix2 parses the object (required properties, types, timestamps, STIX patterns);
custom ``x_`` properties and extension-definition extensions are allowed, because
partner tools (OpenCTI, MISP) send them. What is stored is the object exactly as it
came, not stix2's re-serialisation.

The object is parsed as ``stix2.parse(obj, allow_custom=True, version="2.1")`` does
(:func:`parse_stix`), with one change: an indicator's STIX pattern is checked by
:func:`indicators.patterns.quickcheck.pattern_errors` instead of stix2's own call
to ``run_validator``. Same answer and the same messages (a pattern it cannot vouch
for goes to ``run_validator`` itself), but a simple pattern costs microseconds
instead of an ANTLR parse, and no pattern text is parsed twice.

Before stix2 sees an object, one non-recursive walk refuses what would break the
store or the parser instead of the object: JSON nested deeper than
:data:`DEFAULT_MAX_JSON_DEPTH` levels (stix2 and ``json`` recurse, so a deep
custom property would exhaust the stack) and lone UTF-16 surrogates (``"\\udc80"``
is valid JSON escape syntax, but no UTF-8 text can hold it) in a value or a
property name. Each refusal names the property path, so one bad object is refused
and the rest of its envelope is stored.

What the store indexes from an object (its id and type, extension names, marking
references) is bounded the same way on SQLite and PostgreSQL: no NUL character
(PostgreSQL keeps none in text) and at most :data:`MAX_INDEXED_CHARS` characters
(a PostgreSQL index entry must fit a third of a page). Elsewhere in an object a NUL
is kept: the stored JSON writes it ``\\u0000``.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from stix2 import registry
from stix2.base import _STIXBase
from stix2.exceptions import InvalidValueError, ParseError, STIXError
from stix2.v21 import Indicator as _Stix2Indicator

from indicators.errors import StixValidationError
from indicators.patterns.quickcheck import pattern_errors
from indicators.store.timestamps import parse_us
from indicators.tlp import check_marking_definition, marking_refs, recipients_of

DEFAULT_MAX_JSON_DEPTH = 64
"""How deeply JSON may nest: a STIX object counts as level 1, each object or array
inside it one more. STIX's own structures use fewer than ten levels; 64 leaves room
for custom properties while staying far below Python's recursion limit."""


MAX_INDEXED_CHARS = 512
"""Longest id, extension name or marking reference the store indexes. STIX type
names have at most 250 characters, so a STIX id at most 288."""


@dataclass(frozen=True)
class Prepared:
    """A validated object and its indexed properties."""

    stix_id: str
    stix_type: str
    version: str | None
    """``modified`` or ``created``; ``None`` for objects without either (most SCOs)."""
    version_us: int | None
    spec_version: str
    marking_refs: tuple[str, ...]
    extension_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    created_by_ref: str | None
    obj: Mapping[str, Any]
    body: str


def describe_version(obj: object) -> str:
    """The version text a status detail should show for ``obj`` (best effort)."""
    if isinstance(obj, Mapping):
        for key in ("modified", "created"):
            if isinstance(obj.get(key), str):
                return obj[key]
    return ""


def check_json_shape(value: object, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> None:
    """Refuse ``value`` if it nests deeper than ``max_depth`` or holds a lone UTF-16
    surrogate in a string or a property name; the error names the property path
    (``x_data[2].name``). The walk is iterative, so it is safe on any depth."""
    stack: list[tuple[object, str, int]] = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, path, "value")
            continue
        if not isinstance(item, Mapping | list | tuple):
            continue
        if depth > max_depth:
            raise StixValidationError(
                f"property {path}: JSON nested deeper than {max_depth} levels"
                " (the limit of this server)"
            )
        if isinstance(item, Mapping):
            for key, child in item.items():
                name = str(key)
                child_path = f"{path}.{name}" if path else name
                _check_text(name, child_path, "name")
                stack.append((child, child_path, depth + 1))
        else:
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = str.maketrans({"[": "\x01", "{": "\x01", "]": "\xff", "}": "\xff"})
_NOT_BRACKETS = bytes(b for b in range(256) if b not in (1, 255))


def json_text_depth(data: bytes | str) -> int:
    """How deeply the JSON text ``data`` nests (``[]`` is 1), without parsing it.

    Strings are cut out and the brackets counted, all in C-speed passes, so a
    body can be measured before :mod:`json` (which recurses) reads it. For text
    that is not valid JSON the answer is at least the depth ``json`` reaches
    before it finds the error."""
    if isinstance(data, bytes | bytearray):
        data = bytes(data).decode(json.detect_encoding(data), errors="replace")
    bare = _JSON_STRING.sub("", data)
    marks = bare.translate(_BRACKETS).encode("latin-1", errors="ignore")
    steps = array("b", marks.translate(None, _NOT_BRACKETS))  # b"\x01" +1, b"\xff" -1
    return max(accumulate(steps), default=0)


def _check_text(text: str, path: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StixValidationError(
            f"property {ascii(path)[1:-1]}: its {what} holds a lone UTF-16 surrogate"
            f" {text[exc.start]!a} at character {exc.start}; no UTF-8 text can hold it"
        ) from None


def prepare(obj: object, where: str = "object") -> Prepared:
    """Validate ``obj`` with stix2 or raise :class:`StixValidationError` saying why.

    ``obj`` is a JSON-shaped dict or a stix2 object (serialised first).
    """
    if isinstance(obj, _STIXBase):
        obj = json.loads(obj.serialize())
    if not isinstance(obj, Mapping):
        raise StixValidationError(f"{where} is a JSON {type(obj).__name__}, not a STIX object")
    stix_id = obj.get("id")
    if not isinstance(stix_id, str) or "--" not in stix_id:
        raise StixValidationError(f"{where} has no valid 'id' property (type--UUID)")
    try:
        stix_id.encode("utf-8")
    except UnicodeEncodeError:
        raise StixValidationError(f"{where}.id {stix_id!a} holds a lone surrogate") from None
    if "\x00" in stix_id or len(stix_id) > MAX_INDEXED_CHARS:
        shown = ascii(stix_id[:80]) + ("…" if len(stix_id) > 80 else "")
        raise StixValidationError(
            f"{where}.id {shown} is not one the store can index: no NUL character (\\x00) and"
            f" at most {MAX_INDEXED_CHARS} characters"
        )
    body = _compact_json(obj)
    if body is None:  # something to refuse, or not JSON: the walk says what
        try:
            check_json_shape(obj)
        except StixValidationError as exc:
            raise StixValidationError(exc.reason, stix_id) from None
    spec = obj.get("spec_version")
    if spec is not None and spec != "2.1":
        raise StixValidationError(
            f"spec_version {spec!r} is not accepted; this server stores STIX 2.1", stix_id
        )
    if spec is None and ("created" in obj or "modified" in obj):
        raise StixValidationError(
            "missing spec_version: STIX 2.1 domain and relationship objects need"
            ' "spec_version": "2.1"',
            stix_id,
        )
    try:
        check_marking_definition(obj)
    except ValueError as exc:
        raise StixValidationError(str(exc), stix_id) from None
    try:
        parse_stix(dict(obj))
    except (STIXError, ValueError, TypeError, KeyError) as exc:
        raise StixValidationError(_reason(exc), stix_id) from None
    except Exception as exc:  # stix2/stix2-patterns crash on some damaged input
        raise StixValidationError(
            f"stix2 could not parse the object ({type(exc).__name__}: {exc})", stix_id
        ) from None
    version = obj.get("modified") or obj.get("created")
    try:
        version_us = parse_us(version, "modified") if version else None
        recipients = recipients_of(obj)
    except Exception as exc:  # StoreError or ValueError, both phrased for people
        raise StixValidationError(str(exc), stix_id) from None
    extensions = obj.get("extensions") or {}
    created_by = obj.get("created_by_ref")
    markings = tuple(dict.fromkeys(r.lower() for r in marking_refs(obj)))
    extension_ids = tuple(extensions) if isinstance(extensions, Mapping) else ()
    for what, values in (("extension name", extension_ids), ("marking reference", markings)):
        for value in values:
            _check_indexed(value, what, stix_id)
    return Prepared(
        stix_id=stix_id,
        stix_type=stix_id.split("--", 1)[0],
        version=version,
        version_us=version_us,
        spec_version="2.1",
        marking_refs=markings,
        extension_ids=extension_ids,
        recipients=tuple(dict.fromkeys(recipients)),
        created_by_ref=created_by if isinstance(created_by, str) else None,
        obj=obj,
        body=body
        if body is not None
        else json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
    )


def _compact_json(obj: Mapping[str, Any], max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> str | None:
    """``obj`` as compact JSON text if :func:`check_json_shape` would pass it, else
    ``None``. Quicker than the walk: the text is written once (it is what the store
    keeps), then its depth is counted and its UTF-8 encoding tried (a lone surrogate
    in any string or name fails it), both at C speed."""
    try:
        body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        body.encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return None
    return body if json_text_depth(body) <= max_depth else None


class _Indicator(_Stix2Indicator):
    """stix2's Indicator with its pattern checked by :func:`pattern_errors`.

    Named like its parent (``stix2.v21.sdo.Indicator``), because stix2 and Python
    name the class in error messages ("Invalid value for Indicator 'pattern': ...")."""

    def _check_object_constraints(self) -> None:
        # As stix2.v21.Indicator._check_object_constraints (stix2 3.0), the
        # pattern checked by pattern_errors instead of run_validator.
        _STIXBase._check_object_constraints(self)
        valid_from = self.get("valid_from")
        valid_until = self.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            raise ValueError(f"{self.id} 'valid_until' must be greater than 'valid_from'")
        if self.get("pattern_type") == "stix":
            errors = pattern_errors(self.get("pattern"), self.get("pattern_version"))
            if errors:
                raise InvalidValueError(self.__class__, "pattern", str(errors[0]))


_Indicator.__name__ = _Indicator.__qualname__ = _Stix2Indicator.__name__
_Indicator.__module__ = _Stix2Indicator.__module__


def parse_stix(obj: dict[str, Any]) -> object:
    """``stix2.parse(obj, allow_custom=True, version="2.1")`` for a JSON dict, the
    indicator pattern checked by :func:`pattern_errors` (see the module docstring).
    Raises what stix2 raises."""
    if "type" not in obj:
        raise ParseError(f"Can't parse object with no 'type' property: {obj!s}")
    obj_type = obj["type"]
    cls = registry.class_for_type(obj_type, "2.1", "objects") or registry.class_for_type(
        obj_type, "2.1", "observables"
    )
    if cls is None:
        return obj  # allow_custom: an unknown type is returned as it is
    if cls is _Stix2Indicator:
        cls = _Indicator
    return cls(allow_custom=True, interoperability=False, **obj)


def _check_indexed(value: str, what: str, stix_id: str) -> None:
    """Refuse an indexed string with a NUL or longer than :data:`MAX_INDEXED_CHARS`."""
    shown = ascii(value[:80]) + ("…" if len(value) > 80 else "")
    if "\x00" in value:
        raise StixValidationError(
            f"{what} {shown} holds a NUL character (\\x00) at character {value.index(chr(0))};"
            " the store keeps no NUL in what it indexes",
            stix_id,
        )
    if len(value) > MAX_INDEXED_CHARS:
        raise StixValidationError(
            f"{what} {shown} has {len(value)} characters; the store indexes at most"
            f" {MAX_INDEXED_CHARS}",
            stix_id,
        )


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if len(text) < 400 else text[:400] + "…"
