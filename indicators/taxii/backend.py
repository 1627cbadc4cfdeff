"""medallion's backend interface implemented on the Grapevine store.

medallion's views call these methods after checking the Accept/Content-Type headers,
that the API root and collection exist, and the ``can_read``/``can_write`` flags we
return for the current user. Everything else happens here, inside the store's
queries: TLP filtering, filters, keyset pagination, the date headers.

What we do differently from medallion's memory backend, and why:

* discovery URLs come from ``public_url`` or the request, not from a data file;
* ``can_read``/``can_write`` are per user (role, team, collection flags), and a
  collection the user may neither read nor write does not exist for them (404);
* a hidden object answers exactly like a missing one (404), and hidden versions
  never count towards ``more``, ``next`` or the ``X-TAXII-Date-Added-*`` headers;
* ``next`` is a signed keyset cursor, not a server-side session that expires;
* a status resource is visible to the user who POSTed (and the director) only;
* a POSTed body nested deeper than the configured depth is refused (400) before it
  is parsed, and each object is checked again by the store (see
  :mod:`indicators.store.ingest`), so bad input costs one object, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, request
from medallion.backends.base import Backend
from medallion.exceptions import ProcessingError

from indicators.errors import NotFoundError
from indicators.store import ApiRootInfo, CollectionInfo, ObjectFilter, Page, Store
from indicators.store.ingest import json_text_depth
from indicators.store.query import FILTER_PARAMETERS
from indicators.taxii.auth import current_user
from indicators.taxii.config import ServerConfig
from indicators.taxii.envelope import Envelope, stored_array
from indicators.users import Role, access

MEDIA_TYPE_TAXII_V21 = "application/taxii+json;version=2.1"
MEDIA_TYPE_STIX_V21 = "application/stix+json;version=2.1"

_PAGING = frozenset({"limit", "next", "added_after"})
ALLOWED = {
    "objects": FILTER_PARAMETERS,
    "manifest": FILTER_PARAMETERS,
    "object": _PAGING | {"match[version]", "match[spec_version]"},
    "versions": _PAGING | {"match[spec_version]"},
    "delete": frozenset({"match[version]", "match[spec_version]"}),
}
"""The query parameters each endpoint accepts (TAXII 2.1 sections 5.3-5.8)."""


def check_body_depth(max_depth: int) -> None:
    """Refuse (400) a request body whose JSON nests deeper than ``max_depth`` levels
    (the envelope is level 1, its ``objects`` list 2, each object 3), measured
    before any parser recurses into it; the body is cached for the view to parse."""
    depth = json_text_depth(request.get_data(cache=True))
    if depth > max_depth:
        raise ProcessingError(
            f"the request body is JSON nested deeper than {max_depth} levels ({depth});"
            " this server refuses it unparsed",
            400,
        )


class GrapevineBackend(Backend):
    """A medallion backend over a :class:`~indicators.store.Store`."""

    def __init__(self, store: Store, config: ServerConfig) -> None:
        self.store = store
        self.config = config

    # -- server information --------------------------------------------------------

    def _base_url(self) -> str:
        return (self.config.public_url or request.host_url).rstrip("/") + "/"

    def server_discovery(self) -> dict[str, Any]:
        base = self._base_url()
        roots = [base + root.name + "/" for root in self.store.api_roots()]
        discovery: dict[str, Any] = {
            "title": self.config.title,
            "description": self.config.description,
            "api_roots": roots,
        }
        if self.config.contact:
            discovery["contact"] = self.config.contact
        default = base + self.config.api_root + "/"
        if default in roots:
            discovery["default"] = default
        return discovery

    @staticmethod
    def _remembered(key: tuple, fetch: Any) -> Any:
        """``fetch()``, asked once per request: medallion's views ask for the API root
        and the collection several times per request (a read of objects: four times),
        and each answer is a query. Not kept past the request."""
        memo = g.setdefault("grapevine_lookups", {})
        if key not in memo:
            try:
                memo[key] = fetch()
            except NotFoundError as exc:
                memo[key] = exc
        found = memo[key]
        if isinstance(found, NotFoundError):
            raise found
        return found

    def _api_root(self, api_root: str) -> ApiRootInfo:
        return self._remembered(("root", api_root), lambda: self.store.api_root(api_root))

    def _collection(self, api_root: str, collection_id: str) -> CollectionInfo:
        return self._remembered(
            ("collection", api_root, collection_id),
            lambda: self.store.collection(api_root, collection_id),
        )

    def get_api_root_information(self, api_root: str) -> dict[str, Any] | None:
        try:
            root = self._api_root(api_root)
        except NotFoundError:
            return None
        info: dict[str, Any] = {
            "title": root.title,
            "versions": [MEDIA_TYPE_TAXII_V21],
            "max_content_length": min(root.max_content_length, self.config.max_content_length),
        }
        if root.description:
            info["description"] = root.description
        return info

    def get_status(self, api_root: str, status_id: str) -> dict[str, Any] | None:
        try:
            record = self.store.status(api_root, status_id)
        except NotFoundError:
            return None
        user = current_user()
        if user.role is not Role.DIRECTOR and record.owner != user.name:
            return None
        return record.resource

    # -- collections --------------------------------------------------------------

    def _resource(self, info: CollectionInfo) -> dict[str, Any] | None:
        user = current_user()
        rights = access(user, info.owner_team, info.can_read, info.can_write)
        if not (rights.can_read or rights.can_write):
            return None
        resource: dict[str, Any] = {
            "id": info.id,
            "title": info.title,
            "can_read": rights.can_read,
            "can_write": rights.can_write,
            "media_types": [MEDIA_TYPE_STIX_V21],
        }
        if info.description:
            resource["description"] = info.description
        if info.alias:
            resource["alias"] = info.alias
        return resource

    def get_collections(self, api_root: str) -> dict[str, Any]:
        found = [self._resource(info) for info in self.store.collections(api_root)]
        listed = [c for c in found if c is not None]
        return {"collections": listed} if listed else {}

    def get_collection(self, api_root: str, collection_id: str) -> dict[str, Any] | None:
        try:
            info = self._collection(api_root, collection_id)
        except NotFoundError:
            return None
        return self._resource(info)

    # -- reading objects ----------------------------------------------------------

    def _page(
        self,
        purpose: str,
        api_root: str,
        collection_id: str,
        filter_args: Mapping[str, str],
        limit: int,
        object_id: str | None = None,
        bodies: bool = False,
    ) -> Page:
        default_version = "all" if purpose == "versions" else "last"
        flt = ObjectFilter.from_taxii(filter_args, ALLOWED[purpose], default_version)
        page = self.store.query(
            api_root,
            collection_id,
            current_user().reader,
            flt,
            limit=limit,
            next=filter_args.get("next"),
            object_id=object_id,
            purpose=purpose,
            collection=self._collection(api_root, collection_id),
            bodies=bodies,
        )
        if object_id is not None and not page.rows and "next" not in filter_args:
            # Missing and hidden look the same; present but filtered out is an empty 200.
            anything = self.store.query(
                api_root,
                collection_id,
                current_user().reader,
                ObjectFilter(versions=frozenset({"all"})),
                limit=1,
                object_id=object_id,
                purpose="exists",
            )
            if not anything.rows:
                raise ProcessingError(
                    f"object {object_id!r} not found in collection {collection_id!r}", 404
                )
        return page

    @staticmethod
    def _envelope(page: Page, key: str, items: object) -> tuple[dict[str, Any], dict]:
        """``items``: a list, or a fragment of JSON (an array), with an item per row."""
        resource: dict[str, Any] = Envelope(more=page.more)
        if page.next:
            resource["next"] = page.next
        if page.rows:
            resource[key] = items
        headers = {}
        if page.rows:
            headers["X-TAXII-Date-Added-First"] = page.date_added_first
            headers["X-TAXII-Date-Added-Last"] = page.date_added_last
        return resource, headers

    def get_objects(
        self,
        api_root: str,
        collection_id: str,
        filter_args: Mapping[str, str],
        allowed_filters: tuple,
        limit: int,
    ) -> tuple[dict[str, Any], dict]:
        page = self._page("objects", api_root, collection_id, filter_args, limit, bodies=True)
        return self._envelope(page, "objects", stored_array(page.bodies()))

    def get_object_manifest(
        self,
        api_root: str,
        collection_id: str,
        filter_args: Mapping[str, str],
        allowed_filters: tuple,
        limit: int,
    ) -> tuple[dict[str, Any], dict]:
        page = self._page("manifest", api_root, collection_id, filter_args, limit)
        return self._envelope(page, "objects", [r.manifest_entry() for r in page.rows])

    def get_object(
        self,
        api_root: str,
        collection_id: str,
        object_id: str,
        filter_args: Mapping[str, str],
        allowed_filters: tuple,
        limit: int,
    ) -> tuple[dict[str, Any], dict]:
        page = self._page(
            "object", api_root, collection_id, filter_args, limit, object_id, bodies=True
        )
        return self._envelope(page, "objects", stored_array(page.bodies()))

    def get_object_versions(
        self,
        api_root: str,
        collection_id: str,
        object_id: str,
        filter_args: Mapping[str, str],
        allowed_filters: tuple,
        limit: int,
    ) -> tuple[dict[str, Any], dict]:
        page = self._page("versions", api_root, collection_id, filter_args, limit, object_id)
        return self._envelope(page, "versions", [r.version for r in page.rows])

    # -- writing objects ----------------------------------------------------------

    def add_objects(
        self, api_root: str, collection_id: str, objs: object, request_time: object
    ) -> dict[str, Any]:
        # Well-formed JSON of the wrong shape is unprocessable content (422, as medallion
        # answers it); malformed JSON never gets here (400, see app.TaxiiRequest).
        if not isinstance(objs, Mapping) or not isinstance(objs.get("objects"), list):
            shape = type(objs).__name__ if not isinstance(objs, Mapping) else "object"
            raise ProcessingError(
                f"the request body is not a TAXII envelope: expected a JSON object with an"
                f" 'objects' list, got a JSON {shape}"
                + (" without an 'objects' list" if isinstance(objs, Mapping) else ""),
                422,
            )
        # stix2's TAXIICollectionSink posts a STIX bundle rather than an envelope; both
        # carry an 'objects' list, so a bundle is accepted, any other typed object is not.
        if "type" in objs and objs["type"] != "bundle":
            raise ProcessingError(
                f"the request body is a STIX {objs['type']!r} object, not a TAXII envelope"
                " (or STIX bundle) holding an 'objects' list",
                422,
            )
        return self.store.add_objects(
            api_root, collection_id, objs["objects"], poster=current_user()
        )

    def delete_object(
        self,
        api_root: str,
        collection_id: str,
        object_id: str,
        filter_args: Mapping[str, str],
        allowed_filters: tuple,
    ) -> None:
        flt = ObjectFilter.from_taxii(filter_args, ALLOWED["delete"], default_version="all")
        try:
            self.store.delete_objects(
                api_root, collection_id, object_id, current_user().reader, flt
            )
        except NotFoundError as exc:
            raise ProcessingError(str(exc), 404) from None
