"""Issue 9 over real HTTP: bad input gets a TAXII error (never a 500) and costs only
the object that holds it; TLP cannot be weakened by marking tricks; a post answers
and acts only on what the poster may read.

Input validation here; the TLP rules themselves are unit-tested in test_tlp.py.
"""

from __future__ import annotations

import json
import random

import pytest
import requests

from indicators.errors import StoreError
from indicators.taxii import ServerConfig
from indicators.tlp import (
    RECIPIENTS_EXTENSION_ID,
    TLP2_MARKING_IDS,
    Reader,
    Tlp,
    marking_definition,
    may_read,
)
from indicators.users import team_identity_id
from tests.dbdump import dump_store
from tests.indicators.conftest import TAXII, Harness, start_harness
from tests.indicators.factory import indicator, new_version, stix_id

POST = {"Content-Type": TAXII}
ENDPOINTS = ("objects", "object", "versions", "manifest")


def post_raw(taxii: Harness, user: str, team: str, body: str) -> requests.Response:
    return taxii.http(user).post(taxii.objects_url(team), data=body.encode(), headers=POST)


def post(taxii: Harness, user: str, team: str, objects: list) -> dict:
    response = post_raw(taxii, user, team, json.dumps({"objects": objects}))
    assert response.status_code == 202, response.text
    return response.json()


def assert_error(response: requests.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == TAXII
    description = response.json()["description"]
    for word in words:
        assert word in description


def visible_ids(taxii: Harness, reader: str, team: str, endpoint: str, ident: str) -> set[str]:
    """The ids ``reader`` gets from ``endpoint`` of ``team``'s collection (404: none)."""
    http = taxii.http(reader)
    base = taxii.objects_url(team)
    if endpoint in ("objects", "manifest"):
        url = base if endpoint == "objects" else base.replace("/objects/", "/manifest/")
        response = http.get(url)
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json().get("objects", [])}
    response = http.get(base + ident + "/" + ("versions/" if endpoint == "versions" else ""))
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.text
    body = response.json()
    return {ident} if body.get("objects") or body.get("versions") else set()


# -- 1. lone surrogates ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["value", "name"])
def test_a_lone_surrogate_refuses_its_object_only(taxii: Harness, where: str) -> None:
    rng = random.Random(901 if where == "value" else 902)
    good, bad = indicator(rng), indicator(rng)
    if where == "value":
        bad["name"] = "bad \udc80 name"
        path = "name"
    else:
        bad["x_\udc80"] = "value"
        path = "x_\\udc80"
    body = json.dumps({"objects": [good, bad]})  # ensure_ascii: the JSON escape \udc80
    assert "\\udc80" in body
    before = dump_store(taxii.store.location)
    response = post_raw(taxii, "de-analyst", "cert-de", body)
    assert response.status_code == 202, response.text
    status = response.json()
    assert [s["id"] for s in status["successes"]] == [good["id"]]
    [failure] = status["failures"]
    assert failure["id"] == bad["id"]
    assert f"property {path}" in failure["message"] and "surrogate" in failure["message"]
    after = dump_store(taxii.store.location)
    assert set(before) <= set(after)
    seen = visible_ids(taxii, "de-analyst", "cert-de", "objects", "")
    assert good["id"] in seen and bad["id"] not in seen


# -- 2. deep nesting ------------------------------------------------------------------


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_deeply_nested_bodies_are_refused_before_parsing(taxii: Harness) -> None:
    rng = random.Random(903)
    deep = {**indicator(rng), "x_deep": "DEEP"}
    deep_body = json.dumps({"objects": [indicator(rng), deep]})
    deep_body = deep_body.replace('"DEEP"', "[" * 990 + "1" + "]" * 990)
    before = dump_store(taxii.store.location)
    for body in (
        "[" * 100_000 + "]" * 100_000,
        '{"objects": [' + "[" * 100_000 + "]" * 100_000 + "]}",
        deep_body,
    ):
        response = post_raw(taxii, "de-analyst", "cert-de", body)
        assert_error(response, 400, "nested deeper than 64 levels")
    assert dump_store(taxii.store.location) == before
    ok = indicator(rng)
    ok["x_nested"] = _nested(40)
    assert post(taxii, "de-analyst", "cert-de", [ok])["success_count"] == 1


def test_the_store_refuses_a_deep_object_alone(taxii: Harness) -> None:
    rng = random.Random(904)
    good, deep = indicator(rng), indicator(rng)
    deep["x_deep"] = _nested(990)
    collection = taxii.collections["cert-de"]
    status = taxii.store.add_objects("grapevine", collection, [good, deep], producer="cert-de")
    assert [s["id"] for s in status["successes"]] == [good["id"]]
    [failure] = status["failures"]
    assert failure["id"] == deep["id"]
    assert "property x_deep" in failure["message"]
    assert "nested deeper than 64 levels" in failure["message"]


# -- 3. loose parsing -----------------------------------------------------------------


