"""Moving over from medallion: write a parsed medallion data file into the store.

:func:`plan_import` checks a :class:`~indicators.medallion_import.MedallionData`
against a store without writing anything; :func:`import_medallion_data` then writes
it in one store transaction (:meth:`~indicators.store.StoreWriter.import_data`).
``grapevine taxii import`` is the command line of both (``--dry-run`` stops after the
plan).

What is kept, so the data is served as medallion served it: every API root (name,
title, description, max_content_length), every collection (id, title, description,
alias, ``can_read``, ``can_write``), every version of every object with its own
``date_added`` (to the microsecond; versions sharing a ``date_added`` keep the file's
order among themselves), and every status resource exactly as it was.

Permissions. medallion's ``can_read``/``can_write`` are collection-level flags for any
authenticated user; Grapevine keeps them as the collection's flags and applies its
roles on top (:func:`indicators.users.access`): a director gets exactly the flags, a
partner may read where ``can_read`` and never writes, a team may read where
``can_read`` and write only a collection it owns and only where ``can_write``. An
imported collection belongs to no team unless the import says so with
``owners={collection: team}`` (``--owner COLLECTION=TEAM``, COLLECTION being the
collection's id or alias, optionally ``API-ROOT/`` first); so by default only the
director may write an imported collection. The owner team is created if missing and
is credited as the producer of the collection's objects.

TLP. medallion has no TLP: any authenticated user read everything a collection let
them read. Objects that carry a TLP marking keep it and Grapevine enforces it;
unmarked objects take the collection's default level (``default_tlp``, AMBER unless
told otherwise, so partners do not see unmarked objects until someone decides so).

All or nothing. Everything that can be checked is checked before the write: the
whole file, every object by the store's own validation (once, while the file is
read: :mod:`indicators.medallion_import`), RED recipients against the store's teams,
API root and collection names against the store's rules, and that no imported API
root exists already (an import never adds to, or changes, anything already stored).
The write is then one transaction: should it fail anyway (disk full, another writer
creating the same API root meanwhile), none of the import is stored, and nothing
stored before is touched either way. The only status resources imported are the
file's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from indicators.errors import StixValidationError, StoreError
from indicators.medallion_import import (
    MedallionCollection,
    MedallionData,
    MedallionDataError,
    MedallionObjectVersion,
    member_path,
)
from indicators.store import Store, StoreReader
from indicators.store.imports import DatedVersion, NewApiRoot, NewCollection, NewStatus
from indicators.tlp import DEFAULT_LEVEL, Tlp
from indicators.users import check_name

TAXII21_VERSION = "application/taxii+json;version=2.1"
STIX21_MEDIA_TYPE = "application/stix+json;version=2.1"
# The store's rule for names that become URL path segments (API roots, collections).
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class CollectionPlan:
    """One collection to import and what goes into it."""

    collection: MedallionCollection
    owner_team: str | None
    objects: int
    versions: int


@dataclass
class ImportReport:
    """What an import did (or, dry, would do); ``lines()`` is the CLI's summary."""

    source: str
    dry_run: bool
    api_roots: list[tuple[str, str]] = field(default_factory=list)
    collections: list[CollectionPlan] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def versions(self) -> int:
        return sum(c.versions for c in self.collections)

    def lines(self) -> list[str]:
        """A human-readable account, one line per API root and collection."""
        verb = "would import" if self.dry_run else "imported"
        out = [
            f"{self.source}: {verb} {len(self.api_roots)} API roots, "
            f"{len(self.collections)} collections, {self.versions} object versions, "
            f"{sum(self.statuses.values())} statuses"
        ]
        for name, title in self.api_roots:
            out.append(f"  API root /{name}/  {title!r}  ({self.statuses.get(name, 0)} statuses)")
            for plan in (c for c in self.collections if c.collection.api_root == name):
                c = plan.collection
                flags = f"can_read={str(c.can_read).lower()} can_write={str(c.can_write).lower()}"
                owner = f"owner={plan.owner_team}" if plan.owner_team else "owner=none (director)"
                out.append(
                    f"    collection {c.id}  {c.title!r}  {flags}  {owner}  "
                    f"{plan.objects} objects, {plan.versions} versions"
                )
        out += [f"  warning: {w}" for w in self.warnings]
        out += [f"  note: {n}" for n in self.notes]
        return out


def resolve_owners(data: MedallionData, owners: Mapping[str, str]) -> dict[tuple[str, str], str]:
    """``{(api root, collection id): team}`` from ``{COLLECTION: TEAM}``.

    COLLECTION is a collection id or alias, optionally ``API-ROOT/`` first; it must
    name exactly one collection of the file.
    """
    resolved: dict[tuple[str, str], str] = {}
    for ref, team in owners.items():
        where = f"--owner {ref}={team}"
        root, _, key = ref.rpartition("/")
        found = [
            c
            for c in data.collections
            if (not root or c.api_root == root) and key in (c.id, c.alias)
        ]
        if not found:
            known = ", ".join(f"{c.api_root}/{c.id}" for c in data.collections) or "none"
            raise MedallionDataError(data.source, where, f"no such collection; known: {known}")
        if len(found) > 1:
            which = ", ".join(f"{c.api_root}/{c.id}" for c in found)
            raise MedallionDataError(
                data.source, where, f"ambiguous, give API-ROOT/COLLECTION: {which}"
            )
        check_name(team, "team name")
        target = (found[0].api_root, found[0].id)
        if target in resolved and resolved[target] != team:
            raise MedallionDataError(data.source, where, "that collection already has an owner")
        resolved[target] = team
    return resolved


