"""Bad input gets its TAXII error, and the store is exactly as it was afterwards."""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Iterator

import pytest

from indicators.store import ObjectFilter
from indicators.taxii import ServerConfig
from indicators.tlp import Reader
from tests.indicators.conftest import API_ROOT, TAXII, Harness, start_harness
from tests.indicators.factory import indicator, new_version
from tests.indicators.wire import read_response

POST_HEADERS = {"Content-Type": TAXII}


def snapshot(taxii: Harness) -> list[tuple]:
    """Every stored row of every collection, as the director sees them."""
    rows = []
    for info in taxii.store.collections(API_ROOT):
        page = taxii.store.query(
            API_ROOT, info.id, Reader(is_director=True), ObjectFilter(versions=frozenset({"all"}))
        )
        rows += [(info.id, r.row, r.stix_id, r.version, r.date_added_us, r.body) for r in page.rows]
    return rows


@pytest.fixture(scope="module")
def seeded(taxii: Harness) -> dict:
    rng = random.Random(21)
    obj = indicator(rng, created=5)
    status = taxii.collection("de-analyst", "cert-de").add_objects({"objects": [obj]})
    assert status.success_count == 1
    return obj


@pytest.fixture
def unchanged(taxii: Harness, seeded: dict) -> Iterator[None]:
    """Asserts after the test that no stored row was added, changed or removed."""
    before = snapshot(taxii)
    assert before
    yield
    assert snapshot(taxii) == before


def assert_taxii_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == TAXII
    body = response.json()
    assert body["http_status"] == str(status)
    assert body["title"] and body["description"]
    return body


@pytest.mark.usefixtures("unchanged")
class TestRefusedRequests:
    def test_malformed_json(self, taxii: Harness) -> None:
        response = taxii.http("de-analyst").post(
            taxii.objects_url("cert-de"), data=b'{"objects": [', headers=POST_HEADERS
        )
        assert "JSON" in assert_taxii_error(response, 400)["description"]

    @pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
    def test_nan_and_infinity_are_not_json(self, taxii: Harness, constant: str) -> None:
        obj = indicator(random.Random(5), created=9)
        text = json.dumps({"objects": [{**obj, "x_score": 0}]}).replace(
            '"x_score": 0', f'"x_score": {constant}'
        )
        response = taxii.http("de-analyst").post(
            taxii.objects_url("cert-de"), data=text.encode(), headers=POST_HEADERS
        )
        description = assert_taxii_error(response, 400)["description"]
        assert f"{constant.lstrip('-')} is not a JSON number" in description

    def test_wrong_accept_header(self, taxii: Harness) -> None:
        http = taxii.http("de-analyst")
        http.headers["Accept"] = "application/json"
        assert_taxii_error(http.get(taxii.objects_url("cert-de")), 406)

    def test_wrong_taxii_version_in_accept(self, taxii: Harness) -> None:
        http = taxii.http("de-analyst")
        http.headers["Accept"] = "application/taxii+json;version=2.0"
        assert_taxii_error(http.get(f"{taxii.url}taxii2/"), 406)

    def test_wrong_content_type(self, taxii: Harness) -> None:
        response = taxii.http("de-analyst").post(
            taxii.objects_url("cert-de"),
            data=json.dumps({"objects": [indicator(random.Random(1))]}),
            headers={"Content-Type": "application/json"},
        )
        assert_taxii_error(response, 415)

    @pytest.mark.parametrize(
        "body",
        [
            [{"type": "indicator"}],
            "objects",
            5,
            {"objects": "x"},
            {"items": []},
            {"type": "indicator", "objects": []},
        ],
        ids=["list", "string", "number", "objects-not-list", "no-objects", "stix-object"],
    )
    def test_non_envelope_body(self, taxii: Harness, body: object) -> None:
        response = taxii.http("de-analyst").post(
            taxii.objects_url("cert-de"), data=json.dumps(body), headers=POST_HEADERS
        )
        assert "envelope" in assert_taxii_error(response, 422)["description"]

    @pytest.mark.parametrize(
        "path",
        [
            "nowhere/",
            "nowhere/collections/",
            f"{API_ROOT}/collections/no-such-collection/",
            f"{API_ROOT}/collections/no-such-collection/objects/",
            f"{API_ROOT}/collections/{{cert-de}}/objects/indicator--00000000-0000-4000-8000-000000000000/",
            f"{API_ROOT}/collections/{{cert-de}}/objects/indicator--00000000-0000-4000-8000-000000000000/versions/",
            f"{API_ROOT}/status/00000000-0000-4000-8000-000000000000/",
            "not/a/taxii/path/at/all/",
        ],
    )
    def test_unknown_things_are_404(self, taxii: Harness, path: str) -> None:
        path = path.replace("{cert-de}", taxii.collections["cert-de"])
        assert_taxii_error(taxii.http("de-analyst").get(taxii.url + path), 404)

    def test_delete_of_a_missing_object(self, taxii: Harness) -> None:
        url = taxii.objects_url("cert-de") + "indicator--00000000-0000-4000-8000-000000000000/"
        assert_taxii_error(taxii.http("de-analyst").delete(url), 404)

    @pytest.mark.parametrize("limit", ["-1", "0", "99999999999999999999", "ten", "1.5", ""])
    def test_bad_limit(self, taxii: Harness, limit: str) -> None:
        response = taxii.http("de-analyst").get(
            taxii.objects_url("cert-de"), params={"limit": limit}
        )
        assert "limit" in assert_taxii_error(response, 400)["description"]

    @pytest.mark.parametrize(
        "params",
        [
            {"added_after": "yesterday"},
            {"match[version]": "newest"},
            {"match[id]": ""},
            {"match[colour]": "red"},
        ],
    )
    def test_bad_filters(self, taxii: Harness, params: dict) -> None:
        response = taxii.http("de-analyst").get(taxii.objects_url("cert-de"), params=params)
        body = assert_taxii_error(response, 400)
        assert next(iter(params)).split("[")[0] in body["description"]

    def test_forged_tampered_and_foreign_next(self, taxii: Harness) -> None:
        http = taxii.http("de-analyst")
        url = taxii.objects_url("cert-de")
        extra = indicator(random.Random(2), created=6)
        taxii.store.add_objects(API_ROOT, taxii.collections["cert-de"], [extra])
        try:
            genuine = http.get(url, params={"limit": 1}).json()["next"]
            flipped = genuine[:-2] + ("A" if genuine[-2] != "A" else "B") + genuine[-1]
            for token in ("forged", "A" * 64, flipped):
                response = http.get(url, params={"limit": 1, "next": token})
                assert "next" in assert_taxii_error(response, 400)["description"]
            other_filter = http.get(
                url, params={"limit": 1, "next": genuine, "match[type]": "indicator"}
            )
            assert "different request" in assert_taxii_error(other_filter, 400)["description"]
            other_user = taxii.http("fr-analyst").get(url, params={"limit": 1, "next": genuine})
            assert_taxii_error(other_user, 400)
        finally:
            taxii.store.delete_objects(
                API_ROOT, taxii.collections["cert-de"], extra["id"], Reader(is_director=True)
            )

    @pytest.mark.parametrize(
        "auth", [("de-analyst", "wrong password"), ("nobody", "whatever1"), None]
    )
    def test_bad_credentials(self, taxii: Harness, auth: tuple | None) -> None:
        http = taxii.http(None)
        http.auth = auth
        response = http.get(f"{taxii.url}taxii2/")
        assert_taxii_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        post = http.post(
            taxii.objects_url("cert-de"),
            data=json.dumps({"objects": [indicator(random.Random(3))]}),
            headers=POST_HEADERS,
        )
        assert_taxii_error(post, 401)

    def test_method_not_allowed(self, taxii: Harness) -> None:
        response = taxii.http("de-analyst").put(taxii.objects_url("cert-de"), json={})
        assert_taxii_error(response, 405)