@pytest.mark.parametrize("limit", ["\uff11\uff10", " 10", "10 ", "10\n", "\u00b2", "+10", "\u0663"])
def test_limit_takes_ascii_digits_only(taxii: Harness, limit: str) -> None:
    response = taxii.http("de-analyst").get(taxii.objects_url("cert-de"), params={"limit": limit})
    assert_error(response, 400, "limit=")


@pytest.mark.parametrize(
    "added_after",
    [
        "2026-03-02T08:00:00Z\n",
        " 2026-03-02T08:00:00Z",
        "2026-03-02T08:00:00." + "1" * 10_000 + "Z",
        "2026-03-02T08:00:00.1234567890Z",
        "\uff12026-03-02T08:00:00Z",
        "2026-03-02T08:00:00",
    ],
    ids=["newline", "space", "10000-digits", "10-digits", "full-width", "no-z"],
)
def test_added_after_is_a_stix_timestamp(taxii: Harness, added_after: str) -> None:
    url = taxii.objects_url("cert-de")
    response = taxii.http("de-analyst").get(url, params={"added_after": added_after})
    assert_error(response, 400, "added_after")


@pytest.mark.parametrize("added_after", ["2026-03-02T08:00:00Z", "2026-03-02T08:00:00.123456789Z"])
def test_added_after_accepts_up_to_nine_fraction_digits(taxii: Harness, added_after: str) -> None:
    url = taxii.objects_url("cert-de")
    response = taxii.http("de-analyst").get(url, params={"added_after": added_after})
    assert response.status_code == 200, response.text


def test_red_recipients_must_be_an_array(taxii: Harness) -> None:
    rng = random.Random(905)
    obj = indicator(rng, tlp=Tlp.RED, recipients=["cert-fr"])
    obj["extensions"][RECIPIENTS_EXTENSION_ID]["recipients"] = {"cert-fr": True}
    status = post(taxii, "de-analyst", "cert-de", [obj])
    [failure] = status["failures"]
    assert "recipients must be a JSON array" in failure["message"]
    assert obj["id"] not in visible_ids(taxii, "fr-analyst", "cert-de", "objects", "")


# -- 4. and 5. TLP markings that must not weaken ----------------------------------------


def _upper(marking_id: str) -> str:
    return "marking-definition--" + marking_id.split("--", 1)[1].upper()


@pytest.fixture(scope="module")
def tricky(taxii: Harness) -> dict[str, tuple[dict, Tlp]]:
    """Objects of cert-de marked with upper-cased TLP ids (object-level and granular)
    and with a granular CLEAR on one property only; each with the level it has."""
    rng = random.Random(906)
    made: dict[str, tuple[dict, Tlp]] = {}
    for level in Tlp:
        obj = indicator(rng, tlp=None)
        obj["object_marking_refs"] = [_upper(TLP2_MARKING_IDS[level])]
        made[f"upper-{level.name}"] = (obj, level)
        obj = indicator(rng, tlp=None)
        obj["granular_markings"] = [
            {"marking_ref": _upper(TLP2_MARKING_IDS[level]), "selectors": ["pattern"]}
        ]
        made[f"granular-upper-{level.name}"] = (obj, max(level, Tlp.AMBER))
    obj = indicator(rng, tlp=None)
    obj["granular_markings"] = [{"marking_ref": TLP2_MARKING_IDS[Tlp.CLEAR], "selectors": ["name"]}]
    made["granular-clear-on-name"] = (obj, Tlp.AMBER)
    for name, (obj, _) in made.items():
        status = post(taxii, "de-analyst", "cert-de", [obj])
        assert status["success_count"] == 1, (name, status)
    return made


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("reader", ["partner", "fr-analyst"])
def test_marking_tricks_do_not_weaken_tlp(
    taxii: Harness, tricky: dict[str, tuple[dict, Tlp]], reader: str, endpoint: str
) -> None:
    who = Reader(is_partner=True) if reader == "partner" else Reader(team="cert-fr")
    wrong = []
    for name, (obj, level) in tricky.items():
        seen = obj["id"] in visible_ids(taxii, reader, "cert-de", endpoint, obj["id"])
        if seen != may_read(who, level, "cert-de"):
            wrong.append((name, seen))
    assert wrong == []


# -- 6. TLP redefinitions -------------------------------------------------------------


def test_tlp_cannot_be_redefined(taxii: Harness) -> None:
    rng = random.Random(907)
    red = marking_definition(Tlp.RED)
    new = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": stix_id("marking-definition", rng),
        "created": "2026-03-01T00:00:00.000Z",
        "name": "TLP:CLEAR",
        "definition_type": "statement",
        "definition": {"statement": "anyone"},
    }
    tlp1 = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": "TLP:RED",
        "definition": {"tlp": "white"},
    }
    bad = [{**red, "name": "TLP:CLEAR"}, new, tlp1]
    status = post(taxii, "de-analyst", "cert-de", [*bad, marking_definition(Tlp.AMBER)])
    assert [s["id"] for s in status["successes"]] == [TLP2_MARKING_IDS[Tlp.AMBER]]
    assert len(status["failures"]) == 3
    for failure in status["failures"]:
        assert "would redefine TLP" in failure["message"]
    for reader in ("partner", "fr-analyst"):
        seen = visible_ids(taxii, reader, "cert-de", "objects", "")
        assert not {b["id"] for b in bad} & seen


