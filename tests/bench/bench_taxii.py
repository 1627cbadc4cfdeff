"""TAXII server throughput: ours vs medallion's memory backend, same run, real HTTP.

Both servers run under waitress on loopback with the same thread count and are
driven by the same ``requests`` session code: POST 2,500 objects in envelopes of
100, then read every page of the collection with ``limit=100`` (objects and
manifest). Figures are objects per second; ratio > 1 means ours is faster.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from medallion import connect_to_backend, register_blueprints, set_config

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.users import PasswordPolicy, Role, User
from tests.indicators.factory import indicator

TAXII = "application/taxii+json;version=2.1"
OBJECTS = 2500
ENVELOPE = 100
PAGE = 100
USER, PASSWORD = "bench", "bench password"


def _objects() -> list[dict]:
    rng = random.Random(2500)
    return [indicator(rng, created=i, value=f"203.0.113.{i % 250}") for i in range(OBJECTS)]


def _post_all(session: requests.Session, url: str, objs: list[dict]) -> float:
    started = time.perf_counter()
    for start in range(0, len(objs), ENVELOPE):
        response = session.post(
            url,
            data=json.dumps({"objects": objs[start : start + ENVELOPE]}),
            headers={"Content-Type": TAXII},
        )
        response.raise_for_status()
        assert response.json()["success_count"] == len(objs[start : start + ENVELOPE])
    return len(objs) / (time.perf_counter() - started)


def _page_all(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    seen, params = 0, {"limit": PAGE}
    while True:
        response = session.get(url, params=params)
        response.raise_for_status()
        body = response.json()
        seen += len(body.get("objects", []))
        if not body.get("more"):
            break
        params = {"limit": PAGE, "next": body["next"]}
    assert seen == OBJECTS, seen
    return seen / (time.perf_counter() - started)


def _session() -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = TAXII
    session.auth = (USER, PASSWORD)
    return session


def _measure(app: Callable, collection_url: str) -> dict[str, float]:
    with TaxiiServer(app, threads=4, max_request_body_size=50 * 1024 * 1024) as server:
        session = _session()
        base = server.url + collection_url
        post = _post_all(session, base + "objects/", _objects())
        objects = _page_all(session, base + "objects/")
        manifest = _page_all(session, base + "manifest/")
        return {"post": post, "objects": objects, "manifest": manifest}


def _ours(tmp: Path) -> dict[str, float]:
    store = Store.open(tmp / "bench.db")
    try:
        app = create_app(ServerConfig(db=str(tmp / "bench.db")), store=store)
        coll = store.create_collection("grapevine", "bench", collection_id="bench")
        store.add_user(User(USER, Role.DIRECTOR), PasswordPolicy().hash(PASSWORD))
        return _measure(app, f"grapevine/collections/{coll.id}/")
    finally:
        store.close()


def _medallion(tmp: Path) -> dict[str, float]:
    data = {
        "/discovery": {"title": "reference", "api_roots": ["http://localhost/api1/"]},
        "api1": {
            "information": {
                "title": "api1",
                "versions": [TAXII],
                "max_content_length": 50 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": "bench",
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    path = tmp / "medallion.json"
    path.write_text(json.dumps(data))
    app = Flask("medallion-reference")
    set_config(app, "users", {"users": {USER: PASSWORD}})
    set_config(app, "taxii", {"taxii": {"max_page_size": 1000}})
    app.medallion_backend = connect_to_backend(
        {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(path),
            "session_timeout": 600,
        }
    )
    register_blueprints(app)
    return _measure(app, "api1/collections/bench/")


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-taxii-") as tmp:
        ours = _ours(Path(tmp))
        ref = _medallion(Path(tmp))
    labels = {
        "post": f"POST {OBJECTS} objects, envelopes of {ENVELOPE} (objects/s)",
        "objects": f"GET objects, every page of {OBJECTS}, limit={PAGE} (objects/s)",
        "manifest": f"GET manifest, every page of {OBJECTS}, limit={PAGE} (entries/s)",
    }
    return [
        {
            "measure": labels[key],
            "grapevine": round(ours[key], 1),
            "medallion memory": round(ref[key], 1),
            "ratio": round(ours[key] / ref[key], 2),
        }
        for key in labels
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
