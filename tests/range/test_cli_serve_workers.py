"""``grapevine serve --workers N`` as processes: a real gunicorn arbiter and its
workers on a free loopback port, over a real PostgreSQL store (``tests.postgres``).

TAXII through 4 workers: concurrent writers from several taxii2-client clients lose
nothing, and readers paging with ``next`` while they write never skip nor repeat an
object. With a scenario: range API actions through the workers reach the one engine
and are logged once, a long-poll wakes when the engine logs an event, and the TAXII
and API rules still hold. A SQLite store refuses more than one worker.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from taxii2client.v21 import Collection, as_pages

from indicators.store import Store
from indicators.users import Role, User
from tests.indicators.certs import make_ca_and_server_cert
from tests.indicators.conftest import FAST_POLICY, PASSWORD
from tests.range.conftest import TINY
from tests.range.processes import launch, stop
from tests.range.test_cli_serve import TAXII, _server_url

WORKERS = 4
WRITERS = 4
ENVELOPES = 5
PER_ENVELOPE = 25


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _arbiters(pid: int) -> list[int]:
    """The children of ``pid`` but multiprocessing's resource tracker."""
    return [
        child
        for child in _children(pid)
        if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "State:\tZ" not in _status(pid)


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return ""


def _until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _indicator(n: int) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-03-02T08:00:00.000Z",
        "modified": "2026-03-02T08:00:00.000Z",
        "pattern": f"[ipv4-addr:value = '203.0.113.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-03-02T08:00:00Z",
        "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],
    }


@pytest.fixture
def pg_store(postgres) -> Iterator[tuple[str, str]]:
    """A PostgreSQL store with a team collection ``cert-de`` and its analyst, a second
    team's analyst and a partner; its URL and the collection's id."""
    url = postgres.create_database()
    with Store.open(url) as store:
        store.ensure_api_root("grapevine", "Grapevine")
        collection = store.provision_team("cert-de", "grapevine").id
        store.provision_team("cert-fr", "grapevine")
        for name, role, team in (
            ("de-analyst", Role.TEAM, "cert-de"),
            ("fr-analyst", Role.TEAM, "cert-fr"),
            ("partner", Role.PARTNER, None),
        ):
            store.add_user(User(name, role, team), FAST_POLICY.hash(PASSWORD))
    yield url, collection


def test_taxii_writes_and_pages_through_four_workers(pg_store):
    url, collection_id = pg_store
    proc, lines = launch("serve", "--db", url, "--port", "0", "--workers", str(WORKERS))
    try:
        assert f"{WORKERS} worker processes" in "\n".join(lines), lines
        assert _until(lambda: len(_children(proc.pid)) == WORKERS)
        base = _server_url(lines)
        coll_url = f"{base}grapevine/collections/{collection_id}/"

        def write(writer: int) -> list[str]:
            collection = Collection(coll_url, user="de-analyst", password=PASSWORD)
            ids: list[str] = []
            for envelope in range(ENVELOPES):
                objects = [_indicator(writer * 1000 + envelope * 100 + i)
                           for i in range(PER_ENVELOPE)]  # fmt: skip
                status = collection.add_objects({"objects": objects}, wait_for_completion=False)
                assert status.status == "complete" and status.success_count == PER_ENVELOPE
                ids += [o["id"] for o in objects]
            return ids

        passes: list[list[str]] = []
        writing = threading.Event()

        def page_while_writing() -> None:
            collection = Collection(coll_url, user="fr-analyst", password=PASSWORD)
            while writing.is_set() or not passes:
                seen = [o["id"] for env in as_pages(collection.get_objects, per_request=40)
                        for o in env.get("objects", [])]  # fmt: skip
                passes.append(seen)

        writing.set()
        reader = threading.Thread(target=page_while_writing)
        reader.start()
        with ThreadPoolExecutor(WRITERS) as pool:
            written = list(itertools.chain.from_iterable(pool.map(write, range(WRITERS))))
        writing.clear()
        reader.join(60)

        final = Collection(coll_url, user="partner", password=PASSWORD)
        order = [o["id"] for env in as_pages(final.get_objects, per_request=100)
                 for o in env.get("objects", [])]  # fmt: skip
        assert len(written) == WRITERS * ENVELOPES * PER_ENVELOPE
        assert sorted(order) == sorted(written)  # nothing lost, nothing twice
        assert len(passes) >= 2
        for seen in passes:
            assert len(seen) == len(set(seen)), "a page repeated an object"
            # keyset order: each pass read a prefix of the final order, no hole in it
            assert set(seen) == set(order[: len(seen)]), "a page skipped an object"
    finally:
        assert stop(proc) == 0
    assert _until(lambda: not _alive(proc.pid))