# -- 7. hidden objects leave no trace in a post's answer --------------------------------


def test_reposting_a_hidden_object_answers_as_a_fresh_store(taxii: Harness) -> None:
    rng = random.Random(908)
    strict = indicator(rng, tlp=Tlp.AMBER_STRICT, created_by=team_identity_id("cert-fr"))
    red_sco = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": stix_id("ipv4-addr", rng),
        "value": "203.0.113.99",
        "object_marking_refs": [TLP2_MARKING_IDS[Tlp.RED]],
    }
    assert post(taxii, "director", "cert-de", [strict, red_sco])["success_count"] == 2
    fresh_sco = {**red_sco, "id": stix_id("ipv4-addr", rng), "value": "203.0.113.98"}
    fresh = indicator(rng, tlp=Tlp.AMBER_STRICT)
    # cert-de may not publish as cert-fr: repost the hidden strict object unattributed.
    repost = {k: v for k, v in strict.items() if k != "created_by_ref"}
    before = dump_store(taxii.store.location)
    hidden = post(taxii, "de-analyst", "cert-de", [repost, red_sco])
    assert [set(s) for s in hidden["successes"]] == [{"id", "version"}] * 2, hidden
    assert hidden["successes"][0]["version"] == strict["modified"]
    stored_sco = taxii.store.query(
        "grapevine", taxii.collections["cert-de"], Reader(is_director=True), object_id=red_sco["id"]
    ).rows[0]
    assert hidden["successes"][1]["version"] != stored_sco.date_added
    after = dump_store(taxii.store.location)
    objects_before = [line for line in before if 'INTO "objects"' in line]
    assert [line for line in after if 'INTO "objects"' in line] == objects_before
    new = post(taxii, "de-analyst", "cert-de", [fresh, fresh_sco])
    assert [set(s) for s in new["successes"]] == [{"id", "version"}] * 2


# -- 8. versions of another team's object -----------------------------------------------


def test_a_team_may_not_version_another_teams_object(taxii: Harness) -> None:
    rng = random.Random(909)
    theirs = indicator(rng, created=1, created_by=team_identity_id("cert-de"))
    unattributed = indicator(rng, created=1)
    assert post(taxii, "de-analyst", "cert-de", [theirs])["success_count"] == 1
    assert post(taxii, "director", "cert-de", [unattributed])["success_count"] == 1
    sco = {"type": "ipv4-addr", "spec_version": "2.1", "id": stix_id("ipv4-addr", rng),
           "value": "198.51.100.200"}  # fmt: skip
    assert post(taxii, "de-analyst", "cert-de", [sco])["success_count"] == 1
    newer = {
        k: v for k, v in new_version(theirs, 60, name="changed").items() if k != "created_by_ref"
    }
    newer_unattributed = new_version(unattributed, 60, name="changed")
    before = dump_store(taxii.store.location)
    status = post(taxii, "fr-analyst", "cert-fr", [newer, newer_unattributed, sco])
    reasons = {f["id"]: f["message"] for f in status["failures"]}
    assert "published by team 'cert-de'" in reasons[theirs["id"]]
    assert "first published in the collection of team 'cert-de'" in reasons[unattributed["id"]]
    assert [s["id"] for s in status["successes"]] == [sco["id"]]  # an SCO belongs to nobody
    objects_before = [line for line in before if 'INTO "objects"' in line]
    after = [line for line in dump_store(taxii.store.location) if 'INTO "objects"' in line]
    assert after[: len(objects_before)] == objects_before and len(after) == len(objects_before) + 1
    director = post(taxii, "director", "cert-fr", [newer])
    assert director["success_count"] == 1 and not director["failures"]


def test_the_depth_limit_is_a_setting(store_url: str) -> None:
    with pytest.raises(StoreError, match="max_json_depth"):
        ServerConfig(max_json_depth=3)
    path = store_url
    harness = start_harness(path, ServerConfig(db=path, max_json_depth=8))
    try:
        rng = random.Random(910)
        obj = {**indicator(rng), "x_list": _nested(6)}  # envelope, list, object, 6 lists: 9
        response = post_raw(harness, "de-analyst", "cert-de", json.dumps({"objects": [obj]}))
        assert_error(response, 400, "nested deeper than 8 levels")
        obj["x_list"] = _nested(5)
        assert post(harness, "de-analyst", "cert-de", [obj])["success_count"] == 1
    finally:
        harness.server.stop()
        harness.store.close()
