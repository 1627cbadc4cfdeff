"""What every export does first: take indicators in, keep the ones worth exporting.

Exports accept STIX indicator dicts or stix2 objects, in any order, possibly with
several versions of one indicator. :func:`select_indicators` returns plain dicts,
the latest version of each indicator only, in a stable order (``created``, then
``id``), and a list of ``(indicator id, reason)`` for those it leaves out. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Skipped = tuple[str, str]
"""``(indicator id, why it was not exported)``."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The indicators an export works on and those it left out, with reasons."""

    indicators: list[dict[str, Any]]
    skipped: list[Skipped]


def parse_timestamp(value: object) -> datetime | None:
    """A STIX timestamp (``2026-03-02T08:00:00.000Z``) as an aware datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def as_dict(obj: object) -> dict[str, Any] | None:
    """A STIX object as a plain JSON dict (stix2 objects are serialized), or None."""
    serialize = getattr(obj, "serialize", None)
    if callable(serialize):
        loaded = json.loads(serialize())
        return loaded if isinstance(loaded, dict) else None
    if isinstance(obj, Mapping):
        return dict(obj)
    return None


def select_indicators(
    objects: Iterable[object],
    *,
    now: datetime | None = None,
    stix_patterns_only: bool = True,
    include_revoked: bool = False,
) -> Selection:
    """Latest version of each indicator, minus those that cannot or should not be exported.

    Left out, each with a reason: objects that are not indicators or have no id,
    revoked indicators (unless ``include_revoked``), indicators whose pattern is not
    a STIX pattern (when ``stix_patterns_only``) and, when ``now`` is given,
    indicators whose ``valid_until`` has passed.
    """
    latest: dict[str, dict[str, Any]] = {}
    skipped: list[Skipped] = []
    for position, obj in enumerate(objects):
        data = as_dict(obj)
        if data is None:
            skipped.append((f"<item {position}>", f"not a STIX object ({type(obj).__name__})"))
            continue
        object_id = data.get("id")
        if not isinstance(object_id, str) or not object_id:
            skipped.append((f"<item {position}>", "object has no id"))
            continue
        if data.get("type") != "indicator":
            skipped.append((object_id, f"not an indicator (type {data.get('type')!r})"))
            continue
        previous = latest.get(object_id)
        if previous is None or _version(data) >= _version(previous):
            latest[object_id] = data

    kept: list[dict[str, Any]] = []
    for object_id, data in latest.items():
        reason = _exclusion(data, now, stix_patterns_only, include_revoked)
        if reason:
            skipped.append((object_id, reason))
        else:
            kept.append(data)
    kept.sort(key=lambda d: (str(d.get("created", "")), d["id"]))
    return Selection(kept, skipped)


def _version(data: Mapping[str, Any]) -> tuple[float, str]:
    parsed = parse_timestamp(data.get("modified"))
    return (parsed.timestamp() if parsed else float("-inf"), str(data.get("modified", "")))


def _exclusion(
    data: Mapping[str, Any], now: datetime | None, stix_only: bool, include_revoked: bool
) -> str | None:
    if data.get("revoked") is True and not include_revoked:
        return "revoked"
    pattern = data.get("pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        return "indicator has no pattern"
    pattern_type = data.get("pattern_type", "stix")
    if stix_only and pattern_type != "stix":
        return f"pattern_type {pattern_type!r} is not a STIX pattern"
    if now is not None:
        until = parse_timestamp(data.get("valid_until"))
        if until is not None and until <= now:
            return f"expired (valid_until {data['valid_until']})"
    return None
