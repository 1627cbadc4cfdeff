"""Moving over from medallion: read a medallion memory-backend data file.

medallion (the OASIS reference TAXII 2.1 server) keeps everything its memory backend
serves in one JSON file. This module turns such a file into plain records and
validates every part of it, without touching any store (:func:`parse_medallion_data`
is pure: a decoded document in, records out); :mod:`indicators.medallion_store`
writes the records into the Grapevine object store.

The file, as medallion 3.0 reads it::

    {"/discovery": {"title", "description", "contact", "default", "api_roots": [URL]},
     "<api-root>": {
        "information": {"title", "description", "versions", "max_content_length"},
        "status": [<TAXII 2.1 status resource>],
        "collections": [{
            "id", "title", "description", "alias", "can_read", "can_write", "media_types",
            "objects": [<STIX object, one entry per version>],
            "manifest": [{"id", "date_added", "version", "media_type"}]}]}}

An object version is identified by its id and its version: ``modified``, else
``created``, else (for SCOs, which have neither) the hidden ``_date_added`` property
medallion adds and strips when serving. Every object version must have exactly one
manifest entry with the same id and version (compared as instants, the way medallion
compares them): the entry carries the ``date_added`` the version keeps. Later
medallion development keeps that entry inside the object instead, as
``"__meta": {"date_added", "media_type"}``; that shape is read too (checked against
the manifest shape converted to it, not against such a medallion, which is not the
one installed). The hidden ``_date_added`` and ``__meta`` members never reach the
store.

What is rejected, as :class:`MedallionDataError` naming the file and the JSON path
(and the object id where there is one): a file that is not JSON, a document that is
not a medallion data file, a missing or mistyped member, a duplicate API root
collection or object version, an object version without a manifest entry or a
manifest entry without an object, a timestamp medallion could not read. Invalid STIX
inside the file is :class:`~indicators.errors.StixValidationError`: every object goes
through the store's own validation (:func:`indicators.store.ingest.prepare`: stix2 as
STIX 2.1, custom properties allowed, any stix2 crash on damaged input a validation
failure), once; the validated object travels with its record, so writing it does not
validate it again.

Not errors, but ``MedallionData.warnings``, each naming the file and the JSON path:
where a file departs from TAXII 2.1 (or from what Grapevine serves) in a way medallion
tolerates, it is imported all the same, as medallion's own test data must be:

* discovery advertising an API root the file lacks, or not advertising one it has;
* a status resource with ``total_objects`` (medallion's test data) instead of
  ``total_count``: stored as ``total_count``;
* an object version of another STIX version (its manifest media type says
  ``version=2.0``, or it has no ``spec_version`` and no manifest media type):
  medallion serves it, Grapevine serves STIX 2.1 only, so that version is not
  imported (and its manifest entry with it); the rest of the file is.

Permissions: medallion's ``can_read``/``can_write`` (flags for any authenticated user)
are kept as the collection's flags; Grapevine's roles apply on top, and an imported
collection belongs to no team (only the director writes it) unless the import names
an owner team (see :mod:`indicators.medallion_store`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from indicators.errors import IndicatorError, StixValidationError
from indicators.store.ingest import Prepared, prepare

DISCOVERY_KEY = "/discovery"
STIX21_MEDIA_TYPE = "application/stix+json;version=2.1"
_HIDDEN_MEMBERS = ("_date_added", "__meta")
_STATUS_VALUES = ("complete", "pending")
_COUNT_MEMBERS = ("total_count", "success_count", "failure_count", "pending_count")
_DETAIL_LISTS = ("successes", "failures", "pendings")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROOT_NAME = re.compile(r"[A-Za-z0-9._~-]+")
_MEDIA_TYPE = re.compile(r"application/stix\+json;\s*version=(\d\.\d)")


class MedallionDataError(IndicatorError):
    """A medallion data file is malformed; names the file, the JSON path and the object."""

    def __init__(self, source: str, path: str, message: str, object_id: str | None = None) -> None:
        where = f"{source}: {path}" + (f" ({object_id})" if object_id else "")
        super().__init__(f"{where}: {message}")
        self.source = source
        self.path = path
        self.object_id = object_id
        self.reason = message


@dataclass(frozen=True)
class MedallionDiscovery:
    """The discovery resource of the file; ``api_roots`` and ``default`` are root names."""

    title: str
    description: str | None
    contact: str | None
    default: str | None
    api_roots: tuple[str, ...]


@dataclass(frozen=True)
class MedallionApiRoot:
    """An API root: ``name`` is its URL path segment (the key in the file)."""

    name: str
    title: str
    description: str | None
    versions: tuple[str, ...]
    max_content_length: int


@dataclass(frozen=True)
class MedallionCollection:
    """A collection with medallion's collection-level permission flags."""

    api_root: str
    id: str
    title: str
    description: str | None
    alias: str | None
    can_read: bool
    can_write: bool
    media_types: tuple[str, ...]


