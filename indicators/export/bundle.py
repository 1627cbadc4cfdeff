"""STIX indicators to a STIX 2.1 bundle, for partners that import STIX directly.

Every indicator travels, whatever its pattern language (a bundle can carry what a
rule format cannot), as the latest version of each id. Each one is validated with
stix2 (which also checks STIX patterns); those that fail are listed with stix2's
message instead. Revoked indicators are kept: the revoked latest version is how a
partner learns to drop one. The bundle id is derived from the ids and versions it
holds, so the same indicators always give the same bytes. Pure.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime

import stix2
from stix2.exceptions import STIXError

from indicators.export.intake import Skipped, select_indicators

BUNDLE_NAMESPACE = uuid.UUID("5f6b8a3e-6c1d-4f0e-9a57-3d2b1c0e4a71")
"""uuid5 namespace of the ids of exported bundles."""


def to_stix_bundle(
    indicators: Iterable[object], *, now: datetime | None = None
) -> tuple[str, list[Skipped]]:
    """A STIX 2.1 bundle (JSON text) of the valid indicators; ``(id, reason)`` for the rest."""
    selection = select_indicators(
        indicators, now=now, stix_patterns_only=False, include_revoked=True
    )
    skipped = list(selection.skipped)
    kept = []
    for indicator in selection.indicators:
        data = {"spec_version": "2.1", **indicator}
        try:
            stix2.parse(data, allow_custom=True, version="2.1")
        except (STIXError, ValueError, TypeError) as exc:
            skipped.append((indicator["id"], f"not valid STIX 2.1: {exc}"))
            continue
        kept.append(data)
    fingerprint = "\n".join(f"{d['id']}|{d.get('modified', '')}" for d in kept)
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(BUNDLE_NAMESPACE, fingerprint)}",
        "objects": kept,
    }
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", skipped
