"""indicators/medallion_store.py: writing a parsed medallion data file into the store."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from indicators.clock import ManualClock
from indicators.errors import StixValidationError, StoreError
from indicators.medallion_import import MedallionDataError, parse_medallion_data
from indicators.medallion_store import import_medallion_data, plan_import, resolve_owners
from indicators.store import ObjectFilter, Store
from indicators.store.timestamps import to_us
from indicators.tlp import RECIPIENTS_EXTENSION_ID, TLP2_MARKING_IDS, Reader, Tlp
from indicators.users import Role, User, access
from tests.dbdump import dump_store, refuse_inserts, sql
from tests.indicators.factory import medallion_document

SOURCE = "medallion.json"
ROOT = "cert-vineland"
ALL = ObjectFilter(versions=frozenset({"all"}))
DIRECTOR = Reader(is_director=True)


def _data(document: dict[str, Any] | None = None) -> Any:
    return parse_medallion_data(document or medallion_document(), SOURCE)


@pytest.fixture
def store(store_url: str, clock: ManualClock) -> Iterator[Store]:
    with Store.open(store_url, clock) as opened:
        yield opened


@pytest.fixture
def lived_in(store: Store) -> Store:
    """A store that already holds an exercise: an API root, a team collection, objects."""
    store.create_api_root("grapevine", "Grapevine exercise")
    collection = store.provision_team("cert-de", "grapevine")
    indicator = _data().objects[1].stix
    store.add_objects("grapevine", collection.id, [dict(indicator)], producer="cert-de")
    return store


def test_every_version_keeps_its_date_added_and_body(store: Store) -> None:
    data = _data()
    import_medallion_data(data, store)
    for collection in data.collections:
        page = store.query(collection.api_root, collection.id, DIRECTOR, ALL)
        stored = {(r.stix_id, r.date_added_us, r.body) for r in page.rows}
        expected = {
            (v.object_id, to_us(v.date_added), json.dumps(dict(v.stix), separators=(",", ":")))
            for v in data.objects_in(collection.api_root, collection.id)
        }
        assert {(i, d, json.dumps(json.loads(b), separators=(",", ":"))) for i, d, b in stored} == (
            expected
        )
        assert len(page.rows) == len(expected)


def test_equal_date_added_values_keep_the_file_order(store: Store) -> None:
    data = _data()
    import_medallion_data(data, store)
    high = data.collections[0]
    page = store.query(ROOT, high.id, DIRECTOR, ALL)
    in_file = sorted(data.objects_in(ROOT, high.id), key=lambda v: v.date_added)
    assert [(r.stix_id, r.date_added_us) for r in page.rows] == [
        (v.object_id, to_us(v.date_added)) for v in in_file
    ]
    shared = [r for r in page.rows if r.date_added == "2026-01-15T08:00:05.123456Z"]
    assert [r.stix_id.split("--")[0] for r in shared] == ["malware", "indicator"]


def test_collections_api_roots_and_statuses_are_kept(store: Store) -> None:
    data = _data()
    import_medallion_data(data, store)
    assert [(r.name, r.title, r.description, r.max_content_length) for r in store.api_roots()] == [
        (r.name, r.title, r.description, r.max_content_length) for r in data.api_roots
    ]
    for root in data.api_roots:
        got = [
            (c.id, c.title, c.description, c.alias, c.can_read, c.can_write, c.owner_team)
            for c in store.collections(root.name)
        ]
        want = [
            (c.id, c.title, c.description, c.alias, c.can_read, c.can_write, None)
            for c in data.collections
            if c.api_root == root.name
        ]
        assert got == want
    for status in data.statuses:
        assert store.status(status.api_root, status.id).resource == status.resource


def test_the_only_statuses_are_the_files_own(store: Store) -> None:
    data = _data()
    import_medallion_data(data, store)
    stored = sorted(i for (i,) in sql(store, "SELECT status_id FROM statuses"))
    assert stored == sorted(s.id for s in data.statuses)
    assert len(stored) == 3


def test_every_object_is_validated_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading the file validates each object (the store's validation); planning and
    writing reuse that result instead of parsing the object again."""
    from indicators.store import ingest

    calls: list[str] = []
    real = ingest.parse_stix

    def counting(data: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(data["id"])
        return real(data, *args, **kwargs)

    monkeypatch.setattr(ingest, "parse_stix", counting)
    data = _data()
    import_medallion_data(data, store)
    assert sorted(calls) == sorted(v.object_id for v in data.objects)
    assert len(calls) == 15


def test_an_sco_is_versioned_by_its_date_added(store: Store) -> None:
    data = _data()
    import_medallion_data(data, store)
    sco = next(v for v in data.objects if v.object_id.startswith("ipv4-addr--"))
    (row,) = store.query(ROOT, sco.collection_id, DIRECTOR, ALL, object_id=sco.object_id).rows
    assert row.version == "2026-01-10T09:00:05.000000Z"
    assert row.date_added_us == to_us(sco.date_added)


def test_dry_run_writes_nothing(store: Store) -> None:
    before = dump_store(store.location)
    report = import_medallion_data(_data(), store, dry_run=True)
    assert report.dry_run and report.versions == 15
    assert dump_store(store.location) == before
    assert store.api_roots() == []


def test_an_existing_api_root_is_never_added_to(lived_in: Store) -> None:
    document = medallion_document()
    document["grapevine"] = document.pop("archive")
    before = dump_store(lived_in.location)
    with pytest.raises(StoreError, match="API root 'grapevine' already exists"):
        import_medallion_data(_data(document), lived_in)
    assert dump_store(lived_in.location) == before


def _red_for(recipient: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The data file with one object made TLP:RED for ``recipient`` (and that object)."""
    document = medallion_document()
    target = document["partners"]["collections"][0]["objects"][1]
    target["object_marking_refs"] = [TLP2_MARKING_IDS[Tlp.RED]]
    target["extensions"] = {
        RECIPIENTS_EXTENSION_ID: {"extension_type": "property-extension", "recipients": [recipient]}
    }
    return document, target


def test_a_bad_object_late_in_the_file_changes_nothing(lived_in: Store) -> None:
    """RED recipients are checked against the store's teams before the first write."""
    document, target = _red_for("cert-nowhere")
    before = dump_store(lived_in.location)
    with pytest.raises(StixValidationError) as caught:
        import_medallion_data(_data(document), lived_in)
    assert caught.value.object_id == target["id"]
    assert "medallion.json: $.partners.collections[0].objects[1]: " in str(caught.value)
    assert "cert-nowhere" in str(caught.value)
    assert dump_store(lived_in.location) == before


def test_red_recipients_that_are_teams_are_accepted(lived_in: Store) -> None:
    document, target = _red_for("cert-de")
    import_medallion_data(_data(document), lived_in)
    collection = document["partners"]["collections"][0]["id"]
    cert_de = Reader(team="cert-de")
    cert_fr = Reader(team="cert-fr")
    assert lived_in.query("partners", collection, cert_de, ALL, object_id=target["id"]).rows
    assert not lived_in.query("partners", collection, cert_fr, ALL, object_id=target["id"]).rows


def test_objects_the_store_refuses_are_named_before_any_write(store: Store) -> None:
    """The store wants spec_version on SDOs; medallion never checked."""
    document = medallion_document()
    del document[ROOT]["collections"][1]["objects"][2]["spec_version"]
    with pytest.raises(StixValidationError) as caught:
        import_medallion_data(_data(document), store)
    assert "spec_version" in str(caught.value)
    assert f'{SOURCE}: $["cert-vineland"].collections[1].objects[2]' in str(caught.value)
    assert store.api_roots() == []


def test_a_status_id_in_two_api_roots_is_refused_up_front(store: Store) -> None:
    """medallion keeps status ids per API root, the store across them."""
    document = medallion_document()
    document["partners"]["status"][0]["id"] = document[ROOT]["status"][0]["id"]
    with pytest.raises(MedallionDataError) as caught:
        import_medallion_data(_data(document), store)
    assert str(caught.value).startswith(f"{SOURCE}: $.partners.status: status id '18f135d2")
    assert f"also in API root {ROOT!r}" in str(caught.value)
    assert store.api_roots() == []


def test_names_the_store_cannot_serve_are_refused_up_front(store: Store) -> None:
    document = medallion_document()
    document["taxii2"] = document.pop("archive")
    with pytest.raises(MedallionDataError, match=r"\$\.taxii2: cannot be a Grapevine"):
        import_medallion_data(_data(document), store)
    assert store.api_roots() == []


# -- owners and what they may do -------------------------------------------------


def test_owners_resolve_by_id_alias_or_root_and_id() -> None:
    data = _data()
    high, feed = data.collections[0], data.collections[1]
    resolved = resolve_owners(data, {"high-value": "cert-de", f"{ROOT}/{feed.id}": "cert-fr"})
    assert resolved == {(ROOT, high.id): "cert-de", (ROOT, feed.id): "cert-fr"}
    assert resolve_owners(data, {feed.id: "cert-fr"}) == {(ROOT, feed.id): "cert-fr"}


@pytest.mark.parametrize(
    ("owners", "words"),
    [
        ({"nope": "cert-de"}, "--owner nope=cert-de: no such collection"),
        ({"partners/high-value": "cert-de"}, "no such collection"),
    ],
)
def test_owners_that_name_no_collection_are_refused(owners: dict[str, str], words: str) -> None:
    with pytest.raises(MedallionDataError, match=words):
        resolve_owners(_data(), owners)


def test_an_ambiguous_owner_asks_for_the_api_root() -> None:
    document = medallion_document()
    twin = copy.deepcopy(document[ROOT]["collections"][3])
    document["archive"]["collections"].append(twin)
    with pytest.raises(MedallionDataError, match="ambiguous, give API-ROOT/COLLECTION"):
        resolve_owners(_data(document), {twin["id"]: "cert-de"})
    assert resolve_owners(_data(document), {f"archive/{twin['id']}": "cert-de"})


def test_an_owner_team_writes_its_collection_and_nobody_else_does(store: Store) -> None:
    data = _data()
    report = import_medallion_data(data, store, {"high-value": "cert-de"})
    assert [p.owner_team for p in report.collections][:2] == ["cert-de", None]
    assert "cert-de" in store.teams()
    high, feed = store.collections(ROOT)[:2]
    cert_de = User("ana", Role.TEAM, "cert-de")
    cert_fr = User("luc", Role.TEAM, "cert-fr")
    partner = User("soc", Role.PARTNER)
    director = User("dir", Role.DIRECTOR)
    rights = {
        who.name: [
            (a.can_read, a.can_write)
            for a in (access(who, c.owner_team, c.can_read, c.can_write) for c in (high, feed))
        ]
        for who in (cert_de, cert_fr, partner, director)
    }
    assert rights == {
        "ana": [(True, True), (True, False)],
        "luc": [(True, False), (True, False)],
        "soc": [(True, False), (True, False)],
        "dir": [(True, True), (True, False)],  # exactly medallion's flags
    }
    (row, *_) = store.query(ROOT, high.id, DIRECTOR, ALL).rows
    assert row.stix_id.startswith("identity--")


def test_unmarked_objects_take_the_default_tlp(new_db: Callable[[str], str]) -> None:
    partner = Reader(is_partner=True)
    seen = {}
    for level in (Tlp.AMBER, Tlp.GREEN):
        with Store.open(new_db(level.name)) as store:
            data = _data()
            import_medallion_data(data, store, default_tlp=level)
            high = data.collections[0]
            rows = store.query(ROOT, high.id, partner, ALL).rows
            seen[level] = {r.stix_id.split("--")[0] for r in rows}
    # the ipv4-addr SCO carries no marking; everything else is CLEAR or GREEN
    assert "ipv4-addr" not in seen[Tlp.AMBER]
    assert "ipv4-addr" in seen[Tlp.GREEN]
    assert seen[Tlp.GREEN] - seen[Tlp.AMBER] == {"ipv4-addr"}


# -- the report ---------------------------------------------------------------------


def test_the_report_says_what_was_imported_and_what_changed_on_the_way(store: Store) -> None:
    document = medallion_document()
    document["partners"]["information"]["versions"].append("application/taxii+json;version=2.0")
    report = plan_import(_data(document), store, {"high-value": "cert-de"})
    text = "\n".join(report.lines())
    assert text.startswith(
        f"{SOURCE}: would import 3 API roots, 5 collections, 15 object versions, 3 statuses"
    )
    assert "API root /cert-vineland/  'CERT-Vineland sharing'  (2 statuses)" in text
    assert "can_read=false can_write=true  owner=none (director)  1 objects, 1 versions" in text
    assert "owner=cert-de  5 objects, 8 versions" in text
    assert "warning: medallion.json: API root 'partners': versions" in text
    assert "become ['application/taxii+json;version=2.1']" in text


@pytest.mark.parametrize(
    ("table", "condition"),
    [
        # one object version among the last ones written
        ("objects", "NEW.stix_id LIKE 'attack-pattern--%'"),
        # the very last write of the import, after every object
        ("statuses", "NEW.status_id = 'ec66a787-95e7-41d1-b731-af10506bf2ef'"),
    ],
)
def test_a_write_that_fails_part_way_leaves_the_store_exactly_as_it_was(
    lived_in: Store, table: str, condition: str
) -> None:
    """A failure no check can foresee (here a database trigger refusing one row, as a
    full disk or a concurrent writer would) after API roots, collections and objects
    went in: none of the import is stored and the store is exactly as before."""
    data = _data()
    assert any(s.id == "ec66a787-95e7-41d1-b731-af10506bf2ef" for s in data.statuses)
    refuse_inserts(lived_in, table, condition)
    before = dump_store(lived_in.location)
    with pytest.raises(StoreError) as caught:
        import_medallion_data(data, lived_in)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}: nothing was imported: ")
    assert "simulated failure" in message
    assert dump_store(lived_in.location) == before
    assert [r.name for r in lived_in.api_roots()] == ["grapevine"]


def test_a_file_with_medallion_3_quirks_is_served_as_taxii_2_1(store: Store) -> None:
    """medallion's test-data departures, imported: the status reads 'total_count' (its
    'total_objects'), the STIX 2.0 version is not stored and every other version is."""
    from indicators.medallion_import import read_medallion_file
    from tests.indicators.test_medallion_import import QUIRKS_FILE

    data = read_medallion_file(str(QUIRKS_FILE))
    import_medallion_data(data, store)
    status = store.status("quirks", "5b0f7c1e-1111-4a2b-8c3d-000000000002").resource
    assert status["total_count"] == 0 and "total_objects" not in status
    rows = store.query("quirks", "2f1e0d9c-8b7a-4c6d-9e5f-000000000002", DIRECTOR, ALL).rows
    assert sorted((r.stix_id[:9], r.version) for r in rows) == [
        ("indicator", "2025-04-01T08:00:00.000Z"),
        ("indicator", "2025-04-02T08:00:00.000Z"),
        ("malware--", "2025-03-30T10:00:00.000Z"),
        ("marking-d", "2017-01-20T00:00:00.000Z"),
    ]
