"""indicators/taxii/app.py: the factory, authentication, and apps side by side."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from medallion import connect_to_backend, register_blueprints, set_config

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.users import Role, User
from tests.indicators.conftest import API_ROOT, FAST_POLICY, PASSWORD, TAXII, Harness, start_harness
from tests.indicators.factory import indicator


def test_importing_the_package_creates_no_app() -> None:
    import indicators.taxii.app as module

    assert not [v for v in vars(module).values() if isinstance(v, Flask)]


def test_two_servers_in_one_process_keep_their_own_users(new_db: Callable[[str], str]) -> None:
    one = start_harness(new_db("one"))
    two = start_harness(new_db("two"))
    try:
        one.store.add_user(User("only-one", Role.DIRECTOR), FAST_POLICY.hash(PASSWORD))
        assert one.http("only-one").get(f"{one.url}taxii2/").status_code == 200
        assert two.http("only-one").get(f"{two.url}taxii2/").status_code == 401
        rng = random.Random(1)
        one.collection("de-analyst", "cert-de").add_objects({"objects": [indicator(rng)]})
        assert two.collection("de-analyst", "cert-de").get_objects() == {"more": False}
    finally:
        for harness in (one, two):
            harness.server.stop()
            harness.store.close()


def test_a_medallion_app_still_works_beside_ours(taxii: Harness, tmp_path: Path) -> None:
    data = tmp_path / "medallion.json"
    data.write_text(json.dumps({"/discovery": {"title": "ref", "api_roots": []}}))
    reference = Flask("reference")
    set_config(reference, "users", {"users": {"ref": "refpass"}})
    set_config(reference, "taxii", {"taxii": {"max_page_size": 10}})
    reference.medallion_backend = connect_to_backend(
        {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data),
        }
    )
    register_blueprints(reference)
    with TaxiiServer(reference) as ref:
        ok = requests.get(f"{ref.url}taxii2/", headers={"Accept": TAXII}, auth=("ref", "refpass"))
        assert ok.status_code == 200 and ok.json()["title"] == "ref"
        assert taxii.http("ref", "refpass").get(f"{taxii.url}taxii2/").status_code == 401
        mine = requests.get(
            f"{ref.url}taxii2/", headers={"Accept": TAXII}, auth=("director", PASSWORD)
        )
        assert mine.status_code == 401
    assert taxii.http("director").get(f"{taxii.url}taxii2/").status_code == 200


def test_public_url_sets_discovery_urls(store_url: str) -> None:
    path = store_url
    harness = start_harness(path, ServerConfig(db=path, public_url="https://taxii.example.org/cti"))
    try:
        body = harness.http("partner").get(f"{harness.url}taxii2/").json()
        assert body["api_roots"] == [f"https://taxii.example.org/cti/{API_ROOT}/"]
        assert body["default"] == f"https://taxii.example.org/cti/{API_ROOT}/"
    finally:
        harness.server.stop()
        harness.store.close()


def test_password_change_and_removal_take_effect_at_once(taxii: Harness) -> None:
    taxii.store.add_user(User("temp", Role.PARTNER), FAST_POLICY.hash(PASSWORD))
    url = f"{taxii.url}taxii2/"
    assert taxii.http("temp").get(url).status_code == 200
    taxii.store.set_password_hash("temp", FAST_POLICY.hash("a new password"))
    assert taxii.http("temp").get(url).status_code == 401
    assert taxii.http("temp", "a new password").get(url).status_code == 200
    taxii.store.remove_user("temp")
    assert taxii.http("temp", "a new password").get(url).status_code == 401


def test_a_store_without_users_serves_nobody(store_url: str) -> None:
    store = Store.open(store_url)
    app = create_app(ServerConfig(db=store_url), store=store)
    try:
        with TaxiiServer(app) as server:
            for auth in (("user", "pass"), ("admin", "admin"), None):
                response = requests.get(
                    f"{server.url}taxii2/", headers={"Accept": TAXII}, auth=auth
                )
                assert response.status_code == 401
        assert store.users() == []
    finally:
        store.close()


def test_api_root_information(taxii: Harness) -> None:
    body = taxii.http("partner").get(f"{taxii.url}{API_ROOT}/").json()
    assert body["versions"] == [TAXII]
    assert body["max_content_length"] == taxii.config.max_content_length
    assert body["title"] == taxii.config.title


def test_head_answers_like_get_without_a_body(taxii: Harness) -> None:
    rng = random.Random(31)
    obj = indicator(rng, created=3)
    taxii.store.add_objects(API_ROOT, taxii.collections["cert-de"], [obj])
    session = taxii.http("de-analyst")
    for url in (taxii.objects_url("cert-de"), f"{taxii.objects_url('cert-de')}{obj['id']}/"):
        got, head = session.get(url), session.head(url)
        assert got.status_code == head.status_code == 200, head.text
        assert head.content == b""
        for name in (
            "Content-Type",
            "Content-Length",
            "X-TAXII-Date-Added-First",
            "X-TAXII-Date-Added-Last",
        ):
            assert head.headers[name] == got.headers[name], name


def test_a_request_without_accept_is_told_the_media_type(taxii: Harness) -> None:
    session = taxii.http("de-analyst")
    del session.headers["Accept"]
    response = session.get(taxii.url + "taxii2/", headers={"Accept": None})
    assert response.status_code == 406
    assert TAXII in response.json()["description"]