@dataclass(frozen=True)
class MedallionObjectVersion:
    """One version of one object in one collection, as medallion serves it.

    ``stix`` is the object exactly as served (hidden members removed) and ``prepared``
    the store's validation of it; ``version`` is the text the version came from
    (``modified``/``created``/``_date_added``) and ``date_added`` the instant from its
    manifest entry (``date_added_text`` verbatim).
    """

    api_root: str
    collection_id: str
    object_id: str
    version: str
    date_added: datetime
    date_added_text: str
    media_type: str
    stix: Mapping[str, Any]
    prepared: Prepared
    path: str = ""
    """Where the object is in the file (a JSON path), for error messages."""


@dataclass(frozen=True)
class MedallionStatus:
    """A TAXII 2.1 status resource of an API root, exactly as medallion serves it."""

    api_root: str
    id: str
    resource: Mapping[str, Any]


@dataclass(frozen=True)
class MedallionData:
    """Everything a medallion data file holds, validated; ``source`` names the file."""

    source: str
    discovery: MedallionDiscovery | None
    api_roots: tuple[MedallionApiRoot, ...]
    collections: tuple[MedallionCollection, ...]
    objects: tuple[MedallionObjectVersion, ...]
    statuses: tuple[MedallionStatus, ...]
    warnings: tuple[str, ...] = field(default=())

    def objects_in(self, api_root: str, collection_id: str) -> list[MedallionObjectVersion]:
        """The object versions of one collection, in the order of the file."""
        return [
            o for o in self.objects if o.api_root == api_root and o.collection_id == collection_id
        ]


def parse_timestamp(text: object) -> datetime:
    """A timestamp the way medallion reads one (``%Y-%m-%dT%H:%M:%S[.%f]Z``), in UTC.

    Raises ``ValueError`` for anything else.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a timestamp string, got {_kind(text)}")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a timestamp of the form YYYY-MM-DDTHH:MM:SS[.ffffff]Z")


def decode_medallion_json(text: str | bytes, source: str) -> object:
    """Decode the JSON of a data file; a syntax error names the file, line and column."""
    try:
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise MedallionDataError(source, "$", f"not UTF-8 text: {exc.reason}") from exc
    except json.JSONDecodeError as exc:
        raise MedallionDataError(
            source, f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}"
        ) from exc


def read_medallion_file(path: str) -> MedallionData:
    """Read and validate a medallion data file from disk (the one I/O edge here)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise MedallionDataError(path, "$", f"cannot read the file: {exc.strerror}") from exc
    return parse_medallion_data(decode_medallion_json(raw, path), path)


