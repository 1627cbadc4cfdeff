"""The TAXII server through the real taxii2-client and stix2 TAXII data stores, over HTTP."""

from __future__ import annotations

import random

import pytest
import stix2
from requests.exceptions import HTTPError
from taxii2client.v21 import Collection, Status, as_pages

from indicators.tlp import Tlp
from indicators.users import Role
from tests.indicators.conftest import API_ROOT, PASSWORD, TAXII, Harness
from tests.indicators.factory import indicator, new_version, ts


@pytest.fixture(scope="module")
def big(taxii: Harness) -> tuple[Collection, list[dict]]:
    """Team cert-big's collection holding 2,500 objects posted in envelopes of 250.

    All objects of one envelope share one ``date_added``, so every page boundary at
    a multiple of 100 that is not a multiple of 250 falls inside a run of identical
    ``date_added`` values.
    """
    taxii.add_user("big-analyst", Role.TEAM, "cert-big")
    rng = random.Random(7)
    objs = [indicator(rng, created=i, value=f"203.0.113.{i % 250}") for i in range(2500)]
    writer = taxii.collection("big-analyst", "cert-big")
    for start in range(0, 2500, 250):
        status = writer.add_objects({"objects": objs[start : start + 250]})
        assert status.success_count == 250 and status.failure_count == 0
    return taxii.collection("fr-analyst", "cert-big"), objs


def test_discovery_names_api_roots_from_the_request(taxii: Harness) -> None:
    server = taxii.client("fr-analyst")
    assert server.title == "Grapevine TAXII 2.1"
    assert [root.url for root in server.api_roots] == [f"{taxii.url}{API_ROOT}/"]
    assert server.default.url == f"{taxii.url}{API_ROOT}/"
    root = server.api_roots[0]
    assert root.versions == [TAXII]
    assert root.max_content_length == taxii.config.max_content_length


def test_collections_show_each_users_rights(taxii: Harness) -> None:
    mine = {c.id: c for c in taxii.api_root("de-analyst").collections}
    assert mine[taxii.collections["cert-de"]].can_write is True
    assert mine[taxii.collections["cert-fr"]].can_write is False
    assert all(c.can_read for c in mine.values())
    partner = taxii.api_root("partner").collections
    assert partner and all(c.can_read and not c.can_write for c in partner)
    director = taxii.api_root("director").collections
    assert all(c.can_read and c.can_write for c in director)


def test_every_page_of_2500_objects_with_limit_100(big: tuple[Collection, list[dict]]) -> None:
    reader, objs = big
    pages = list(as_pages(reader.get_objects, per_request=100))
    assert len(pages) == 25
    assert all(len(p["objects"]) == 100 for p in pages)
    assert [p["more"] for p in pages] == [True] * 24 + [False]
    got = [o["id"] for p in pages for o in p["objects"]]
    assert len(got) == len(set(got)) == 2500
    assert got == [o["id"] for o in objs]  # (date_added, row) order = post order


def test_manifest_pages_agree_with_objects(big: tuple[Collection, list[dict]]) -> None:
    reader, objs = big
    entries = [e for p in as_pages(reader.get_manifest, per_request=100) for e in p["objects"]]
    assert [e["id"] for e in entries] == [o["id"] for o in objs]
    assert all(e["media_type"] == "application/stix+json;version=2.1" for e in entries)
    assert entries[0]["version"] == objs[0]["modified"]
    dates = [e["date_added"] for e in entries]
    assert dates == sorted(dates) and len(set(dates)) == 10  # one per envelope


def test_identical_date_added_across_a_page_boundary(
    taxii: Harness, big: tuple[Collection, list[dict]]
) -> None:
    _, objs = big
    http = taxii.http("fr-analyst")
    url = taxii.objects_url("cert-big")
    first = http.get(url, params={"limit": 100})
    second = http.get(url, params={"limit": 100, "next": first.json()["next"]})
    third = http.get(url, params={"limit": 100, "next": second.json()["next"]})
    # Objects 200-249 and 250-299 straddle: 200-249 share date_added with 0-199.
    assert first.headers["X-TAXII-Date-Added-Last"] == second.headers["X-TAXII-Date-Added-First"]
    assert third.headers["X-TAXII-Date-Added-First"] == second.headers["X-TAXII-Date-Added-Last"]
    assert third.headers["X-TAXII-Date-Added-First"] < third.headers["X-TAXII-Date-Added-Last"]
    ids = [o["id"] for r in (first, second, third) for o in r.json()["objects"]]
    assert ids == [o["id"] for o in objs[:300]]


