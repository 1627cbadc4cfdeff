"""Validate one incoming STIX object and extract what the store indexes (pure).

stix2 parses the object (required properties, types, timestamps, STIX patterns);
custom ``x_`` properties and extension-definition extensions are allowed, because
partner tools (OpenCTI, MISP) send them. What is stored is the object exactly as it
came, not stix2's re-serialisation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stix2
from stix2.base import _STIXBase
from stix2.exceptions import STIXError

from indicators.errors import StixValidationError
from indicators.store.timestamps import parse_us
from indicators.tlp import marking_refs, recipients_of


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
        stix2.parse(dict(obj), allow_custom=True, version="2.1")
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
    return Prepared(
        stix_id=stix_id,
        stix_type=stix_id.split("--", 1)[0],
        version=version,
        version_us=version_us,
        spec_version="2.1",
        marking_refs=tuple(dict.fromkeys(marking_refs(obj))),
        extension_ids=tuple(extensions) if isinstance(extensions, Mapping) else (),
        recipients=tuple(dict.fromkeys(recipients)),
        created_by_ref=created_by if isinstance(created_by, str) else None,
        obj=obj,
        body=json.dumps(obj, separators=(",", ":"), ensure_ascii=False),
    )


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if len(text) < 400 else text[:400] + "…"
