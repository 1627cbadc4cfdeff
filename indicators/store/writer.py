"""The write side of the store (like stix2's DataSink): API roots, collections,
objects with their markings, statuses, teams and users.

Each call is one transaction: an envelope of objects is stored whole (every valid
object) or not at all, together with its status resource, and nothing stored before
is changed. Adding a version that is already there is a success that changes
nothing, so a client may safely retry a POST whose answer it did not get.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from indicators.clock import Clock
from indicators.errors import NotFoundError, StixValidationError, StoreError
from indicators.store import schema
from indicators.store.ingest import Prepared, describe_version, prepare
from indicators.store.query import ObjectFilter, where_clauses
from indicators.store.reader import ApiRootInfo, CollectionInfo, StoreReader
from indicators.store.timestamps import format_us, to_us
from indicators.tlp import DEFAULT_LEVEL, Reader, Tlp, level_of
from indicators.users import Role, User, check_name, team_identity_id

DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024
"""Largest POST body an API root accepts unless told otherwise (bytes)."""

_IN_CHUNK = 500
"""Ids per ``IN (...)`` list, well under every database's bound-parameter limit."""

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _check_segment(value: str, what: str) -> str:
    if not isinstance(value, str) or not _SEGMENT.match(value) or value == "taxii2":
        raise StoreError(
            f"{what} {value!r} is invalid: use letters, digits, '.', '_' or '-' (it is part of"
            " a URL path)"
        )
    return value