def test_taxii_tlp_holds_through_the_workers(pg_store):
    url, collection_id = pg_store
    proc, lines = launch("serve", "--db", url, "--port", "0", "--workers", "2")
    try:
        base = _server_url(lines)
        objects = f"{base}grapevine/collections/{collection_id}/objects/"
        amber = _indicator(7) | {
            "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
        }
        posted = requests.post(
            objects, json={"objects": [amber]}, auth=("de-analyst", PASSWORD),
            headers={"Accept": TAXII, "Content-Type": TAXII}, timeout=30,
        )  # fmt: skip
        assert posted.status_code == 202, posted.text
        for user, visible in (("de-analyst", True), ("fr-analyst", True), ("partner", False)):
            for _ in range(WORKERS):  # several connections: several workers
                got = requests.get(objects, auth=(user, PASSWORD), headers={"Accept": TAXII},
                                   timeout=30).json()  # fmt: skip
                ids = [o["id"] for o in got.get("objects", [])]
                assert (amber["id"] in ids) is visible, user
        wrong = requests.get(objects, auth=("partner", "nope"), headers={"Accept": TAXII},
                             timeout=30)  # fmt: skip
        assert wrong.status_code == 401
    finally:
        assert stop(proc) == 0


def test_wrong_passwords_back_off_across_the_workers(pg_store):
    """Each wrong password on a connection of its own, so spread over the workers: the
    back-off starts after --login-failures of them in all, not that many per worker."""
    url, collection_id = pg_store
    proc, lines = launch(
        "serve", "--db", url, "--port", "0", "--workers", str(WORKERS), "--login-failures", "3"
    )
    try:
        objects = f"{_server_url(lines)}grapevine/collections/{collection_id}/objects/"
        answers = [
            requests.get(objects, auth=("partner", f"guess {n}"), headers={"Accept": TAXII},
                         timeout=30).status_code
            for n in range(4)
        ]  # fmt: skip
        assert answers == [401, 401, 401, 429]
        # counted in the store, where every worker reads them (which worker took which
        # connection is the kernel's choice: often the same one)
        with Store.open(url) as store:
            name = store.login_failure("name", hashlib.sha256(b"partner").hexdigest())
            address = store.login_failure("address", hashlib.sha256(b"127.0.0.1").hexdigest())
        assert name is not None and name.failures == 3
        assert address is not None and address.failures == 3
    finally:
        assert stop(proc) == 0


# -- with an exercise -------------------------------------------------------------------


@pytest.fixture
def exercise_db(postgres) -> str:
    url = postgres.create_database()
    with Store.open(url) as store:
        for name, role, team in (
            ("director", Role.DIRECTOR, None),
            ("ee-analyst", Role.TEAM, "ee"),
            ("lv-analyst", Role.TEAM, "lv"),
        ):
            store.add_user(User(name, role, team), FAST_POLICY.hash(PASSWORD))
    return url


def _session(user: str) -> requests.Session:
    session = requests.Session()
    session.auth = (user, PASSWORD)
    return session


