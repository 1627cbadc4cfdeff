"""``grapevine serve`` and ``grapevine play`` as processes, reached over HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests

from range.cli import main
from tests.range.processes import ROOT, launch, stop

TAXII = "application/taxii+json;version=2.1"


def _server_url(lines: list[str]) -> str:
    """The base URL the server announced on loopback."""
    return re.search(r"server on (http://127\.0\.0\.1:\d+/)", "\n".join(lines)).group(1)


def _add_user(db: str, name: str, *options: str, password: str) -> subprocess.CompletedProcess:
    """Run ``grapevine users add NAME OPTIONS --password-stdin --db DB`` as a process."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "range.cli",
            "users",
            "add",
            name,
            *options,
            "--password-stdin",
            "--db",
            db,
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_serve_starts_without_users_and_says_how_to_add_one(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    proc, lines = launch("serve", "--db", str(db), "--port", "0")
    try:
        text = "\n".join(lines)
        url = _server_url(lines)
        assert "no users yet" in text and "grapevine users add" in text
        assert lines[0] == f"created a new store at {db}"
        response = requests.get(f"{url}taxii2/", headers={"Accept": TAXII}, timeout=10)
        assert response.status_code == 401
    finally:
        assert stop(proc) == 0


def test_serve_answers_a_user_added_with_the_cli(tmp_path: Path) -> None:
    db = str(tmp_path / "g.db")
    done = _add_user(db, "ana", "--role", "partner", password="a partner password")
    assert done.returncode == 0, done.stderr
    proc, lines = launch("serve", "--db", db, "--port", "0", "--public-url", "https://x.example")
    try:
        text = "\n".join(lines)
        url = _server_url(lines)
        assert "no users yet" not in text and "created" not in text
        body = requests.get(
            f"{url}taxii2/",
            headers={"Accept": TAXII},
            auth=("ana", "a partner password"),
            timeout=10,
        ).json()
        assert body["api_roots"] == ["https://x.example/grapevine/"]
    finally:
        assert stop(proc) == 0


def test_play_prints_how_to_reach_the_server_and_the_account_works(tmp_path: Path) -> None:
    scenario = str(Path(__file__).parent / "bots" / "data" / "two-teams.yaml")
    proc, lines = launch("play", scenario, "--out", str(tmp_path / "run"))
    try:
        text = "\n".join(lines)
        url = _server_url(lines)
        password = re.search(r"user player, password (\S+)", text).group(1)
        from taxii2client.v21 import Server

        server = Server(f"{url}taxii2/", user="player", password=password)
        collections = server.default.collections
        # the player's team collection is the one it may write to (it reads the others)
        (writable,) = [c for c in collections if c.can_write]
        assert f"/collections/{writable.id}/" in re.search(r"your collection: (\S+)", text).group(1)
    finally:
        assert stop(proc) == 0


def test_serve_refuses_a_bad_port(capsys) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err


def test_a_202_write_survives_killing_the_server(tmp_path: Path) -> None:
    import random

    from indicators.store import ObjectFilter, Store
    from indicators.tlp import Reader
    from tests.indicators.factory import indicator

    db = str(tmp_path / "g.db")
    added = _add_user(db, "ana", "--role", "team", "--team", "cert-de", password="ana's password")
    assert added.returncode == 0, added.stderr
    collection = re.search(r"writes collection (\S+)", added.stdout).group(1)
    proc, lines = launch("serve", "--db", db, "--port", "0")
    try:
        url = _server_url(lines)
        rng = random.Random(5)
        objs = [indicator(rng) for _ in range(20)]
        response = requests.post(
            f"{url}grapevine/collections/{collection}/objects/",
            json={"objects": objs},
            headers={"Accept": TAXII, "Content-Type": TAXII},
            auth=("ana", "ana's password"),
            timeout=30,
        )
        assert response.status_code == 202 and response.json()["success_count"] == 20
    finally:
        proc.kill()
        proc.wait(timeout=20)
    with Store.open(db) as store:
        page = store.query(
            "grapevine",
            collection,
            Reader(is_director=True),
            ObjectFilter(versions=frozenset({"all"})),
        )
        assert sorted(r.stix_id for r in page.rows) == sorted(o["id"] for o in objs)


def test_serve_sets_the_discovery_settings_and_the_json_depth_limit(tmp_path: Path) -> None:
    db = str(tmp_path / "g.db")
    done = _add_user(db, "ana", "--role", "partner", password="a partner password")
    assert done.returncode == 0, done.stderr
    proc, lines = launch(
        "serve",
        "--db",
        db,
        "--port",
        "0",
        "--title",
        "Exercise Blue Grape",
        "--description",
        "Indicators of the 2026 exercise",
        "--contact",
        "white-cell@example.org",
        "--max-json-depth",
        "8",
    )
    try:
        from taxii2client.v21 import Server

        nested = "[" * 10 + "]" * 10
        refused = requests.post(
            f"{_server_url(lines)}grapevine/collections/any/objects/",
            data=f'{{"objects": {nested}}}',
            auth=("ana", "a partner password"),
            headers={"Content-Type": TAXII, "Accept": TAXII},
            timeout=30,
        )
        assert refused.status_code == 400, refused.text
        assert "deeper than 8" in refused.json()["description"]

        server = Server(f"{_server_url(lines)}taxii2/", user="ana", password="a partner password")
        assert server.title == "Exercise Blue Grape"
        assert server.description == "Indicators of the 2026 exercise"
        assert server.contact == "white-cell@example.org"
    finally:
        assert stop(proc) == 0


def test_serve_with_cert_and_key_serves_https(tmp_path: Path, monkeypatch) -> None:
    from taxii2client.v21 import Server

    from tests.indicators.certs import make_ca_and_server_cert

    # requests lets these variables override a session's ``verify`` (taxii2-client's).
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    db = str(tmp_path / "g.db")
    done = _add_user(db, "ana", "--role", "partner", password="a partner password")
    assert done.returncode == 0, done.stderr
    proc, lines = launch("serve", "--db", db, "--port", "0", "--cert", str(cert), "--key", str(key))
    try:
        url = re.search(r"server on (https://127\.0\.0\.1:\d+/)", "\n".join(lines)).group(1)
        server = Server(f"{url}taxii2/", user="ana", password="a partner password", verify=str(ca))
        assert server.api_roots[0].url == f"{url}grapevine/"
    finally:
        assert stop(proc) == 0


def test_serve_refuses_a_cert_without_its_key(tmp_path: Path, capsys) -> None:
    assert main(["serve", "--db", str(tmp_path / "g.db"), "--cert", "x.pem"]) == 1
    assert "--cert and --key" in capsys.readouterr().err
