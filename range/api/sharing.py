"""Indicators over TAXII for the range API: find one a team may read, read back what
a team published, and name the recipients of a TLP:RED one.

Reads go through the store with the team as the TLP reader, so the API never shows or
deploys what TAXII would not give that team.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from indicators.store import Store
from indicators.tlp import RECIPIENTS_EXTENSION_ID, Reader, Tlp, level_of
from range.api.errors import ApiError, invalid, not_found


@dataclass(frozen=True)
class FoundIndicator:
    """A STIX indicator a team may read, with its producing team and TLP."""

    object: dict[str, Any]
    producer: str | None
    tlp: Tlp
    collection: str

    @property
    def pattern(self) -> str:
        return str(self.object.get("pattern", ""))

    @property
    def name(self) -> str:
        return str(self.object.get("name", ""))


DEPLOY_NAMESPACE = uuid.UUID("5c0a8e53-7d1b-4f0e-9a6c-2b8d4e1f7a90")


def new_indicator_id(team: str, seq: int, pattern: str) -> str:
    """The id of a pattern ``team`` deploys when the log stands at ``seq``: a UUIDv5, so
    the same actions on the same log give the same ids (replays, headless runs)."""
    return f"indicator--{uuid.uuid5(DEPLOY_NAMESPACE, f'{team}|{seq}|{pattern}')}"


def find_indicator(
    store: Store, api_root: str, reader: Reader, indicator_id: str, field: str = "indicator_id"
) -> FoundIndicator:
    """The newest version of ``indicator_id`` that ``reader`` may read in any collection;
    404 naming ``field`` if there is none (unreadable and missing look the same)."""
    teams = {identity: name for name, identity in store.teams().items()}
    newest: FoundIndicator | None = None
    for info in store.collections(api_root):
        if not info.can_read:
            continue
        for obj in store.query(api_root, info.id, reader, object_id=indicator_id).objects():
            if obj.get("type") != "indicator" or obj.get("pattern_type", "stix") != "stix":
                continue
            if newest is None or obj.get("modified", "") > newest.object.get("modified", ""):
                producer = teams.get(obj.get("created_by_ref", ""), info.owner_team)
                newest = FoundIndicator(obj, producer, level_of(obj, info.default_tlp), info.id)
    if newest is None:
        who = f"team {reader.team}" if reader.team else "the caller"
        raise not_found(field, f"no STIX indicator {indicator_id} that {who} may read")
    return newest


def check_recipients(store: Store, tlp: Tlp, recipients: list[str]) -> None:
    """422 naming the recipient at fault: recipients are for RED, and must be teams."""
    if recipients and tlp is not Tlp.RED:
        raise invalid("recipients", f"recipients are for TLP:RED only; this is {tlp.label}")
    known = store.teams()
    for i, recipient in enumerate(recipients):
        if recipient not in known:
            raise invalid(f"recipients.{i}", f"{recipient!r} is not a team of this exercise")


def add_recipients(
    store: Store, api_root: str, found: FoundIndicator, team: str, recipients: list[str]
) -> dict[str, Any]:
    """A new version of a RED indicator naming its ``recipients`` (a millisecond later)."""
    obj = dict(found.object)
    modified = datetime.strptime(obj["modified"], "%Y-%m-%dT%H:%M:%S.%fZ")
    obj["modified"] = (modified + timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    obj["extensions"] = {
        RECIPIENTS_EXTENSION_ID: {"extension_type": "property-extension", "recipients": recipients}
    }
    status = store.add_objects(api_root, found.collection, [obj], producer=team)
    if status.get("failure_count"):
        raise ApiError(409, "recipients", json.dumps(status["failures"][0]))
    return obj
