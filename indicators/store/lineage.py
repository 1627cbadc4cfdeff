"""Who an object id belongs to, as far as a team posting a new version may know.

A team may add versions only to objects it produced: a newer version of another
team's object (published by it, or first published in its collection) would make
readers see "their" object changed. The decision looks only at versions the poster
may read (TLP and collection access), so the answer never tells a team that an
object it cannot read exists. Versions it cannot read in the collection it posts
to *shadow* the id: the post answers exactly as a fresh store would and changes
nothing, so neither the hidden object nor the answer reveals anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from indicators.store import schema
from indicators.tlp import Tlp, may_read
from indicators.users import Role, User, access

_IN_CHUNK = 500
"""Ids per ``IN (...)`` list, well under every database's bound-parameter limit."""


@dataclass(frozen=True)
class StoredVersion:
    """One stored version of an id, in some collection of the API root."""

    collection_pk: int
    owner_team: str | None
    version_us: int
    version: str
    date_added_us: int
    row: int
    producer: str | None
    visible: bool
    """Whether the poster may read it (TLP and collection access)."""


@dataclass
class Lineage:
    """What a poster may know of one id: the versions it reads in the target collection,
    whether hidden versions shadow the id there, and why a new version is refused."""

    versions: dict[int, str] = field(default_factory=dict)
    shadowed: bool = False
    refusal: str | None = None


def load(
    conn: Connection, root_pk: int, ids: Iterable[str], poster: User | None
) -> dict[str, list[StoredVersion]]:
    """Every stored version of ``ids`` in the API root, with its visibility to ``poster``
    (``None``: a trusted import, which sees everything)."""
    o, c, r = schema.objects, schema.collections, schema.object_recipients
    unique = list(dict.fromkeys(ids))
    raw = []
    for start in range(0, len(unique), _IN_CHUNK):
        raw += conn.execute(
            select(
                o.c.stix_id,
                o.c.collection_pk,
                c.c.owner_team,
                c.c.can_read,
                c.c.can_write,
                o.c.version_us,
                o.c.version,
                o.c.date_added_us,
                o.c.row,
                o.c.tlp,
                o.c.producer,
            )
            .join(c, c.c.pk == o.c.collection_pk)
            .where(c.c.api_root_pk == root_pk, o.c.stix_id.in_(unique[start : start + _IN_CHUNK]))
            .order_by(o.c.date_added_us, o.c.row)
        ).all()
    red_rows = [x.row for x in raw if x.tlp == int(Tlp.RED)]
    named: dict[int, list[str]] = {}
    for start in range(0, len(red_rows), _IN_CHUNK):
        chunk = red_rows[start : start + _IN_CHUNK]
        for row, team in conn.execute(
            select(r.c.object_row, r.c.team).where(r.c.object_row.in_(chunk))
        ):
            named.setdefault(row, []).append(team)
    found: dict[str, list[StoredVersion]] = {}
    for x in raw:
        if poster is None:
            visible = True
        else:
            rights = access(poster, x.owner_team, bool(x.can_read), bool(x.can_write))
            visible = (rights.can_read or rights.can_write) and may_read(
                poster.reader, Tlp(x.tlp), x.producer, named.get(x.row, ())
            )
        found.setdefault(x.stix_id, []).append(
            StoredVersion(
                x.collection_pk,
                x.owner_team,
                x.version_us,
                x.version,
                x.date_added_us,
                x.row,
                x.producer,
                visible,
            )
        )
    return found


def judge(stored: list[StoredVersion], poster: User | None, collection_pk: int) -> Lineage:
    """What ``poster`` may know of an id whose stored versions are ``stored`` (in
    ``(date_added, row)`` order) when it posts into collection ``collection_pk``."""
    lineage = Lineage()
    for version in stored:
        if version.collection_pk != collection_pk:
            continue
        if version.visible:
            lineage.versions[version.version_us] = version.version
        else:
            lineage.shadowed = True
    if poster is None or poster.role is not Role.TEAM:
        return lineage
    team = poster.team
    seen = [v for v in stored if v.visible]
    other = next((v for v in seen if v.producer is not None and v.producer != team), None)
    if other is not None:
        lineage.refusal = (
            f"the object was published by team {other.producer!r} (version {other.version});"
            f" team {team!r} may not publish versions of another team's object"
        )
    elif seen and seen[0].owner_team is not None and seen[0].owner_team != team:
        lineage.refusal = (
            f"the object was first published in the collection of team {seen[0].owner_team!r};"
            f" team {team!r} may not publish versions of it"
        )
    return lineage
