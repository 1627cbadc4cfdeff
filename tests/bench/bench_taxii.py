"""TAXII server throughput: ours vs medallion's memory backend, same run, real HTTP.

Both servers run under waitress on loopback with the same thread count and are
driven by the same ``requests`` session code: POST 2,500 objects in envelopes of
100, then read every page of the collection with ``limit=100`` (objects and
manifest). Figures are objects per second; ratio > 1 means ours is faster.

Then login resilience: a logged-in client's latency (median and p95, ms) reading
discovery alone, and while 16 threads (each from its own loopback address) send
wrong passwords for other user names, with the default login limits and with the
back-off and check bound switched off (what the server did before it had them).
"""

from __future__ import annotations

import json
import logging
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from medallion import connect_to_backend, register_blueprints, set_config
from requests.adapters import HTTPAdapter

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.taxii.config import LoginLimits
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


def _ours_app(path: Path) -> tuple[Callable, str, Callable[[], None]]:
    """(our app on a new store at ``path``, its collection URL path, close)."""
    store = Store.open(path)
    app = create_app(ServerConfig(db=str(path)), store=store)
    coll = store.create_collection("grapevine", "bench", collection_id="bench")
    store.add_user(User(USER, Role.DIRECTOR), PasswordPolicy().hash(PASSWORD))
    return app, f"grapevine/collections/{coll.id}/", store.close


def _ours(tmp: Path) -> dict[str, float]:
    app, collection_url, close = _ours_app(tmp / "bench.db")
    try:
        return _measure(app, collection_url)
    finally:
        close()


def _medallion_app(tmp: Path) -> tuple[Flask, str]:
    """(medallion 3.0's memory backend app with one empty collection, its URL path)."""
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
    return app, "api1/collections/bench/"


def _medallion(tmp: Path) -> dict[str, float]:
    return _measure(*_medallion_app(tmp))


ATTACKERS = 16
SAMPLES = 60
UNGUARDED = LoginLimits(free_failures=10**9, concurrent_checks=64)
"""No back-off and no bound on concurrent argon2 checks."""


def _latencies(base: str, session: requests.Session, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        session.get(base + "taxii2/", timeout=120).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _guess(base: str, index: int, stop: threading.Event, counts: dict[int, int]) -> None:
    adapter = HTTPAdapter()
    adapter.init_poolmanager(1, 1, source_address=(f"127.0.0.{index + 2}", 0))
    with requests.Session() as session:
        session.mount("http://", adapter)
        for attempt in range(10_000):  # bounded, and stopped when the measurement ends
            if stop.is_set():
                break
            response = session.get(
                base + "taxii2/",
                auth=(f"guess-{index}-{attempt % 50}", "wrong password"),
                headers={"Accept": TAXII},
                timeout=120,
            )
            counts[response.status_code] = counts.get(response.status_code, 0) + 1


def _login_latency(tmp: Path, limits: LoginLimits, attackers: int) -> tuple[list[float], dict]:
    path = tmp / f"login-{attackers}-{limits.free_failures}.db"
    store = Store.open(path)
    try:
        app = create_app(ServerConfig(db=str(path), logins=limits), store=store)
        store.add_user(User(USER, Role.DIRECTOR), PasswordPolicy().hash(PASSWORD))
        with TaxiiServer(app) as server:
            session = _session()
            session.get(server.url + "taxii2/").raise_for_status()  # logged in
            stop, counts = threading.Event(), {}
            threads = [
                threading.Thread(target=_guess, args=(server.url, i, stop, counts))
                for i in range(attackers)
            ]
            for thread in threads:
                thread.start()
            try:
                # Unguarded, each answer takes seconds: fewer samples keep the run short.
                samples = SAMPLES if limits.free_failures < UNGUARDED.free_failures else 20
                times = _latencies(server.url, session, samples)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(120)
            return times, counts
    finally:
        store.close()


def _login_rows(tmp: Path) -> list[dict]:
    logging.getLogger("indicators.taxii.auth").setLevel(logging.ERROR)  # one line per guess
    runs = {
        "alone": _login_latency(tmp, LoginLimits(), 0),
        f"{ATTACKERS} guessing": _login_latency(tmp, LoginLimits(), ATTACKERS),
        f"{ATTACKERS} guessing, no back-off": _login_latency(tmp, UNGUARDED, ATTACKERS),
    }
    rows = []
    for label, pick in (("median", statistics.median), ("p95", _p95)):
        row: dict = {"measure": f"logged-in GET discovery, {label} latency (ms)"}
        row.update({name: round(pick(times), 1) for name, (times, _) in runs.items()})
        row["grapevine"] = " / ".join(f"{name} {row[name]:,}" for name in runs)
        row["reference"] = "target: guessing does not slow a logged-in user"
        rows.append(row)
    answers = {name: counts for name, (_, counts) in runs.items() if counts}
    rows.append(
        {
            "measure": "wrong-password answers by status",
            "grapevine": " / ".join(f"{name}: {counts}" for name, counts in answers.items()),
            **answers,
        }
    )
    return rows


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-taxii-") as tmp:
        ours = _ours(Path(tmp))
        ref = _medallion(Path(tmp))
        logins = _login_rows(Path(tmp))
    labels = {
        "post": f"POST {OBJECTS} objects, envelopes of {ENVELOPE} (objects/s)",
        "objects": f"GET objects, every page of {OBJECTS}, limit={PAGE} (objects/s)",
        "manifest": f"GET manifest, every page of {OBJECTS}, limit={PAGE} (entries/s)",
    }
    return [
        {
            "measure": labels[key],
            "grapevine": round(ours[key], 1),
            "reference": f"medallion 3.0 memory {ref[key]:,.1f}",
            "medallion memory": round(ref[key], 1),
            "ratio": round(ours[key] / ref[key], 2),
        }
        for key in labels
    ] + logins


if __name__ == "__main__":
    for row in run():
        print(row)