def plan_import(
    data: MedallionData, store: StoreReader, owners: Mapping[str, str] | None = None
) -> ImportReport:
    """Check ``data`` against ``store`` and say what an import would do; writes nothing."""
    owner_of = resolve_owners(data, owners or {})
    report = ImportReport(source=data.source, dry_run=True, warnings=list(data.warnings))
    if data.discovery is not None:
        report.notes += _discovery_notes(data)
    existing = {r.name for r in store.api_roots()}
    known_teams = set(store.teams()) | set(owner_of.values())
    identities = set(store.teams().values())
    for root in data.api_roots:
        where = f"{data.source}: API root {root.name!r}"
        if not _SEGMENT.fullmatch(root.name) or root.name == "taxii2":
            raise MedallionDataError(
                data.source,
                member_path("$", root.name),
                "cannot be a Grapevine API root name "
                "(letters, digits, '.', '_', '-'; not 'taxii2')",
            )
        if root.name in existing:
            raise StoreError(
                f"{where} already exists in the store; an import never adds to an existing "
                "API root (nothing was changed)"
            )
        if root.max_content_length <= 0:
            raise MedallionDataError(
                data.source,
                member_path("$", root.name) + ".information.max_content_length",
                "must be positive",
            )
        if tuple(root.versions) != (TAXII21_VERSION,):
            report.warnings.append(
                f"{where}: versions {list(root.versions)} become [{TAXII21_VERSION!r}] "
                "(Grapevine speaks TAXII 2.1 only)"
            )
        report.api_roots.append((root.name, root.title))
        report.statuses[root.name] = sum(1 for s in data.statuses if s.api_root == root.name)
    _check_status_ids(data)
    for collection in data.collections:
        if not _SEGMENT.fullmatch(collection.id):
            raise MedallionDataError(
                data.source,
                member_path("$", collection.api_root) + ".collections",
                f"collection id {collection.id!r} cannot be a Grapevine collection id",
            )
        if collection.media_types and tuple(collection.media_types) != (STIX21_MEDIA_TYPE,):
            report.warnings.append(
                f"{data.source}: collection {collection.id}: media_types "
                f"{list(collection.media_types)} become [{STIX21_MEDIA_TYPE!r}]"
            )
        versions = data.objects_in(collection.api_root, collection.id)
        for version in versions:
            _check_with_store(data.source, version, known_teams, identities)
        report.collections.append(
            CollectionPlan(
                collection=collection,
                owner_team=owner_of.get((collection.api_root, collection.id)),
                objects=len({v.object_id for v in versions}),
                versions=len(versions),
            )
        )
    return report


def _check_status_ids(data: MedallionData) -> None:
    """Status ids are unique per API root in medallion, across API roots in the store."""
    first: dict[str, str] = {}
    for status in data.statuses:
        if status.id in first:
            raise MedallionDataError(
                data.source,
                member_path("$", status.api_root) + ".status",
                f"status id {status.id!r} is also in API root {first[status.id]!r}; the store "
                "keeps status ids unique across API roots",
            )
        first[status.id] = status.api_root


def _discovery_notes(data: MedallionData) -> list[str]:
    """How to keep medallion's discovery resource: it is server configuration here."""
    discovery = data.discovery
    assert discovery is not None
    notes = []
    if discovery.default:
        notes.append(
            f"medallion announced /{discovery.default}/ as its default API root; serve with "
            f"--api-root {discovery.default} to keep it (else the server creates and "
            "announces its own)"
        )
    kept = {"title": discovery.title, "description": discovery.description}
    if discovery.contact:
        kept["contact"] = discovery.contact
    notes.append(
        "the discovery "
        + ", ".join(f"{k} {v!r}" for k, v in kept.items() if v)
        + " is server configuration in Grapevine (ServerConfig), not imported"
    )
    return notes


def _check_with_store(
    source: str, version: MedallionObjectVersion, teams: set[str], identities: set[str]
) -> None:
    """The RED recipients of one (already validated) object against the store's teams."""
    for name in version.prepared.recipients:
        if name not in teams and name not in identities:
            raise StixValidationError(
                f"{source}: {version.path}: TLP:RED recipient {name!r} is not a team of this store",
                version.object_id,
            )


def import_medallion_data(
    data: MedallionData,
    store: Store,
    owners: Mapping[str, str] | None = None,
    *,
    default_tlp: Tlp = DEFAULT_LEVEL,
    dry_run: bool = False,
) -> ImportReport:
    """Import ``data`` into ``store`` (see the module docstring); returns the report."""
    report = plan_import(data, store, owners)
    if dry_run:
        return report
    report.dry_run = False
    try:
        store.import_data(
            api_roots=[
                NewApiRoot(r.name, r.title, r.description, r.max_content_length)
                for r in data.api_roots
            ],
            collections=[_new_collection(plan, default_tlp) for plan in report.collections],
            versions=[
                DatedVersion(
                    v.api_root,
                    v.collection_id,
                    v.prepared,
                    v.date_added,
                    f"{data.source}: {v.path}",
                )
                for v in data.objects
            ],
            statuses=[NewStatus(s.api_root, s.resource) for s in data.statuses],
        )
    except StoreError as exc:
        raise StoreError(f"{data.source}: nothing was imported: {exc}") from exc
    return report


def _new_collection(plan: CollectionPlan, default_tlp: Tlp) -> NewCollection:
    c = plan.collection
    return NewCollection(
        c.api_root,
        c.id,
        c.title,
        description=c.description,
        alias=c.alias,
        can_read=c.can_read,
        can_write=c.can_write,
        owner_team=plan.owner_team,
        default_tlp=default_tlp,
    )
