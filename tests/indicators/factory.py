"""Deterministic STIX objects for the store and TAXII tests (plain JSON dicts)."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from indicators.tlp import RECIPIENTS_EXTENSION_ID, TLP2_MARKING_IDS, Tlp

BASE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

MEDALLION_DATA_FILE = Path(__file__).parent / "data" / "medallion_default_data.json"
"""A medallion memory-backend data file (the import and comparison tests' input)."""


def medallion_document() -> dict[str, Any]:
    """A fresh copy of MEDALLION_DATA_FILE's JSON, free to damage."""
    return json.loads(MEDALLION_DATA_FILE.read_text())


def ts(offset_s: float = 0) -> str:
    """A STIX timestamp ``offset_s`` seconds after BASE, millisecond precision."""
    when = BASE + timedelta(seconds=offset_s)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def ip(value: str) -> dict:
    """An ipv4-addr or ipv6-addr SCO for ``value``."""
    return {"type": "ipv6-addr" if ":" in value else "ipv4-addr", "value": value}


def stix_id(kind: str, rng: random.Random) -> str:
    return f"{kind}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def indicator(
    rng: random.Random,
    *,
    tlp: Tlp | None = Tlp.GREEN,
    ident: str | None = None,
    created: float = 0,
    modified: float | None = None,
    created_by: str | None = None,
    recipients: list[str] | None = None,
    value: str = "198.51.100.7",
) -> dict:
    """A valid TLP-marked indicator for an address in a documentation range."""
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ident or stix_id("indicator", rng),
        "created": ts(created),
        "modified": ts(created if modified is None else modified),
        "name": f"bad address {value}",
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": ts(created),
    }
    if tlp is not None:
        obj["object_marking_refs"] = [TLP2_MARKING_IDS[tlp]]
    if created_by:
        obj["created_by_ref"] = created_by
    if recipients is not None:
        obj["extensions"] = {
            RECIPIENTS_EXTENSION_ID: {
                "extension_type": "property-extension",
                "recipients": recipients,
            }
        }
    return obj


def new_version(obj: dict, modified: float, **changes: object) -> dict:
    """The same object with a later ``modified`` and some properties changed."""
    return {**obj, **changes, "modified": ts(modified)}
