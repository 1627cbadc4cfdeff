"""TAXII envelopes written with orjson, the stored objects spliced in as they are.

medallion's views serialize what the backend returns with ``flask.json.dumps``, that
is the app's JSON provider. A page of objects would be parsed from the stored JSON
text only to be written back to JSON; instead the backend returns an
:class:`Envelope` whose objects are one :class:`orjson.Fragment` (the stored texts
joined as an array; the store wrote each with :func:`json.dumps` from a parsed
object, so it is JSON already),
and :class:`EnvelopeJSONProvider` writes an ``Envelope`` with orjson. Everything else
the app answers (discovery, collections, statuses, errors, the range API's JSON)
goes through Flask's default provider unchanged.

Reading, the provider refuses ``NaN``, ``Infinity`` and ``-Infinity``: Python's
:mod:`json` takes them, but they are not JSON (RFC 8259), so an object holding one
could be stored and then served to every client as text no JSON reader accepts.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider


class Envelope(dict):
    """A TAXII envelope (or manifest, or versions) resource to be written with orjson;
    its values may hold :class:`orjson.Fragment` (JSON text spliced in unparsed)."""


def stored_array(bodies: list[str]) -> orjson.Fragment:
    """Stored objects' JSON texts as one JSON array, to be spliced into an
    :class:`Envelope` (one fragment a page: a fragment per object cost a third of a
    millisecond a page of a thousand)."""
    return orjson.Fragment("[" + ",".join(bodies) + "]")


class EnvelopeJSONProvider(DefaultJSONProvider):
    """Flask's default JSON provider, except that an :class:`Envelope` is written with
    orjson (compact; non-ASCII text as UTF-8 rather than ``\\u`` escapes, which any
    JSON reader takes as the same text)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _not_json)
        return super().loads(s, **kwargs)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if type(obj) is Envelope:
            return orjson.dumps(obj).decode()
        return super().dumps(obj, **kwargs)


def _not_json(name: str) -> Any:
    raise ValueError(
        f"{name} is not a JSON number (RFC 8259 has no NaN or Infinity):"
        " give a finite number or leave the property out"
    )