class StoreWriter(StoreReader):
    """Writes; reads through :class:`StoreReader` where it needs to look things up."""

    _write: Engine
    _clock: Clock

    # -- API roots and collections -------------------------------------------------

    def create_api_root(
        self,
        name: str,
        title: str,
        description: str | None = None,
        max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH,
    ) -> ApiRootInfo:
        """A new API root at URL path ``/<name>/``; refuses a name already taken."""
        _check_segment(name, "API root name")
        if max_content_length <= 0:
            raise StoreError(f"max_content_length of API root {name!r} must be positive")
        try:
            with self._write.begin() as conn:
                conn.execute(
                    insert(schema.api_roots).values(
                        name=name,
                        title=title,
                        description=description,
                        max_content_length=max_content_length,
                    )
                )
        except IntegrityError:
            raise StoreError(f"API root {name!r} already exists") from None
        return self.api_root(name)

    def ensure_api_root(self, name: str, title: str, **kwargs: Any) -> ApiRootInfo:
        """The API root ``name``, created if missing."""
        try:
            return self.api_root(name)
        except NotFoundError:
            return self.create_api_root(name, title, **kwargs)

    def create_collection(
        self,
        api_root: str,
        title: str,
        *,
        collection_id: str | None = None,
        description: str | None = None,
        alias: str | None = None,
        can_read: bool = True,
        can_write: bool = True,
        owner_team: str | None = None,
        default_tlp: Tlp = DEFAULT_LEVEL,
    ) -> CollectionInfo:
        """A new collection in ``api_root`` (``collection_id`` defaults to a new UUID)."""
        root = self.api_root(api_root)
        cid = _check_segment(collection_id or str(uuid.uuid4()), "collection id")
        if owner_team is not None:
            check_name(owner_team, "team name")
        try:
            with self._write.begin() as conn:
                if owner_team is not None:
                    self._ensure_team(conn, owner_team)
                conn.execute(
                    insert(schema.collections).values(
                        api_root_pk=root.pk,
                        collection_id=cid,
                        title=title,
                        description=description,
                        alias=alias,
                        can_read=can_read,
                        can_write=can_write,
                        owner_team=owner_team,
                        default_tlp=int(Tlp(default_tlp)),
                    )
                )
        except IntegrityError:
            raise StoreError(
                f"collection {cid!r} already exists in API root {api_root!r}"
            ) from None
        return self.collection(api_root, cid)

    # -- teams and users --------------------------------------------------------------

    def _ensure_team(self, conn: Connection, team: str, identity_id: str | None = None) -> str:
        t = schema.teams
        found = conn.execute(select(t.c.identity_id).where(t.c.name == team)).scalar()
        if found is not None:
            if identity_id is not None and identity_id != found:
                raise StoreError(f"team {team!r} already publishes as {found}, not {identity_id}")
            return found
        identity = identity_id or team_identity_id(team)
        try:
            conn.execute(insert(t).values(name=check_name(team, "team name"), identity_id=identity))
        except IntegrityError:
            raise StoreError(f"identity {identity} already belongs to another team") from None
        return identity

    def ensure_team(self, team: str, identity_id: str | None = None) -> str:
        """Team ``team`` (created if missing); returns the identity id it publishes as."""
        with self._write.begin() as conn:
            return self._ensure_team(conn, team, identity_id)

    def provision_team(self, team: str, api_root: str) -> CollectionInfo:
        """Team ``team`` and the collection it writes in ``api_root`` (both created if missing)."""
        self.ensure_team(team)
        existing = self.team_collection(api_root, team)
        if existing is not None:
            return existing
        return self.create_collection(
            api_root,
            f"{team} indicators",
            collection_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"grapevine:{api_root}:{team}")),
            description=f"Indicators shared by team {team}",
            alias=team,
            owner_team=team,
        )

    def add_user(self, user: User, password_hash: str) -> User:
        """Store a new user (its team is created if missing); refuses a taken name."""
        try:
            with self._write.begin() as conn:
                if user.role is Role.TEAM and user.team:
                    self._ensure_team(conn, user.team)
                conn.execute(
                    insert(schema.users).values(
                        name=user.name,
                        role=user.role.value,
                        team=user.team,
                        password_hash=password_hash,
                        created_us=to_us(self._clock.now()),
                    )
                )
        except IntegrityError:
            raise StoreError(f"user {user.name!r} already exists") from None
        return user

    def remove_user(self, name: str) -> None:
        """Delete user ``name`` or raise :class:`NotFoundError`."""
        with self._write.begin() as conn:
            gone = conn.execute(delete(schema.users).where(schema.users.c.name == name)).rowcount
        if not gone:
            raise NotFoundError(f"user {name!r} not found")

    def set_password_hash(self, name: str, password_hash: str) -> None:
        """Replace the password hash of user ``name`` or raise :class:`NotFoundError`."""
        t = schema.users
        with self._write.begin() as conn:
            done = conn.execute(
                update(t).where(t.c.name == name).values(password_hash=password_hash)
            ).rowcount
        if not done:
            raise NotFoundError(f"user {name!r} not found")

    # -- objects ----------------------------------------------------------------------

    def add_objects(
        self,
        api_root: str,
        collection_id: str,
        objects: Sequence[object],
        *,
        poster: User | None = None,
        producer: str | None = None,
        date_added: datetime | None = None,
        status_id: str | None = None,
    ) -> dict[str, Any]:
        """Store every valid object of ``objects``; returns the TAXII status resource.

        ``poster`` is the user POSTing (``None`` for a trusted import); a team user
        may not publish an object whose ``created_by_ref`` (or, for identities, whose
        id) is another team's identity. ``producer`` is the team credited when the
        object names no team identity and the poster is not a team. ``date_added``
        defaults to the store's clock, one instant for the whole envelope, read once
        the write lock is held and never earlier than what the collection already
        holds: ``date_added`` order is commit order, so a client polling with
        ``added_after`` or a ``next`` cursor never misses a later commit.
        """
        info = self.collection(api_root, collection_id)
        root = self.api_root(api_root)
        successes: list[dict[str, str]] = []
        failures: list[dict[str, str]] = []
        prepared: list[Prepared] = []
        for index, obj in enumerate(objects):
            try:
                prepared.append(prepare(obj, f"objects[{index}]"))
            except StixValidationError as exc:
                ident = exc.object_id or f"objects[{index}]"
                failures.append(_detail(ident, describe_version(obj), exc.reason))
        with self._write.begin() as conn:
            now_us = to_us(self._clock.now())
            if date_added is not None:
                added_us = to_us(date_added)
            else:
                o = schema.objects
                floor = conn.execute(
                    select(func.max(o.c.date_added_us)).where(o.c.collection_pk == info.pk)
                ).scalar()
                added_us = max(now_us, floor or 0)
            identities = {
                ident: name
                for name, ident in conn.execute(
                    select(schema.teams.c.name, schema.teams.c.identity_id)
                )
            }
            known_teams = set(identities.values())
            stored = self._stored_versions(conn, info.pk, [p.stix_id for p in prepared])
            records: list[dict[str, Any]] = []
            planned: list[tuple[Prepared, list[str]]] = []
            for item in prepared:
                try:
                    team, recipients = self._check(item, poster, producer, identities, known_teams)
                except StixValidationError as exc:
                    failures.append(_detail(item.stix_id, item.version or "", exc.reason))
                    continue
                versions = stored.setdefault(item.stix_id, {})
                if item.version_us is None:  # immutable (most SCOs): one version, ever
                    version, version_us = format_us(added_us), added_us
                    clash = next(iter(versions.values()), None)
                else:
                    version, version_us = item.version or "", item.version_us
                    clash = versions.get(version_us)
                if clash is not None:
                    successes.append(
                        _detail(item.stix_id, clash, "already in the collection; unchanged")
                    )
                    continue
                versions[version_us] = version
                successes.append(_detail(item.stix_id, version))
                planned.append((item, recipients))
                records.append(
                    {
                        "collection_pk": info.pk,
                        "stix_id": item.stix_id,
                        "stix_type": item.stix_type,
                        "version": version,
                        "version_us": version_us,
                        "spec_version": item.spec_version,
                        "date_added_us": added_us,
                        "tlp": int(level_of(item.obj, info.default_tlp)),
                        "producer": team,
                        "posted_by": poster.name if poster else None,
                        "body": item.body,
                    }
                )
            self._insert_rows(conn, records, planned)
            status = {
                "id": status_id or str(uuid.uuid4()),
                "status": "complete",
                "request_timestamp": format_us(now_us),
                "total_count": len(successes) + len(failures),
                "success_count": len(successes),
                "successes": successes,
                "failure_count": len(failures),
                "failures": failures,
                "pending_count": 0,
                "pendings": [],
            }
            self._insert_status(conn, root, status, poster.name if poster else None, now_us)
        return status

    @staticmethod
    def _check(
        item: Prepared,
        poster: User | None,
        producer: str | None,
        identities: dict[str, str],
        known_teams: set[str],
    ) -> tuple[str | None, list[str]]:
        """(producing team, resolved RED recipients) of ``item``, or why it is refused."""
        creator_team = identities.get(item.created_by_ref or "")
        if poster is not None and poster.role is Role.TEAM:
            own = poster.team
            if creator_team is not None and creator_team != own:
                raise StixValidationError(
                    f"created_by_ref {item.created_by_ref} is the identity of team "
                    f"{creator_team!r}; team {own!r} publishes as {team_identity_id(own or '')}"
                )
            if item.stix_id in identities and identities[item.stix_id] != own:
                raise StixValidationError(
                    f"{item.stix_id} is the identity of team {identities[item.stix_id]!r};"
                    f" team {own!r} may not publish it"
                )
        if poster is not None and poster.role is Role.PARTNER:
            raise StixValidationError("partners read only; they may not publish objects")
        team = creator_team or (poster.team if poster and poster.role is Role.TEAM else producer)
        recipients = []
        for name in item.recipients:
            resolved = identities.get(name) or (name if name in known_teams else None)
            if resolved is None:
                raise StixValidationError(
                    f"recipient {name!r} is neither a team name nor a team identity id; known"
                    f" teams: {', '.join(sorted(known_teams)) or 'none'}"
                )
            recipients.append(resolved)
        return team, list(dict.fromkeys(recipients))

    @staticmethod
    def _stored_versions(
        conn: Connection, collection_pk: int, stix_ids: list[str]
    ) -> dict[str, dict[int, str]]:
        """``{stix id: {version_us: version}}`` already in the collection."""
        o = schema.objects
        found: dict[str, dict[int, str]] = {}
        unique = list(dict.fromkeys(stix_ids))
        for start in range(0, len(unique), _IN_CHUNK):
            rows = conn.execute(
                select(o.c.stix_id, o.c.version_us, o.c.version).where(
                    o.c.collection_pk == collection_pk,
                    o.c.stix_id.in_(unique[start : start + _IN_CHUNK]),
                )
            )
            for stix_id, version_us, version in rows:
                found.setdefault(stix_id, {})[version_us] = version
        return found

    @staticmethod
    def _insert_rows(
        conn: Connection, records: list[dict[str, Any]], planned: list[tuple[Prepared, list[str]]]
    ) -> None:
        """Insert object rows and their marking, extension and recipient rows, in bulk."""
        if not records:
            return
        o = schema.objects
        rows = (
            conn.execute(insert(o).returning(o.c.row, sort_by_parameter_order=True), records)
            .scalars()
            .all()
        )
        markings, extensions, recipients = [], [], []
        for row, (item, names) in zip(rows, planned, strict=True):
            markings += [{"object_row": row, "marking_ref": ref} for ref in item.marking_refs]
            extensions += [{"object_row": row, "extension_id": e} for e in item.extension_ids]
            recipients += [{"object_row": row, "team": name} for name in names]
        for table, values in (
            (schema.object_markings, markings),
            (schema.object_extensions, extensions),
            (schema.object_recipients, recipients),
        ):
            if values:
                conn.execute(insert(table), values)

    def delete_objects(
        self,
        api_root: str,
        collection_id: str,
        object_id: str,
        reader: Reader,
        flt: ObjectFilter | None = None,
    ) -> int:
        """Delete the versions of ``object_id`` that ``reader`` can see and ``flt`` selects.

        The default filter selects every version. Raises :class:`NotFoundError` when
        nothing matches, so a hidden object looks exactly like a missing one.
        """
        info = self.collection(api_root, collection_id)
        flt = flt or ObjectFilter(versions=frozenset({"all"}))
        o = schema.objects
        with self._write.begin() as conn:
            rows = [
                r
                for (r,) in conn.execute(
                    select(o.c.row).where(*where_clauses(o, info.pk, reader, flt, object_id))
                )
            ]
            if not rows:
                raise NotFoundError(
                    f"object {object_id!r} not found in collection {collection_id!r}"
                )
            for table in (
                schema.object_markings,
                schema.object_extensions,
                schema.object_recipients,
            ):
                conn.execute(delete(table).where(table.c.object_row.in_(rows)))
            conn.execute(delete(o).where(o.c.row.in_(rows)))
        return len(rows)

    # -- statuses ---------------------------------------------------------------------

    def add_status(self, api_root: str, resource: dict[str, Any], owner: str | None = None) -> None:
        """Store a status resource as it is (for importers); its ``id`` must be new."""
        root = self.api_root(api_root)
        if not isinstance(resource.get("id"), str):
            raise StoreError("a status resource needs a string 'id'")
        try:
            with self._write.begin() as conn:
                self._insert_status(conn, root, resource, owner, to_us(self._clock.now()))
        except IntegrityError:
            raise StoreError(f"status {resource['id']!r} already exists") from None

    @staticmethod
    def _insert_status(
        conn: Connection,
        root: ApiRootInfo,
        resource: dict[str, Any],
        owner: str | None,
        now_us: int,
    ) -> None:
        conn.execute(
            insert(schema.statuses).values(
                status_id=resource["id"],
                api_root_pk=root.pk,
                owner=owner,
                request_us=now_us,
                body=json.dumps(resource, separators=(",", ":")),
            )
        )


def _detail(stix_id: str, version: str, message: str | None = None) -> dict[str, str]:
    detail = {"id": stix_id, "version": version}
    if message:
        detail["message"] = message
    return detail
