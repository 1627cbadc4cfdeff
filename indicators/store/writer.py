"""The write side of the store (like stix2's DataSink): API roots, collections,
objects with their markings, statuses, teams and users.

Each call is one transaction: an envelope of objects is stored whole (every valid
object) or not at all, together with its status resource, and nothing stored before
is changed. Adding a version that is already there is a success that changes
nothing, so a client may safely retry a POST whose answer it did not get.

:meth:`StoreWriter.import_data` moves a whole data set in (API roots, collections,
every version with its own ``date_added``, statuses) as one transaction too: it is
stored entirely or, on any refusal or failure, not at all.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from indicators.clock import Clock
from indicators.errors import NotFoundError, StixValidationError, StoreError
from indicators.store import lineage, schema
from indicators.store.engine import write_lock
from indicators.store.imports import (
    DEFAULT_MAX_CONTENT_LENGTH,
    DatedVersion,
    ImportItem,
    NewApiRoot,
    NewCollection,
    NewStatus,
    prepare_versions,
)
from indicators.store.ingest import Prepared, describe_version, prepare
from indicators.store.query import ObjectFilter, where_clauses
from indicators.store.reader import ApiRootInfo, CollectionInfo, LoginFailure, StoreReader
from indicators.store.timestamps import format_us, to_us
from indicators.tlp import DEFAULT_LEVEL, Reader, Tlp, level_of, marking_level
from indicators.users import Role, User, check_name, team_identity_id

COMMIT_BATCH = 1000
"""An envelope with more objects is committed in batches of this many (``add_objects``)."""

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
        with self._write.begin() as conn:
            self._insert_api_root(conn, NewApiRoot(name, title, description, max_content_length))
        return self.api_root(name)

    @staticmethod
    def _insert_api_root(conn: Connection, new: NewApiRoot) -> int:
        """Insert API root ``new`` (checked); its primary key."""
        _check_segment(new.name, "API root name")
        _check_texts(f"API root {new.name!r}", title=new.title, description=new.description)
        if new.max_content_length <= 0:
            raise StoreError(f"max_content_length of API root {new.name!r} must be positive")
        try:
            return conn.execute(
                insert(schema.api_roots)
                .values(
                    name=new.name,
                    title=new.title,
                    description=new.description,
                    max_content_length=new.max_content_length,
                )
                .returning(schema.api_roots.c.pk)
            ).scalar_one()
        except IntegrityError as exc:
            raise _refused(exc, f"API root {new.name!r}") from None

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
        new = NewCollection(
            api_root,
            collection_id or str(uuid.uuid4()),
            title,
            description=description,
            alias=alias,
            can_read=can_read,
            can_write=can_write,
            owner_team=owner_team,
            default_tlp=default_tlp,
        )
        with self._write.begin() as conn:
            self._insert_collection(conn, root.pk, new)
        return self.collection(api_root, new.collection_id)

    def _insert_collection(self, conn: Connection, root_pk: int, new: NewCollection) -> int:
        """Insert collection ``new`` (checked; its owner team created if missing); its pk."""
        cid = _check_segment(new.collection_id, "collection id")
        _check_texts(
            f"collection {cid!r}", title=new.title, description=new.description, alias=new.alias
        )
        if new.owner_team is not None:
            self._ensure_team(conn, check_name(new.owner_team, "team name"))
        try:
            return conn.execute(
                insert(schema.collections)
                .values(
                    api_root_pk=root_pk,
                    collection_id=cid,
                    title=new.title,
                    description=new.description,
                    alias=new.alias,
                    can_read=new.can_read,
                    can_write=new.can_write,
                    owner_team=new.owner_team,
                    default_tlp=int(Tlp(new.default_tlp)),
                )
                .returning(schema.collections.c.pk)
            ).scalar_one()
        except IntegrityError as exc:
            raise _refused(exc, f"collection {cid!r} in API root {new.api_root!r}") from None

    # -- teams and users --------------------------------------------------------------

    def _ensure_team(self, conn: Connection, team: str, identity_id: str | None = None) -> str:
        t = schema.teams
        write_lock(conn, "teams")  # PostgreSQL: two writers never create one team twice
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
        try:
            return self.create_collection(
                api_root,
                f"{team} indicators",
                collection_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"grapevine:{api_root}:{team}")),
                description=f"Indicators shared by team {team}",
                alias=team,
                owner_team=team,
            )
        except StoreError:  # another process provisioned it first (same deterministic id)
            existing = self.team_collection(api_root, team)
            if existing is None:
                raise
            return existing

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

    # -- login failures ------------------------------------------------------------------

    def count_login_failure(
        self,
        kind: str,
        key: str,
        count: Callable[[LoginFailure | None], LoginFailure],
        forget_before_us: int,
    ) -> LoginFailure:
        """One more wrong password for ``key`` of ``kind``: ``count`` turns the stored
        record (``None``: none yet) into the new one, in a transaction other processes
        wait for; records last changed before ``forget_before_us`` are dropped."""
        t = schema.login_failures
        with self._write.begin() as conn:
            write_lock(conn, "logins")
            conn.execute(delete(t).where(t.c.last_us < forget_before_us))
            row = conn.execute(
                select(t.c.failures, t.c.last_us, t.c.blocked_until_us).where(
                    t.c.kind == kind, t.c.key == key
                )
            ).first()
            new = count(LoginFailure(*row) if row is not None else None)
            values = new._asdict()
            if row is None:
                conn.execute(insert(t).values(kind=kind, key=key, **values))
            else:
                conn.execute(update(t).where(t.c.kind == kind, t.c.key == key).values(**values))
        return new

    def clear_login_failures(self, kind: str, key: str) -> None:
        """Forget the wrong passwords counted for ``key`` of ``kind``."""
        t = schema.login_failures
        with self._write.begin() as conn:
            conn.execute(delete(t).where(t.c.kind == kind, t.c.key == key))

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
        _first: int = 0,
        _batch: bool = False,
    ) -> dict[str, Any]:
        """Store every valid object of ``objects``; returns the TAXII status resource.

        An envelope of more than ``COMMIT_BATCH`` objects is committed in batches
        (see :meth:`_add_in_batches`), so a big one never holds the write lock long.

        ``poster`` is the user POSTing (``None`` for a trusted import); a team user
        may not publish an object whose ``created_by_ref`` (or, for identities, whose
        id) is another team's identity, nor a version of an object another team
        produced (see :mod:`indicators.store.lineage`, which also keeps what the
        poster cannot read out of the answer). ``producer`` is the team credited when the
        object names no team identity and the poster is not a team. ``date_added``
        defaults to the store's clock, one instant for the whole envelope, read once
        the write lock is held and strictly later than everything the collection
        already holds (one microsecond later if the clock has not moved on, or went
        back): ``date_added`` order is commit order, so a client polling with
        ``added_after`` (the last ``date_added`` it saw) or a ``next`` cursor never
        misses a later commit.

        The write lock: on SQLite the database's single writer lock; on PostgreSQL the
        advisory lock ``objects:<API root>`` (:func:`~indicators.store.engine.write_lock`),
        which writers of objects into one API root take first and hold until they
        commit. So they commit one after the other, and each reads (READ COMMITTED:
        every statement sees what was committed before it) the ``date_added`` floor,
        the ids stored in every collection of the API root (see
        :mod:`indicators.store.lineage`) and, through the row sequence, row ids after
        the previous commit's. A reader sees a commit whole or not at all, and a later
        commit only ever sorts after it in ``(date_added, row)``, so a keyset page or
        ``added_after`` read never skips a row that commits later; two concurrent
        POSTs of one version store it once.
        """
        if len(objects) > COMMIT_BATCH and not _batch:
            return self._add_in_batches(
                api_root, collection_id, objects, poster, producer, date_added, status_id
            )
        info = self.collection(api_root, collection_id)
        root = self.api_root(api_root)
        successes: list[dict[str, str]] = []
        failures: list[dict[str, str]] = []
        prepared: list[Prepared] = []
        for index, obj in enumerate(objects, _first):
            try:
                prepared.append(prepare(obj, f"objects[{index}]"))
            except StixValidationError as exc:
                ident = exc.object_id or f"objects[{index}]"
                failures.append(_detail(ident, describe_version(obj), exc.reason))
        with self._write.begin() as conn:
            write_lock(conn, f"objects:{root.pk}")
            now_us = to_us(self._clock.now())
            if date_added is not None:
                added_us = to_us(date_added)
            else:
                o = schema.objects
                floor = conn.execute(
                    select(func.max(o.c.date_added_us)).where(o.c.collection_pk == info.pk)
                ).scalar()
                added_us = now_us if floor is None else max(now_us, floor + 1)
            identities = self._identities(conn)
            known_teams = set(identities.values())
            history = lineage.load(conn, root.pk, [p.stix_id for p in prepared], poster)
            known: dict[str, lineage.Lineage] = {}
            records: list[dict[str, Any]] = []
            planned: list[tuple[Prepared, list[str]]] = []
            for item in prepared:
                if item.stix_id not in known:
                    known[item.stix_id] = lineage.judge(
                        history.get(item.stix_id, []), poster, info.pk
                    )
                seen = known[item.stix_id]
                try:
                    team, recipients = self._check(item, poster, producer, identities, known_teams)
                    if seen.refusal and _versioned(item):
                        raise StixValidationError(seen.refusal, item.stix_id)
                except StixValidationError as exc:
                    failures.append(_detail(item.stix_id, item.version or "", exc.reason))
                    continue
                versions = seen.versions
                version, version_us = _stored_version(item, added_us)
                if item.version_us is None:  # immutable (most SCOs): one version, ever
                    clash = next(iter(versions.values()), None)
                else:
                    clash = versions.get(version_us)
                if clash is not None:
                    successes.append(
                        _detail(item.stix_id, clash, "already in the collection; unchanged")
                    )
                    continue
                versions[version_us] = version
                successes.append(_detail(item.stix_id, version))
                if seen.shadowed:  # answered as a fresh store; see indicators.store.lineage
                    continue
                planned.append((item, recipients))
                records.append(
                    _record(
                        item,
                        info.pk,
                        info.default_tlp,
                        version,
                        version_us,
                        added_us,
                        team,
                        poster.name if poster else None,
                    )
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
            if not _batch:
                self._insert_status(conn, root.pk, status, poster.name if poster else None, now_us)
        return status

    def _add_in_batches(
        self,
        api_root: str,
        collection_id: str,
        objects: Sequence[object],
        poster: User | None,
        producer: str | None,
        date_added: datetime | None,
        status_id: str | None,
    ) -> dict[str, Any]:
        """``add_objects`` for a big envelope: one transaction per ``COMMIT_BATCH``
        objects, so other writers (small posts of other teams) get the write lock
        between batches instead of waiting for the whole envelope. Each batch gets its
        own ``date_added`` (commit order still); one status resource covers them all.
        A failure part-way keeps the batches already committed: retrying the POST
        stores the rest (versions already there are successes that change nothing).
        """
        parts = [
            self.add_objects(
                api_root,
                collection_id,
                objects[start : start + COMMIT_BATCH],
                poster=poster,
                producer=producer,
                date_added=date_added,
                _first=start,
                _batch=True,
            )
            for start in range(0, len(objects), COMMIT_BATCH)
        ]
        status = dict(parts[0], id=status_id or str(uuid.uuid4()))
        for key in ("successes", "failures"):
            status[key] = [detail for part in parts for detail in part[key]]
        status["success_count"] = len(status["successes"])
        status["failure_count"] = len(status["failures"])
        status["total_count"] = status["success_count"] + status["failure_count"]
        self.add_status(api_root, status, poster.name if poster else None)
        return status

    @staticmethod
    def _identities(conn: Connection) -> dict[str, str]:
        """``{identity id: team name}`` of every team."""
        t = schema.teams
        return {ident: name for name, ident in conn.execute(select(t.c.name, t.c.identity_id))}

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
        _mark_superseded(conn, {(r["collection_pk"], r["stix_id"]) for r in records})

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
            for table in schema.OBJECT_LINKS:
                conn.execute(delete(table).where(table.c.object_row.in_(rows)))
            conn.execute(delete(o).where(o.c.row.in_(rows)))
            _mark_superseded(conn, {(info.pk, object_id)})
        return len(rows)

    # -- statuses ---------------------------------------------------------------------

    def add_status(self, api_root: str, resource: dict[str, Any], owner: str | None = None) -> None:
        """Store a status resource as it is (for importers); its ``id`` must be new."""
        root = self.api_root(api_root)
        with self._write.begin() as conn:
            self._insert_status(conn, root.pk, resource, owner, to_us(self._clock.now()))

    @staticmethod
    def _insert_status(
        conn: Connection,
        root_pk: int,
        resource: Mapping[str, Any],
        owner: str | None,
        now_us: int,
    ) -> None:
        if not isinstance(resource.get("id"), str):
            raise StoreError("a status resource needs a string 'id'")
        _check_texts("a status resource", id=resource["id"])
        try:
            conn.execute(
                insert(schema.statuses).values(
                    status_id=resource["id"],
                    api_root_pk=root_pk,
                    owner=owner,
                    request_us=now_us,
                    body=json.dumps(resource, separators=(",", ":")),
                )
            )
        except IntegrityError as exc:
            raise _refused(exc, f"status {resource['id']!r}") from None

    # -- whole imports ----------------------------------------------------------------

    def import_data(
        self,
        *,
        api_roots: Sequence[NewApiRoot] = (),
        collections: Sequence[NewCollection] = (),
        versions: Sequence[DatedVersion] = (),
        statuses: Sequence[NewStatus] = (),
    ) -> None:
        """Store a whole data set in one transaction: all of it, or nothing at all.

        Creates the API roots, then the collections (in new or existing API roots;
        owner teams created if missing), then stores every version, each with its own
        ``date_added``, into a collection this call creates (nothing stored before is
        added to); versions sharing a ``date_added`` keep the order given, which every
        read returns. Rows are indexed as :meth:`add_objects` indexes them, the owner
        team producing objects that name no team identity. Statuses are stored as
        given and no other is recorded. A ``Prepared`` object is not validated again.

        A refusal leaves the store exactly as it was: :class:`StixValidationError` for
        an object (a RED recipient that is no team) naming its ``where`` and id;
        :class:`StoreError` for a name taken or invalid, a version given twice, or any
        failure of the database itself.
        """
        items = prepare_versions(versions)  # validated before the write lock is taken
        try:
            with self._write.begin() as conn:
                now_us = to_us(self._clock.now())
                roots = {new.name: self._insert_api_root(conn, new) for new in api_roots}
                targets: dict[tuple[str, str], tuple[int, NewCollection]] = {}
                for new in collections:
                    root_pk = roots.get(new.api_root) or self._root_pk(conn, new.api_root)
                    pk = self._insert_collection(conn, root_pk, new)
                    targets[(new.api_root, new.collection_id)] = (pk, new)
                self._insert_dated(conn, targets, items)
                for status in statuses:
                    root_pk = roots.get(status.api_root) or self._root_pk(conn, status.api_root)
                    self._insert_status(conn, root_pk, status.resource, status.owner, now_us)
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise StoreError(
                f"the database failed the import, so none of it was stored: {reason}"
            ) from exc

    @staticmethod
    def _root_pk(conn: Connection, name: str) -> int:
        t = schema.api_roots
        pk = conn.execute(select(t.c.pk).where(t.c.name == name)).scalar()
        if pk is None:
            raise NotFoundError(f"API root {name!r} not found")
        return pk

    def _insert_dated(
        self,
        conn: Connection,
        targets: dict[tuple[str, str], tuple[int, NewCollection]],
        items: list[ImportItem],
    ) -> None:
        """Insert the versions of an import, in the order of ``items``."""
        identities = self._identities(conn)
        known_teams = set(identities.values())
        seen: dict[tuple[int, str, int | None], str] = {}
        records: list[dict[str, Any]] = []
        planned: list[tuple[Prepared, list[str]]] = []
        for where, dated, item, added_us in items:
            target = targets.get((dated.api_root, dated.collection_id))
            if target is None:
                raise StoreError(
                    f"{where}: collection {dated.collection_id!r} in API root "
                    f"{dated.api_root!r} is not one this import creates (an import never adds "
                    "to a stored collection)"
                )
            pk, new = target
            try:
                team, recipients = self._check(item, None, new.owner_team, identities, known_teams)
            except StixValidationError as exc:
                raise StixValidationError(f"{where}: {exc.reason}", item.stix_id) from None
            version, version_us = _stored_version(item, added_us)
            key = (pk, item.stix_id, item.version_us)  # None: the one version of an SCO
            if key in seen:
                raise StoreError(f"{where}: {item.stix_id} is given twice (also at {seen[key]})")
            seen[key] = where
            planned.append((item, recipients))
            records.append(
                _record(item, pk, new.default_tlp, version, version_us, added_us, team, None)
            )
        self._insert_rows(conn, records, planned)


def _check_texts(what: str, **texts: str | None) -> None:
    """Refuse text with a NUL character (PostgreSQL cannot store one in ``TEXT``;
    refused on SQLite too, so both keep the same things)."""
    for name, value in texts.items():
        if value is not None and "\x00" in value:
            raise StoreError(
                f"{what}: its {name} holds a NUL character (\\x00) at character"
                f" {value.index(chr(0))}; the store keeps no NUL in text"
            )


def _refused(exc: IntegrityError, what: str) -> StoreError:
    """The error for an insert of ``what`` the database refused: a taken name or key
    (SQLite: "UNIQUE constraint failed", PostgreSQL: "duplicate key … unique
    constraint"), or whatever else it said (a trigger, a check)."""
    reason = " ".join(str(exc.orig).split())
    if "unique" in reason.lower():
        return StoreError(f"{what} already exists")
    return StoreError(f"the database refused {what}: {reason}")


def _versioned(item: Prepared) -> bool:
    """Whether ``item`` is a version of something one producer owns: SCOs (one
    immutable version, a deterministic id any team may observe) and the canonical TLP
    marking definitions (checked by ingest) belong to nobody."""
    return item.version_us is not None and marking_level(item.stix_id) is None


def _stored_version(item: Prepared, added_us: int) -> tuple[str, int]:
    """(version text, version instant) of ``item``: an object without ``modified`` or
    ``created`` (most SCOs) is versioned by its ``date_added`` and has one version."""
    if item.version_us is None:
        return format_us(added_us), added_us
    return item.version or "", item.version_us


SUPERSEDE_CHUNK = 500
"""Object ids per UPDATE of :func:`_mark_superseded` (SQLite bounds the parameters)."""


def _mark_superseded(conn: Connection, objects: set[tuple[int, str]]) -> None:
    """Bring ``superseded`` up to date on every version of ``objects`` (collection pk,
    STIX id) after versions of them were added or deleted: set where a newer version
    is stored, cleared where none is any more. Only rows whose flag changes are
    written (PostgreSQL writes a new row version for every row an UPDATE touches)."""
    o = schema.objects
    newer = schema.objects.alias("newer")
    has_newer = exists().where(
        newer.c.collection_pk == o.c.collection_pk,
        newer.c.stix_id == o.c.stix_id,
        newer.c.version_us > o.c.version_us,
    )
    by_collection: dict[int, list[str]] = {}
    for collection_pk, stix_id in sorted(objects):
        by_collection.setdefault(collection_pk, []).append(stix_id)
    for collection_pk, ids in by_collection.items():
        for start in range(0, len(ids), SUPERSEDE_CHUNK):
            conn.execute(
                update(o)
                .where(
                    o.c.collection_pk == collection_pk,
                    o.c.stix_id.in_(ids[start : start + SUPERSEDE_CHUNK]),
                    o.c.superseded != has_newer,
                )
                .values(superseded=has_newer)
            )


def _record(
    item: Prepared,
    collection_pk: int,
    default_tlp: Tlp,
    version: str,
    version_us: int,
    added_us: int,
    producer: str | None,
    posted_by: str | None,
) -> dict[str, Any]:
    """The ``objects`` row of one version."""
    return {
        "collection_pk": collection_pk,
        "stix_id": item.stix_id,
        "stix_type": item.stix_type,
        "version": version,
        "version_us": version_us,
        "spec_version": item.spec_version,
        "date_added_us": added_us,
        "tlp": int(level_of(item.obj, default_tlp)),
        "producer": producer,
        "posted_by": posted_by,
        "body": item.body,
    }


def _detail(stix_id: str, version: str, message: str | None = None) -> dict[str, str]:
    detail = {"id": stix_id, "version": version}
    if message:
        detail["message"] = message
    return detail