def parse_medallion_data(document: object, source: str) -> MedallionData:
    """Validate a decoded medallion data file and turn it into records (pure)."""
    return _Parser(source).document(document)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def fail(self, path: str, message: str, object_id: str | None = None) -> MedallionDataError:
        return MedallionDataError(self.source, path, message, object_id)

    # -- generic members -------------------------------------------------

    def mapping(self, value: object, path: str, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"{what} must be a JSON object, got {_kind(value)}")
        return value

    def sequence(self, value: object, path: str, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"{what} must be a JSON array, got {_kind(value)}")
        return value

    def member(
        self, parent: Mapping[str, Any], key: str, path: str, kind: str, *, required: bool = True
    ) -> Any:
        """``parent[key]`` checked to be a ``kind`` (string, flag or count); absent: None."""
        if key not in parent:
            if required:
                raise self.fail(path, f"missing required member {key!r}")
            return None
        value, ok, expected = parent[key], False, ""
        if kind == "string":
            ok, expected = isinstance(value, str), "a string"
        elif kind == "flag":
            ok, expected = isinstance(value, bool), "true or false"
        elif kind == "count":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            expected = "a non-negative integer"
        if not ok:
            raise self.fail(member_path(path, key), f"must be {expected}, got {_kind(value)}")
        return value

    def text(self, parent: Mapping[str, Any], key: str, path: str, *, required: bool) -> str | None:
        return self.member(parent, key, path, "string", required=required)

    def texts(self, parent: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        if key not in parent:
            raise self.fail(path, f"missing required member {key!r}")
        items = self.sequence(parent[key], member_path(path, key), repr(key))
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise self.fail(
                    f"{member_path(path, key)}[{i}]", f"must be a string, got {_kind(item)}"
                )
        return tuple(items)

    def timestamp(self, value: object, path: str, object_id: str | None = None) -> datetime:
        try:
            return parse_timestamp(value)
        except ValueError as exc:
            raise self.fail(path, str(exc), object_id) from exc

    # -- the document ----------------------------------------------------

    def document(self, document: object) -> MedallionData:
        if not isinstance(document, dict):
            raise self.fail("$", f"not a medallion data file: the top level is {_kind(document)}")
        roots = [k for k in document if k != DISCOVERY_KEY]
        if DISCOVERY_KEY not in document and not any(
            isinstance(document[k], dict) and "information" in document[k] for k in roots
        ):
            raise self.fail(
                "$",
                "not a medallion data file: it has neither a '/discovery' member "
                "nor any API root (an object with 'information')",
            )
        discovery = None
        if DISCOVERY_KEY in document:
            discovery = self.discovery(document[DISCOVERY_KEY], member_path("$", DISCOVERY_KEY))
        api_roots: list[MedallionApiRoot] = []
        collections: list[MedallionCollection] = []
        objects: list[MedallionObjectVersion] = []
        statuses: list[MedallionStatus] = []
        for name in roots:
            path = member_path("$", name)
            if not _ROOT_NAME.fullmatch(name):
                raise self.fail(path, f"{name!r} cannot be an API root name (one URL path segment)")
            body = self.mapping(document[name], path, f"API root {name!r}")
            api_roots.append(self.api_root(name, body, path))
            for i, item in enumerate(
                self.sequence(body.get("status", []), f"{path}.status", "status")
            ):
                statuses.append(self.status(name, item, f"{path}.status[{i}]"))
            _no_duplicates(
                self, [s.id for s in statuses if s.api_root == name], f"{path}.status", "status id"
            )
            items = self.sequence(body.get("collections", []), f"{path}.collections", "collections")
            for i, item in enumerate(items):
                cpath = f"{path}.collections[{i}]"
                collection, versions = self.collection(name, item, cpath)
                collections.append(collection)
                objects.extend(versions)
            _no_duplicates(
                self,
                [c.id for c in collections if c.api_root == name],
                f"{path}.collections",
                "collection id",
            )
        if discovery is not None:
            self.check_discovery(discovery, [r.name for r in api_roots])
        return MedallionData(
            source=self.source,
            discovery=discovery,
            api_roots=tuple(api_roots),
            collections=tuple(collections),
            objects=tuple(objects),
            statuses=tuple(statuses),
            warnings=tuple(self.warnings),
        )

    def discovery(self, value: object, path: str) -> MedallionDiscovery:
        body = self.mapping(value, path, "the discovery resource")
        title = self.text(body, "title", path, required=True)
        default = self.text(body, "default", path, required=False)
        urls = self.texts(body, "api_roots", path) if "api_roots" in body else ()
        names = tuple(
            self.root_name(u, f"{member_path(path, 'api_roots')}[{i}]") for i, u in enumerate(urls)
        )
        return MedallionDiscovery(
            title=title or "",
            description=self.text(body, "description", path, required=False),
            contact=self.text(body, "contact", path, required=False),
            default=self.root_name(default, member_path(path, "default")) if default else None,
            api_roots=names,
        )

    def root_name(self, url: str, path: str) -> str:
        segments = [s for s in urlsplit(url).path.split("/") if s]
        if not segments:
            raise self.fail(path, f"{url!r} does not name an API root (no path)")
        return segments[-1]

    def check_discovery(self, discovery: MedallionDiscovery, held: Sequence[str]) -> None:
        where = f"{self.source}: {member_path('$', DISCOVERY_KEY)}"
        for name in discovery.api_roots:
            if name not in held:
                self.warnings.append(
                    f"{where}: advertises API root {name!r}, which the file does not hold "
                    "(medallion answers 404 for it); not imported"
                )
        for name in held:
            if name not in discovery.api_roots:
                self.warnings.append(
                    f"{where}: does not advertise API root {name!r}; imported, and Grapevine "
                    "advertises it"
                )
        if discovery.default and discovery.default not in held:
            self.warnings.append(
                f"{where}: default API root {discovery.default!r} is not in the file"
            )

    def api_root(self, name: str, body: Mapping[str, Any], path: str) -> MedallionApiRoot:
        if "information" not in body:
            raise self.fail(path, "not an API root: missing required member 'information'")
        ipath = member_path(path, "information")
        info = self.mapping(body["information"], ipath, "'information'")
        return MedallionApiRoot(
            name=name,
            title=self.text(info, "title", ipath, required=True) or "",
            description=self.text(info, "description", ipath, required=False),
            versions=self.texts(info, "versions", ipath),
            max_content_length=self.member(info, "max_content_length", ipath, "count"),
        )

    def status(self, api_root: str, value: object, path: str) -> MedallionStatus:
        body = self.mapping(value, path, "a status resource")
        status_id = self.text(body, "id", path, required=True) or ""
        state = self.text(body, "status", path, required=True)
        if state not in _STATUS_VALUES:
            raise self.fail(
                member_path(path, "status"), f"must be 'complete' or 'pending', got {state!r}"
            )
        if "request_timestamp" in body:
            self.timestamp(body["request_timestamp"], member_path(path, "request_timestamp"))
        if "total_count" not in body and "total_objects" in body:
            # medallion's own test data names it so (a draft name); medallion serves
            # it as it is. Stored under the TAXII 2.1 name, so clients can read it.
            self.member(body, "total_objects", path, "count")
            self.warnings.append(
                f"{self.source}: {member_path(path, 'total_objects')}: not a TAXII 2.1 status"
                " member (medallion tolerates it); imported as 'total_count'"
            )
            body = {("total_count" if k == "total_objects" else k): v for k, v in body.items()}
        counts = {key: self.member(body, key, path, "count") for key in _COUNT_MEMBERS}
        if (
            counts["total_count"]
            != counts["success_count"] + counts["failure_count"] + counts["pending_count"]
        ):
            raise self.fail(
                path, "total_count is not success_count + failure_count + pending_count"
            )
        for key in _DETAIL_LISTS:
            if key not in body:
                continue
            for i, detail in enumerate(self.sequence(body[key], member_path(path, key), repr(key))):
                dpath = f"{member_path(path, key)}[{i}]"
                detail = self.mapping(detail, dpath, "a status detail")
                self.text(detail, "id", dpath, required=True)
                self.text(detail, "version", dpath, required=True)
                self.text(detail, "message", dpath, required=False)
        return MedallionStatus(api_root=api_root, id=status_id, resource=body)

    def collection(
        self, api_root: str, value: object, path: str
    ) -> tuple[MedallionCollection, list[MedallionObjectVersion]]:
        body = self.mapping(value, path, "a collection")
        collection = MedallionCollection(
            api_root=api_root,
            id=self.text(body, "id", path, required=True) or "",
            title=self.text(body, "title", path, required=True) or "",
            description=self.text(body, "description", path, required=False),
            alias=self.text(body, "alias", path, required=False),
            can_read=self.member(body, "can_read", path, "flag"),
            can_write=self.member(body, "can_write", path, "flag"),
            media_types=self.texts(body, "media_types", path) if "media_types" in body else (),
        )
        manifest = self.manifest(body.get("manifest", []), member_path(path, "manifest"))
        versions = self.objects(
            collection, body.get("objects", []), member_path(path, "objects"), manifest
        )
        return collection, versions

    def manifest(self, value: object, path: str) -> dict[tuple[str, datetime], tuple[str, dict]]:
        entries: dict[tuple[str, datetime], tuple[str, dict]] = {}
        for i, entry in enumerate(self.sequence(value, path, "'manifest'")):
            epath = f"{path}[{i}]"
            entry = self.mapping(entry, epath, "a manifest entry")
            object_id = self.text(entry, "id", epath, required=True) or ""
            if "versions" in entry and "version" not in entry:
                raise self.fail(
                    epath,
                    "TAXII 2.0 manifest entry ('versions' list); medallion 2.1 data expected",
                    object_id,
                )
            version = self.timestamp(
                self.text(entry, "version", epath, required=True),
                member_path(epath, "version"),
                object_id,
            )
            self.timestamp(
                self.text(entry, "date_added", epath, required=True),
                member_path(epath, "date_added"),
                object_id,
            )
            self.text(entry, "media_type", epath, required=False)
            if (object_id, version) in entries:
                raise self.fail(
                    epath,
                    f"a second manifest entry for version {entry['version']}",
                    object_id,
                )
            entries[(object_id, version)] = (epath, entry)
        return entries

    def objects(
        self,
        collection: MedallionCollection,
        value: object,
        path: str,
        manifest: dict[tuple[str, datetime], tuple[str, dict]],
    ) -> list[MedallionObjectVersion]:
        versions: list[MedallionObjectVersion] = []
        seen: set[tuple[str, datetime]] = set()
        unversioned: dict[str, str] = {}
        for i, item in enumerate(self.sequence(value, path, "'objects'")):
            opath = f"{path}[{i}]"
            raw = self.mapping(item, opath, "a STIX object")
            object_id = raw.get("id") if isinstance(raw.get("id"), str) else None
            if object_id is None:
                raise self.fail(opath, "a STIX object needs a string 'id'")
            version_key = next(
                (k for k in ("modified", "created", "_date_added") if k in raw), None
            )
            if version_key is None:
                raise self.fail(
                    opath,
                    "cannot tell the version: no 'modified', 'created' or '_date_added'",
                    object_id,
                )
            version_text = raw[version_key]
            version = self.timestamp(version_text, member_path(opath, version_key), object_id)
            if (object_id, version) in seen:
                raise self.fail(opath, f"a second copy of version {version_text}", object_id)
            if version_key == "_date_added" and object_id in unversioned:
                raise self.fail(
                    opath,
                    "a second version of an object without 'modified'/'created' "
                    f"(first at {unversioned[object_id]}); such objects have one version",
                    object_id,
                )
            seen.add((object_id, version))
            if version_key == "_date_added":
                unversioned[object_id] = opath
            date_added_text, media_type = self.object_meta(raw, opath, object_id, version, manifest)
            if version_key == "_date_added" and parse_timestamp(date_added_text) != version:
                raise self.fail(
                    member_path(opath, "_date_added"),
                    f"an object without 'modified'/'created' is versioned by its date_added "
                    f"({date_added_text}), but '_date_added' says {version_text}",
                    object_id,
                )
            stix = {k: v for k, v in raw.items() if k not in _HIDDEN_MEMBERS}
            if self.other_stix_version(media_type, opath, object_id, version_text):
                continue
            prepared = self.check_stix(stix, media_type, opath, object_id)
            versions.append(
                MedallionObjectVersion(
                    api_root=collection.api_root,
                    collection_id=collection.id,
                    object_id=object_id,
                    version=version_text,
                    date_added=parse_timestamp(date_added_text),
                    date_added_text=date_added_text,
                    media_type=media_type,
                    stix=stix,
                    prepared=prepared,
                    path=opath,
                )
            )
        for (object_id, _), (epath, entry) in manifest.items():
            raise self.fail(
                epath,
                f"manifest entry for version {entry['version']} has no object in 'objects'",
                object_id,
            )
        return versions

    def object_meta(
        self,
        raw: Mapping[str, Any],
        path: str,
        object_id: str,
        version: datetime,
        manifest: dict[tuple[str, datetime], tuple[str, dict]],
    ) -> tuple[str, str]:
        """(date_added text, media type) of one version, from ``__meta`` or the manifest."""
        entry = manifest.pop((object_id, version), None)
        if "__meta" in raw:
            mpath = member_path(path, "__meta")
            meta = self.mapping(raw["__meta"], mpath, "'__meta'")
            date_added = self.text(meta, "date_added", mpath, required=True) or ""
            self.timestamp(date_added, member_path(mpath, "date_added"), object_id)
            media_type = self.text(meta, "media_type", mpath, required=False)
            if entry is not None and parse_timestamp(entry[1]["date_added"]) != parse_timestamp(
                date_added
            ):
                raise self.fail(
                    mpath, f"date_added disagrees with the manifest entry at {entry[0]}", object_id
                )
        elif entry is not None:
            date_added = entry[1]["date_added"]
            media_type = entry[1].get("media_type")
        else:
            raise self.fail(
                path,
                "no manifest entry for this version, so its date_added is unknown "
                "(medallion does not serve it either)",
                object_id,
            )
        media_type = media_type or _media_type_of(raw)
        return date_added, media_type

    def other_stix_version(
        self, media_type: str, path: str, object_id: str, version_text: str
    ) -> bool:
        """Whether the version is content of another STIX version than 2.1 (by its
        media type: the manifest's, else derived as medallion derives it). medallion
        serves it as such; Grapevine serves STIX 2.1 only, so it is left out with a
        warning naming its JSON path, and the rest of the file is imported."""
        found = _MEDIA_TYPE.fullmatch(media_type)
        if found is None or found.group(1) == "2.1":
            return False
        self.warnings.append(
            f"{self.source}: {path} ({object_id}, version {version_text}): STIX"
            f" {found.group(1)} content ({media_type}); not imported: Grapevine serves"
            " STIX 2.1 only"
        )
        return True

    def check_stix(
        self, stix: Mapping[str, Any], media_type: str, path: str, object_id: str
    ) -> Prepared:
        """The object validated by the store's own rules (the only validation it gets)."""
        found = _MEDIA_TYPE.fullmatch(media_type)
        if found is None:
            raise self.fail(path, f"media type {media_type!r} is not a STIX media type", object_id)
        if found.group(1) != "2.1":
            raise StixValidationError(
                f"{self.source}: {path}: STIX {found.group(1)} content; "
                "Grapevine serves STIX 2.1 only",
                object_id,
            )
        try:
            return prepare(stix, "the object")
        except StixValidationError as exc:
            reason = " ".join(exc.reason.split())
            raise StixValidationError(
                f"{self.source}: {path}: invalid STIX 2.1: {reason}", object_id
            ) from None


def _media_type_of(raw: Mapping[str, Any]) -> str:
    """The media type medallion derives for an object that has no manifest media type."""
    if "created" not in raw and "modified" not in raw:
        return STIX21_MEDIA_TYPE
    return f"application/stix+json;version={raw.get('spec_version', '2.0')}"


def _no_duplicates(parser: _Parser, ids: Sequence[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise parser.fail(path, f"duplicate {what} {value!r}")
        seen.add(value)


def member_path(path: str, key: str) -> str:
    """``path`` followed by member ``key``: ``$.partners`` or ``$["cert-vineland"]``."""
    return f"{path}.{key}" if _IDENTIFIER.fullmatch(key) else f"{path}[{json.dumps(key)}]"


def _kind(value: object) -> str:
    """How a JSON value is described in error messages."""
    for kinds, name in _KINDS:
        if isinstance(value, kinds):
            return name
    return "null" if value is None else type(value).__name__


_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    ((int, float), "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)