def test_the_range_api_through_four_workers_reaches_the_one_engine(exercise_db):
    proc, lines = launch("serve", str(TINY), "--db", exercise_db, "--port", "0",
                         "--workers", str(WORKERS), "--speed", "1")  # fmt: skip
    try:
        text = "\n".join(lines)
        assert "Exercise 'Tiny range' (waiting for the director's start)" in text, lines
        assert f"{WORKERS} worker processes; the engine on http://127.0.0.1:" in text
        # this process (the engine) and one child, the arbiter, with the workers
        assert _until(lambda: len(_arbiters(proc.pid)) == 1)
        (arbiter,) = _arbiters(proc.pid)
        assert _until(lambda: len(_children(arbiter)) == WORKERS)
        workers = _children(arbiter)
        api = _server_url(lines) + "api"
        assert _session("director").post(f"{api}/director/start", timeout=30).status_code == 200

        # a long-poll through a worker wakes when the engine logs an event
        cursor = _session("ee-analyst").get(f"{api}/events", timeout=30).json()["last_seq"]
        # (the running exercise logs other events too, so the poller follows the cursor
        # until the message is among what it was woken with)
        woken: list[dict] = []

        def follow() -> None:
            after, session = cursor, _session("ee-analyst")
            give_up = time.monotonic() + 20
            while time.monotonic() < give_up:
                page = session.get(f"{api}/events", params={"after": after, "wait": 25},
                                   timeout=40).json()  # fmt: skip
                woken.extend(page["events"])
                after = page["last_seq"]
                if "wake" in [e.get("text") for e in page["events"]]:
                    return

        poll = threading.Thread(target=follow)
        began = time.monotonic()
        poll.start()
        sent = _session("director").post(
            f"{api}/director/messages", json={"text": "wake", "to": ["ee"]}, timeout=30
        )
        assert sent.status_code == 200, sent.text
        poll.join(40)
        assert time.monotonic() - began < 20
        assert "wake" in [e.get("text") for e in woken]

        # an event stream through a worker flows event by event
        with _session("ee-analyst").get(f"{api}/events/stream", params={"after": cursor},
                                        stream=True, timeout=30) as stream:  # fmt: skip
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            frames = stream.iter_lines(decode_unicode=True)
            seen = [next(frames)]
            assert seen == ["retry: 1000"]
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and '"text":"wake"' not in seen[-1]:
                seen.append(next(frames))  # the events after the cursor: "wake" among them
            assert seen[-2] == "event: message" and '"text":"wake"' in seen[-1], seen
            _session("director").post(
                f"{api}/director/messages", json={"text": "streamed", "to": ["ee"]}, timeout=30
            )
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and '"text":"streamed"' not in seen[-1]:
                seen.append(next(frames))
            assert '"text":"streamed"' in seen[-1]

        # actions from several clients at once, each on connections of its own
        texts = [f"action {i}" for i in range(24)]  # "streamed" and "wake" were logged once too

        def act(text: str) -> int:
            answer = _session("director").post(
                f"{api}/director/messages", json={"text": text}, timeout=30
            )
            return answer.status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(act, texts)) == {200}
        events = _session("director").get(f"{api}/events", params={"limit": 1000},
                                          timeout=30).json()["events"]  # fmt: skip
        logged = [e["text"] for e in events if e["kind"] == "message"]
        assert sorted(t for t in logged if t.startswith("action")) == sorted(texts)
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(set(seqs))

        # the engine's rules hold through the workers
        other = _session("ee-analyst").get(f"{api}/teams/lv/alerts", timeout=30)
        assert other.status_code == 403 and other.json()["error"]["field"] == "team"
        wrong = requests.get(f"{api}/exercise", auth=("director", "nope"), timeout=30)
        assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "authorization"
        taxii = _session("ee-analyst").get(_server_url(lines) + "taxii2/",
                                           headers={"Accept": TAXII}, timeout=30)  # fmt: skip
        assert taxii.status_code == 200
    finally:
        assert stop(proc) == 0
    assert _until(lambda: not any(_alive(p) for p in (arbiter, *workers)))


def test_more_than_one_worker_needs_postgresql(tmp_path):
    db = tmp_path / "grapevine.db"
    proc, _ = launch("serve", "--db", str(db), "--port", "0", "--workers", "4")
    assert proc.wait(timeout=30) == 2
    assert "--workers 4 needs a PostgreSQL store" in proc.stderr.read()


def test_one_worker_serves_a_sqlite_store(tmp_path):
    db = tmp_path / "grapevine.db"
    with Store.open(db) as store:
        store.add_user(User("partner", Role.PARTNER), FAST_POLICY.hash(PASSWORD))
    proc, lines = launch("serve", "--db", str(db), "--port", "0", "--workers", "1")
    try:
        got = requests.get(_server_url(lines) + "taxii2/", auth=("partner", PASSWORD),
                           headers={"Accept": TAXII}, timeout=30)  # fmt: skip
        assert got.status_code == 200 and got.json()["default"].endswith("/grapevine/")
    finally:
        assert stop(proc) == 0


def test_the_workers_stop_when_the_engine_is_killed(exercise_db):
    proc, lines = launch("serve", str(TINY), "--db", exercise_db, "--port", "0",
                         "--workers", "2")  # fmt: skip
    assert _until(lambda: len(_arbiters(proc.pid)) == 1), lines
    (arbiter,) = _arbiters(proc.pid)
    assert _until(lambda: len(_children(arbiter)) == 2)
    workers = _children(arbiter)
    proc.kill()  # no chance to stop them itself
    proc.wait(timeout=10)
    assert _until(lambda: not any(_alive(p) for p in (arbiter, *workers)), timeout=30)


def test_the_workers_serve_https(pg_store, tmp_path):
    url, _ = pg_store
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    proc, lines = launch("serve", "--db", url, "--port", "0", "--workers", "2",
                         "--cert", str(cert), "--key", str(key))  # fmt: skip
    try:
        base = re.search(r"server on (https://127\.0\.0\.1:\d+/)", "\n".join(lines)).group(1)
        got = requests.get(base + "taxii2/", auth=("partner", PASSWORD),
                           headers={"Accept": TAXII}, verify=str(ca), timeout=30)  # fmt: skip
        assert got.status_code == 200
        assert got.json()["default"] == base + "grapevine/"
    finally:
        assert stop(proc) == 0


def test_workers_that_cannot_bind_stop_the_exercise(exercise_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc, lines = launch("serve", str(TINY), "--db", exercise_db, "--port", str(port),
                             "--workers", "2")  # fmt: skip
        assert proc.wait(timeout=60) == 1, lines
    assert "error: the worker processes did not start" in proc.stderr.read()