def test_invalid_stix_fails_alone_and_leaves_stored_versions(taxii: Harness, seeded: dict) -> None:
    before = snapshot(taxii)
    rng = random.Random(22)
    good = indicator(rng, created=30)
    broken_version = {**new_version(seeded, 40), "pattern": "[ipv4-addr:value ="}
    missing = {k: v for k, v in indicator(rng, created=31).items() if k != "pattern"}
    wrong_spec = {**indicator(rng, created=32), "spec_version": "2.0"}
    status = taxii.collection("de-analyst", "cert-de").add_objects(
        {"objects": [good, broken_version, missing, wrong_spec, "junk"]}
    )
    assert (status.success_count, status.failure_count) == (1, 4)
    reasons = {f["id"]: f["message"] for f in status.failures}
    assert "pattern" in reasons[seeded["id"]]
    assert "pattern" in reasons[missing["id"]]
    assert "2.1" in reasons[wrong_spec["id"]]
    assert "objects[4]" in reasons
    after = snapshot(taxii)
    assert after[: len(before)] == before  # nothing stored before changed
    assert [r[2] for r in after[len(before) :]] == [good["id"]]
    versions = taxii.collection("de-analyst", "cert-de").object_versions(seeded["id"])
    assert versions["versions"] == [seeded["modified"]]


def test_reposting_the_same_version_changes_nothing(taxii: Harness, seeded: dict) -> None:
    before = snapshot(taxii)
    status = taxii.collection("de-analyst", "cert-de").add_objects({"objects": [seeded]})
    assert status.success_count == 1 and "unchanged" in status.successes[0]["message"]
    assert snapshot(taxii) == before


@pytest.fixture
def small(store_url: str) -> Iterator[Harness]:
    path = store_url
    harness = start_harness(path, ServerConfig(db=path, max_content_length=2000, max_page_size=5))
    try:
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()


def test_body_over_the_limit_is_413(small: Harness) -> None:
    rng = random.Random(23)
    body = json.dumps({"objects": [indicator(rng) for _ in range(20)]})
    assert len(body) > 2000
    before = snapshot(small)
    response = small.http("de-analyst").post(
        small.objects_url("cert-de"), data=body, headers=POST_HEADERS
    )
    assert_taxii_error(response, 413)
    assert snapshot(small) == before


def test_413_comes_before_the_body_is_read(small: Harness) -> None:
    host, port = small.server.host, small.server.port
    path = small.objects_url("cert-de").split(str(port), 1)[1]
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {TAXII}\r\n"
                f"Content-Type: {TAXII}\r\nContent-Length: 1000000000\r\n"
                "Authorization: Basic ZGUtYW5hbHlzdDpjb3JyZWN0IGhvcnNlIGJhdHRlcnk=\r\n\r\n"
                '{"objects": ['
            ).encode()
        )
        reply = read_response(sock).decode()
    assert reply.startswith("HTTP/1.1 413")
    assert '"http_status": "413"' in reply


def test_limit_above_the_page_size_is_clamped(small: Harness) -> None:
    rng = random.Random(24)
    small.store.add_objects(
        API_ROOT, small.collections["cert-de"], [indicator(rng) for _ in range(8)]
    )
    body = small.http("de-analyst").get(small.objects_url("cert-de"), params={"limit": 50}).json()
    assert len(body["objects"]) == 5 and body["more"] is True
