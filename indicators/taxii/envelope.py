"""TAXII envelopes written with orjson, the stored objects spliced in as they are.

medallion's views serialize what the backend returns with ``flask.json.dumps``, that
is the app's JSON provider. A page of objects would be parsed from the stored JSON
text only to be written back to JSON; instead the backend returns an
:class:`Envelope` whose objects are :class:`orjson.Fragment` (the stored text, which
the store wrote with :func:`json.dumps` from a parsed object, so it is JSON already),
and :class:`EnvelopeJSONProvider` writes an ``Envelope`` with orjson. Everything else
the app answers (discovery, collections, statuses, errors, the range API's JSON)
goes through Flask's default provider unchanged.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider


class Envelope(dict):
    """A TAXII envelope (or manifest, or versions) resource to be written with orjson;
    its values may hold :class:`orjson.Fragment` (JSON text spliced in unparsed)."""


def stored_json(body: str) -> orjson.Fragment:
    """A stored object's JSON text, to be spliced into an :class:`Envelope`."""
    return orjson.Fragment(body)


class EnvelopeJSONProvider(DefaultJSONProvider):
    """Flask's default JSON provider, except that an :class:`Envelope` is written with
    orjson (compact; non-ASCII text as UTF-8 rather than ``\\u`` escapes, which any
    JSON reader takes as the same text)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if type(obj) is Envelope:
            return orjson.dumps(obj).decode()
        return super().dumps(obj, **kwargs)