def test_added_after_continues_where_a_header_stopped(
    taxii: Harness, big: tuple[Collection, list[dict]]
) -> None:
    reader, objs = big
    manifest = reader.get_manifest()["objects"]
    cut = manifest[999]["date_added"]  # last of the 4th envelope
    rest = [
        o
        for p in as_pages(reader.get_objects, per_request=500, added_after=cut)
        for o in p["objects"]
    ]
    assert [o["id"] for o in rest] == [o["id"] for o in objs[1000:]]


def test_filters_type_id_version_spec_version(taxii: Harness) -> None:
    rng = random.Random(11)
    writer = taxii.collection("de-analyst", "cert-de")
    v1 = indicator(rng, created=100)
    v2 = new_version(v1, 200, name="renamed")
    v3 = new_version(v1, 300, name="renamed again")
    other = indicator(rng, created=150)
    ident = {
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--8a1d0e1c-64a6-4b43-a1e9-1d0d1a1d0e1c",
        "created": ts(0),
        "modified": ts(0),
        "name": "someone",
        "object_marking_refs": [indicator(rng)["object_marking_refs"][0]],
    }
    assert writer.add_objects({"objects": [v1, v2, v3, other, ident]}).success_count == 5
    reader = taxii.collection("fr-analyst", "cert-de")
    only = reader.get_objects(id=v1["id"])["objects"]
    assert [o["modified"] for o in only] == [v3["modified"]]  # default: last
    first = reader.get_objects(id=v1["id"], version="first")["objects"]
    assert [o["modified"] for o in first] == [v1["modified"]]
    every = reader.get_objects(id=v1["id"], version="all")["objects"]
    assert sorted(o["modified"] for o in every) == [v1["modified"], v2["modified"], v3["modified"]]
    exact = reader.get_objects(id=v1["id"], version=v2["modified"])["objects"]
    assert [o["name"] for o in exact] == ["renamed"]
    both = reader.get_objects(id=v1["id"], version=["first", "last"])["objects"]
    assert sorted(o["modified"] for o in both) == [v1["modified"], v3["modified"]]
    identities = reader.get_objects(type="identity")["objects"]
    assert [o["id"] for o in identities] == [ident["id"]]
    two = reader.get_objects(id=[v1["id"], other["id"]])["objects"]
    assert {o["id"] for o in two} == {v1["id"], other["id"]}
    assert reader.get_objects(id=v1["id"], spec_version="2.0") == {"more": False}
    assert reader.get_objects(id=v1["id"], spec_version="2.1")["objects"]


def test_object_versions_and_get_object(taxii: Harness) -> None:
    rng = random.Random(12)
    writer = taxii.collection("de-analyst", "cert-de")
    v1 = indicator(rng, created=10)
    versions = [v1, new_version(v1, 20), new_version(v1, 30)]
    writer.add_objects({"objects": versions})
    reader = taxii.collection("fr-analyst", "cert-de")
    listed = reader.object_versions(v1["id"])
    assert listed["versions"] == [v["modified"] for v in versions]
    page = reader.object_versions(v1["id"], limit=2)
    assert page["more"] is True and len(page["versions"]) == 2
    rest = reader.object_versions(v1["id"], limit=2, next=page["next"])
    assert rest["more"] is False and page["versions"] + rest["versions"] == listed["versions"]
    got = reader.get_object(v1["id"])["objects"]
    assert [o["modified"] for o in got] == [versions[-1]["modified"]]
    got_all = reader.get_object(v1["id"], version="all")["objects"]
    assert len(got_all) == 3


def test_delete_one_version_then_the_object(taxii: Harness) -> None:
    rng = random.Random(13)
    writer = taxii.collection("de-analyst", "cert-de")
    v1 = indicator(rng, created=40)
    v2 = new_version(v1, 50)
    writer.add_objects({"objects": [v1, v2]})
    writer.delete_object(v1["id"], version=v2["modified"])
    assert writer.object_versions(v1["id"])["versions"] == [v1["modified"]]
    writer.delete_object(v1["id"])
    with pytest.raises(HTTPError) as err:
        writer.get_object(v1["id"])
    assert err.value.response.status_code == 404
    manifest_ids = {e["id"] for e in writer.get_manifest().get("objects", [])}
    assert v1["id"] not in manifest_ids


