"""TLP 2.0 through every read endpoint, for every role and every level.

Team cert-de publishes one object per marking into its collection, each in its own
envelope (so each has its own ``date_added``). The table below says who reads what;
every read endpoint must agree with it, and no hidden object may show in a count,
a ``next`` cursor or a date header.
"""

from __future__ import annotations

import random

import pytest
import stix2

from indicators.tlp import TLP1_MARKING_IDS, Reader, Tlp, may_read
from indicators.users import Role, team_identity_id
from tests.indicators.conftest import API_ROOT, Harness
from tests.indicators.factory import indicator

LEVELS = ("clear", "green", "amber", "amber_strict", "red", "unmarked", "white", "red_nobody")
READERS = ("de-analyst", "fr-analyst", "it-analyst", "partner", "director")
ENDPOINTS = ("objects", "object", "versions", "manifest")

# Who reads what (producer cert-de; "red" names cert-fr as its recipient).
EXPECTED = {
    "de-analyst": set(LEVELS),
    "fr-analyst": {"clear", "green", "amber", "red", "unmarked", "white"},
    "it-analyst": {"clear", "green", "amber", "unmarked", "white"},
    "partner": {"clear", "green", "white"},
    "director": set(LEVELS),
}


def _object(level: str, rng: random.Random) -> dict:
    if level == "unmarked":
        return indicator(rng, tlp=None)
    if level == "white":
        obj = indicator(rng, tlp=None)
        obj["object_marking_refs"] = [stix2.TLP_WHITE.id]
        return obj
    if level == "red":
        return indicator(rng, tlp=Tlp.RED, recipients=["cert-fr"])
    if level == "red_nobody":
        return indicator(rng, tlp=Tlp.RED)
    return indicator(rng, tlp=Tlp.from_name(level))


@pytest.fixture(scope="module")
def published(taxii: Harness) -> dict[str, dict]:
    taxii.add_user("it-analyst", Role.TEAM, "cert-it")
    rng = random.Random(3)
    writer = taxii.collection("de-analyst", "cert-de")
    objs = {}
    for level in LEVELS:
        objs[level] = _object(level, rng)
        status = writer.add_objects({"objects": [objs[level]]})
        assert status.success_count == 1, status.failures
    return objs


def _read(taxii: Harness, reader: str, endpoint: str, obj: dict) -> tuple[int, set[str]]:
    http = taxii.http(reader)
    base = taxii.objects_url("cert-de")
    if endpoint == "objects":
        body = http.get(base).json()
        return 200, {o["id"] for o in body.get("objects", [])}
    if endpoint == "manifest":
        body = http.get(base.replace("/objects/", "/manifest/")).json()
        return 200, {o["id"] for o in body.get("objects", [])}
    url = base + obj["id"] + "/" + ("versions/" if endpoint == "versions" else "")
    response = http.get(url)
    if response.status_code != 200:
        return response.status_code, set()
    body = response.json()
    found = body.get("objects") or body.get("versions") or []
    return 200, {obj["id"]} if found else set()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("reader", READERS)
def test_reader_sees_exactly_what_tlp_allows(
    taxii: Harness, published: dict[str, dict], reader: str, level: str, endpoint: str
) -> None:
    obj = published[level]
    status, seen = _read(taxii, reader, endpoint, obj)
    if level in EXPECTED[reader]:
        assert obj["id"] in seen
        assert status == 200
    else:
        assert obj["id"] not in seen
        if endpoint in ("object", "versions"):
            assert status == 404  # hidden looks exactly like missing


@pytest.mark.parametrize("reader", READERS)
def test_counts_cursors_and_date_headers_leak_nothing(
    taxii: Harness, published: dict[str, dict], reader: str
) -> None:
    http = taxii.http(reader)
    url = taxii.objects_url("cert-de")
    director_manifest = taxii.http("director").get(url.replace("/objects/", "/manifest/")).json()
    added = {e["id"]: e["date_added"] for e in director_manifest["objects"]}
    visible = [published[lv]["id"] for lv in LEVELS if lv in EXPECTED[reader]]
    # One object per page: as many pages as visible objects, no more.
    pages, token = [], None
    while True:
        params = {"limit": 1, **({"next": token} if token else {})}
        response = http.get(url, params=params)
        body = response.json()
        pages.append((body, response.headers))
        token = body.get("next")
        if not body["more"]:
            break
        assert len(pages) <= len(LEVELS)
    assert [b["objects"][0]["id"] for b, _ in pages] == visible
    for body, headers in pages:
        only = body["objects"][0]["id"]
        assert headers["X-TAXII-Date-Added-First"] == added[only]
        assert headers["X-TAXII-Date-Added-Last"] == added[only]
    whole = http.get(url)
    assert whole.headers["X-TAXII-Date-Added-Last"] == added[visible[-1]]
    assert whole.headers["X-TAXII-Date-Added-First"] == added[visible[0]]


def test_expected_table_matches_the_reference_rule(published: dict[str, dict]) -> None:
    readers = {
        "de-analyst": Reader(team="cert-de"),
        "fr-analyst": Reader(team="cert-fr"),
        "it-analyst": Reader(team="cert-it"),
        "partner": Reader(is_partner=True),
        "director": Reader(is_director=True),
    }
    levels = {
        "clear": Tlp.CLEAR,
        "green": Tlp.GREEN,
        "amber": Tlp.AMBER,
        "amber_strict": Tlp.AMBER_STRICT,
        "red": Tlp.RED,
        "unmarked": Tlp.AMBER,
        "white": TLP1_MARKING_IDS[stix2.TLP_WHITE.id],
        "red_nobody": Tlp.RED,
    }
    for name, reader in readers.items():
        for level, tlp in levels.items():
            recipients = ["cert-fr"] if level == "red" else []
            assert may_read(reader, tlp, "cert-de", recipients) == (level in EXPECTED[name])


def test_last_version_is_the_last_one_the_reader_may_see(taxii: Harness) -> None:
    rng = random.Random(4)
    writer = taxii.collection("de-analyst", "cert-de")
    v1 = indicator(rng, tlp=Tlp.GREEN, created=1)
    v2 = {
        **v1,
        "modified": "2026-03-01T12:00:05.000Z",
        "object_marking_refs": [indicator(rng, tlp=Tlp.AMBER_STRICT)["object_marking_refs"][0]],
    }
    writer.add_objects({"objects": [v1, v2]})
    partner = taxii.collection("partner", "cert-de")
    assert [o["modified"] for o in partner.get_object(v1["id"])["objects"]] == [v1["modified"]]
    assert partner.object_versions(v1["id"])["versions"] == [v1["modified"]]
    fr = taxii.collection("fr-analyst", "cert-de")
    assert fr.object_versions(v1["id"])["versions"] == [v1["modified"]]
    de = taxii.collection("de-analyst", "cert-de")
    assert de.object_versions(v1["id"])["versions"] == [v1["modified"], v2["modified"]]


def test_a_team_cannot_publish_as_another_team(taxii: Harness) -> None:
    rng = random.Random(5)
    forged = indicator(rng, created_by=team_identity_id("cert-de"))
    own = indicator(rng, created_by=team_identity_id("cert-fr"))
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": team_identity_id("cert-de"),
        "created": "2026-03-01T00:00:00.000Z",
        "modified": "2026-03-01T00:00:00.000Z",
        "name": "cert-de",
        "identity_class": "organization",
    }
    status = taxii.collection("fr-analyst", "cert-fr").add_objects(
        {"objects": [forged, own, identity]}
    )
    assert status.success_count == 1 and status.successes[0]["id"] == own["id"]
    reasons = {f["id"]: f["message"] for f in status.failures}
    assert "identity of team 'cert-de'" in reasons[forged["id"]]
    assert "may not publish" in reasons[identity["id"]]
    ids = {o["id"] for o in taxii.collection("director", "cert-fr").get_objects()["objects"]}
    assert forged["id"] not in ids and own["id"] in ids


def test_the_director_may_publish_for_a_team_and_strict_follows_the_identity(
    taxii: Harness,
) -> None:
    rng = random.Random(6)
    injected = indicator(rng, tlp=Tlp.AMBER_STRICT, created_by=team_identity_id("cert-fr"))
    status = taxii.collection("director", "cert-de").add_objects({"objects": [injected]})
    assert status.success_count == 1
    fr = taxii.http("fr-analyst").get(taxii.objects_url("cert-de") + injected["id"] + "/")
    de = taxii.http("de-analyst").get(taxii.objects_url("cert-de") + injected["id"] + "/")
    assert (fr.status_code, de.status_code) == (200, 404)


def test_writing_needs_the_role_and_the_collection(taxii: Harness) -> None:
    rng = random.Random(7)
    body = {"objects": [indicator(rng)]}
    headers = {"Content-Type": "application/taxii+json;version=2.1"}
    partner = taxii.http("partner").post(taxii.objects_url("cert-de"), json=body, headers=headers)
    other = taxii.http("fr-analyst").post(taxii.objects_url("cert-de"), json=body, headers=headers)
    assert (partner.status_code, other.status_code) == (403, 403)
    assert partner.json()["http_status"] == "403"


def test_collection_flags_apply_on_top_of_roles(taxii: Harness) -> None:
    dropbox = taxii.store.create_collection(
        API_ROOT, "drop box", collection_id="dropbox", can_read=False, can_write=True
    )
    url = f"{taxii.url}{API_ROOT}/collections/{dropbox.id}/objects/"
    director = taxii.http("director")
    assert director.get(url).status_code == 403
    listed = {
        c["id"]: c
        for c in director.get(f"{taxii.url}{API_ROOT}/collections/").json()["collections"]
    }
    assert listed["dropbox"]["can_read"] is False and listed["dropbox"]["can_write"] is True
    partner = taxii.http("partner").get(f"{taxii.url}{API_ROOT}/collections/dropbox/")
    assert partner.status_code == 404  # neither read nor write: not there for them