def test_a_reader_cannot_delete_from_another_teams_collection(taxii: Harness) -> None:
    rng = random.Random(14)
    obj = indicator(rng, created=60)
    taxii.collection("de-analyst", "cert-de").add_objects({"objects": [obj]})
    response = taxii.http("fr-analyst").delete(taxii.objects_url("cert-de") + obj["id"] + "/")
    assert response.status_code == 403
    assert taxii.collection("de-analyst", "cert-de").get_object(obj["id"])["objects"]


def test_status_resource_of_a_post(taxii: Harness) -> None:
    rng = random.Random(15)
    good = indicator(rng, created=70)
    bad = {**indicator(rng, created=71), "pattern": "[ipv4-addr:value = "}
    status = taxii.collection("de-analyst", "cert-de").add_objects(
        {"objects": [good, bad]}, wait_for_completion=False
    )
    assert (status.success_count, status.failure_count, status.pending_count) == (1, 1, 0)
    assert status.failures[0]["id"] == bad["id"]
    assert "pattern" in status.failures[0]["message"]
    again = Status(
        f"{taxii.url}{API_ROOT}/status/{status.id}/", user="de-analyst", password=PASSWORD
    )
    assert again.status == "complete" and again.successes[0]["id"] == good["id"]
    other = taxii.http("fr-analyst").get(f"{taxii.url}{API_ROOT}/status/{status.id}/")
    assert other.status_code == 404
    director = taxii.http("director").get(f"{taxii.url}{API_ROOT}/status/{status.id}/")
    assert director.status_code == 200


def test_stix2_taxii_sink_and_source(taxii: Harness) -> None:
    sink = stix2.TAXIICollectionSink(taxii.collection("fr-analyst", "cert-fr"))
    source = stix2.TAXIICollectionSource(taxii.collection("de-analyst", "cert-fr"))
    ind = stix2.Indicator(
        id="indicator--0c6b5d4e-5f9c-4a7b-8e2d-3f1a2b3c4d5e",
        created="2026-03-01T10:00:00.000Z",
        modified="2026-03-01T10:00:00.000Z",
        pattern="[domain-name:value = 'bad.example.com']",
        pattern_type="stix",
        valid_from="2026-03-01T10:00:00Z",
        object_marking_refs=[stix2.TLP_AMBER],  # TLP 1.0, mapped to AMBER
    )
    sink.add(ind)
    sink.add(ind.new_version(modified="2026-03-01T11:00:00.000Z", name="v2"))
    got = source.get(ind.id)
    assert got is not None and got.name == "v2"
    assert len(source.all_versions(ind.id)) == 2
    found = source.query([stix2.Filter("type", "=", "indicator")])
    assert ind.id in {o.id for o in found}
    partner = stix2.TAXIICollectionSource(taxii.collection("partner", "cert-fr"))
    assert partner.get(ind.id) is None  # AMBER is not for partners


def test_tlp_level_names_round_trip() -> None:
    assert {Tlp.from_name(t.label) for t in Tlp} == set(Tlp)


def test_concurrent_posts_are_all_stored_once(taxii: Harness) -> None:
    from concurrent.futures import ThreadPoolExecutor

    taxii.add_user("busy-analyst", Role.TEAM, "cert-busy")

    def post(worker: int) -> list[str]:
        rng = random.Random(100 + worker)
        writer = taxii.collection("busy-analyst", "cert-busy")
        posted = []
        for _ in range(5):
            batch = [indicator(rng) for _ in range(10)]
            assert writer.add_objects({"objects": batch}).success_count == 10
            posted += [o["id"] for o in batch]
        return posted

    with ThreadPoolExecutor(4) as pool:
        posted = [i for ids in pool.map(post, range(4)) for i in ids]
    reader = taxii.collection("fr-analyst", "cert-busy")
    pages = list(as_pages(reader.get_manifest, per_request=7))
    got = [e["id"] for p in pages for e in p["objects"]]
    assert sorted(got) == sorted(posted) and len(got) == 200
    dates = [e["date_added"] for p in pages for e in p["objects"]]
    assert dates == sorted(dates)
