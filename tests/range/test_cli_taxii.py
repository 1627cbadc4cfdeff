"""range/commands/taxii.py: ``grapevine taxii import``, and the proof that a medallion
data file imported with it is served the way medallion serves it.

The comparison runs medallion itself (its blueprints, its memory backend loaded from
the data file, its Basic auth with a test user) and Grapevine's server side by side on
ephemeral loopback ports, walks both with taxii2-client, and compares what a client
sees.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from argon2 import PasswordHasher
from flask import Flask
from taxii2client.v21 import ApiRoot, Server, as_pages
from waitress.server import create_server

from indicators.medallion_import import parse_timestamp
from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.users import PasswordPolicy, Role, User
from range.cli import main
from tests.dbdump import dump_store
from tests.indicators.factory import MEDALLION_DATA_FILE

USER, PASSWORD = "director", "correct-horse-battery"
FAST_POLICY = PasswordPolicy(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
"""argon2 all the same, with parameters cheap enough for tests."""
PAGE = 2
"""Items per request while walking: small, so every listing takes several pages."""


# -- the two servers --------------------------------------------------------------


@pytest.fixture
def medallion_url(tmp_path: Path) -> Iterator[str]:
    """medallion 3 serving the data file, the way its ``medallion`` script sets it up."""
    import medallion  # the reference server; its import builds medallion's own global app
    from medallion.exceptions import BackendError, ProcessingError

    copy = tmp_path / "medallion_data.json"  # medallion writes into its data on POST
    copy.write_bytes(MEDALLION_DATA_FILE.read_bytes())
    config = {
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": 100},
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(copy),
        },
    }
    app = Flask("medallion_reference")
    for part in ("users", "taxii", "backend"):
        medallion.set_config(app, part, config)
    medallion.register_blueprints(app)
    app.register_error_handler(ProcessingError, medallion.handle_processing_error)
    app.register_error_handler(BackendError, medallion.handle_backend_error)
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, name="medallion", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@contextlib.contextmanager
def _grapevine(db: Path, discovery: dict[str, Any]) -> Iterator[TaxiiServer]:
    """Grapevine's server over ``db`` with a director user, configured like medallion's
    discovery resource (its title, description, contact and default API root)."""
    config = ServerConfig(
        db=str(db),
        title=discovery["title"],
        description=discovery["description"],
        contact=discovery["contact"],
        api_root=urlsplit(discovery["default"]).path.strip("/"),
        max_page_size=100,
    )
    with Store.open(db) as store:
        if store.user(USER) is None:
            store.add_user(User(USER, Role.DIRECTOR), FAST_POLICY.hash(PASSWORD))
        with TaxiiServer(create_app(config, store), threads=2) as server:
            yield server


# -- walking a server with taxii2-client -------------------------------------------


class _Headers:
    """The headers of the last response the client received."""

    def __init__(self, session: requests.Session) -> None:
        self.last: Any = {}
        session.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        self.last = response.headers


def _instant(text: str | None) -> Any:
    """A TAXII timestamp as an instant: medallion echoes the file's text (``…:05Z``,
    ``…:05.000000Z``), Grapevine always writes microseconds; the instants must agree."""
    if text is None:
        return None
    head, _, fraction = text.rstrip("Z").partition(".")
    return parse_timestamp(f"{head}.{(fraction or '0')[:6]}Z")


def _pages(func: Any, headers: _Headers, **filters: Any) -> list[dict[str, Any]]:
    pages = []
    for envelope in as_pages(func, per_request=PAGE, **filters):
        pages.append(
            {
                "items": envelope.get("objects", []),
                "first": _instant(headers.last.get("X-TAXII-Date-Added-First")),
                "last": _instant(headers.last.get("X-TAXII-Date-Added-Last")),
            }
        )
    return pages


def _listing(pages: list[dict[str, Any]], date_of: Any) -> dict[str, Any]:
    """Pages in a form that ignores the order among equal ``date_added`` values.

    TAXII 2.1 sorts by date_added and leaves ties open: medallion keeps file order
    (and its manifest and objects endpoints even break ties differently), Grapevine
    keeps insertion order. So: the sequence of date_added instants, page by page with
    the date headers, and the set of items, each compared exactly.
    """
    items = [item for page in pages for item in page["items"]]
    return {
        "dates": [date_of(item) for item in items],
        "pages": [(len(p["items"]), p["first"], p["last"]) for p in pages],
        "items": sorted(json.dumps(item, sort_keys=True) for item in items),
    }


def snapshot(base_url: str, status_ids: dict[str, list[str]]) -> dict[str, Any]:
    """Everything a TAXII 2.1 client sees of a server, normalised for comparison."""
    server = Server(f"{base_url}/taxii2/", user=USER, password=PASSWORD)
    session = server._conn.session
    headers = _Headers(session)
    # medallion serves its discovery resource verbatim from the data file, URLs and
    # all (http://localhost:5000/...), which is wrong per TAXII 2.1 for a server
    # listening anywhere else; Grapevine builds them from the request. So API roots
    # are compared by path and fetched from each server's own base URL.
    roots = [urlsplit(root.url).path for root in server.api_roots]
    result: dict[str, Any] = {
        "discovery": {
            "title": server.title,
            "description": server.description,
            "contact": server.contact,
            "default": urlsplit(server.default.url).path,
            "api_roots": sorted(roots),
        },
        "roots": {},
    }
    for path in roots:
        root = ApiRoot(f"{base_url}{path}", conn=server._conn)
        walked = {
            "title": root.title,
            "description": root.description,
            "versions": root.versions,
            "max_content_length": root.max_content_length,
            "collections": {},
            "statuses": {
                sid: root.get_status(sid)._raw for sid in status_ids.get(path.strip("/"), [])
            },
        }
        for collection in root.collections:
            walked["collections"][collection.id] = _walk_collection(collection, headers, session)
        result["roots"][path] = walked
    return result


def _walk_collection(collection: Any, headers: _Headers, session: requests.Session) -> dict:
    out: dict[str, Any] = {
        "title": collection.title,
        "description": collection.description,
        "alias": collection.alias,
        "can_read": collection.can_read,
        "can_write": collection.can_write,
        "media_types": collection.media_types,
    }
    if not collection.can_read:
        # taxii2-client refuses to ask; ask anyway: both servers must refuse (403)
        answer = session.get(
            collection.objects_url, headers={"Accept": "application/taxii+json;version=2.1"}
        )
        out["objects_http_status"] = answer.status_code
        return out
    manifest = _pages(collection.get_manifest, headers, version="all")
    added = {
        (e["id"], _instant(e["version"])): _instant(e["date_added"])
        for page in manifest
        for e in page["items"]
    }

    def date_of(obj: dict[str, Any]) -> Any:
        version = obj.get("modified") or obj.get("created")
        if version is None:  # an SCO has one version, versioned by its date_added
            return next(d for (i, _), d in added.items() if i == obj["id"])
        return added[(obj["id"], _instant(version))]

    out["manifest"] = {
        "all": {
            "dates": [_instant(e["date_added"]) for p in manifest for e in p["items"]],
            "pages": [(len(p["items"]), p["first"], p["last"]) for p in manifest],
            "entries": sorted(
                (e["id"], _instant(e["version"]), _instant(e["date_added"]), e["media_type"])
                for p in manifest
                for e in p["items"]
            ),
        },
        "latest": sorted(
            (e["id"], _instant(e["version"]), _instant(e["date_added"]))
            for p in _pages(collection.get_manifest, headers)
            for e in p["items"]
        ),
    }
    out["objects"] = {
        name: _listing(_pages(collection.get_objects, headers, **filters), date_of)
        for name, filters in (
            ("latest", {}),
            ("all", {"version": "all"}),
            ("first", {"version": "first"}),
        )
    }
    dates = sorted(set(added.values()))
    if len(dates) > 1:
        # added_after on an instant several versions share: strictly after it
        middle = dates[len(dates) // 2]
        after = middle.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        pages = _pages(collection.get_objects, headers, added_after=after, version="all")
        out["objects"]["added_after"] = _listing(pages, date_of)
    out["per_object"] = {}
    for object_id in sorted({i for i, _ in added}):
        versions = collection.object_versions(object_id)
        everything = collection.get_object(object_id, version="all")
        out["per_object"][object_id] = {
            "versions": sorted(_instant(v) for v in versions.get("versions", [])),
            "more": versions.get("more", False),
            "objects": sorted(json.dumps(o, sort_keys=True) for o in everything["objects"]),
        }
    return out


def _status_ids() -> dict[str, list[str]]:
    document = json.loads(MEDALLION_DATA_FILE.read_text())
    return {
        name: [s["id"] for s in body.get("status", [])]
        for name, body in document.items()
        if name != "/discovery"
    }


# -- the acceptance test -------------------------------------------------------------


def test_imported_medallion_data_is_served_as_medallion_serves_it(
    tmp_path: Path, medallion_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "grapevine.db"
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(db)]) == 0
    assert "imported 3 API roots, 5 collections, 15 object versions, 3 statuses" in (
        capsys.readouterr().out
    )
    document = json.loads(MEDALLION_DATA_FILE.read_text())
    statuses = _status_ids()
    expected = snapshot(medallion_url, statuses)

    with _grapevine(db, document["/discovery"]) as server:
        got = snapshot(server.url.rstrip("/"), statuses)

    # The walk saw real data: a wrong walker must not make the comparison vacuous.
    high = expected["roots"]["/cert-vineland/"]["collections"]
    first = next(iter(high.values()))
    assert len(first["objects"]["all"]["items"]) == 8
    assert len(first["objects"]["latest"]["items"]) == 5
    assert len(first["objects"]["latest"]["pages"]) == 3
    assert sum(len(r["statuses"]) for r in expected["roots"].values()) == 3

    # A collection nobody may read or write: medallion lists it (with both flags
    # false); Grapevine treats a collection the user may neither read nor write as
    # absent for that user (404, not listed), the director included, since the
    # director gets exactly the collection's flags. Compared apart: it is imported
    # with both flags, and hidden.
    closed = {
        cid
        for root in expected["roots"].values()
        for cid, c in list(root["collections"].items())
        if not c["can_read"] and not c["can_write"]
    }
    assert len(closed) == 1
    for root in expected["roots"].values():
        for cid in closed:
            root["collections"].pop(cid, None)
    with Store.open(db) as store:
        (info,) = [c for c in store.collections("cert-vineland") if c.id in closed]
        assert (info.can_read, info.can_write, info.title) == (
            False,
            False,
            "Closed exercise 2025",
        )

    assert got["discovery"] == expected["discovery"]
    assert got["roots"].keys() == expected["roots"].keys()
    for path, root in expected["roots"].items():
        mine = got["roots"][path]
        assert mine["statuses"] == root["statuses"], path
        assert mine["collections"].keys() == root["collections"].keys(), path
        for cid, collection in root["collections"].items():
            assert mine["collections"][cid] == collection, f"{path} collection {cid}"
        assert mine == root, path
    assert got == expected


def test_an_owner_team_may_write_its_imported_collection_over_taxii(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--owner through the real server: the owner team sees can_write, other teams
    and partners do not, the director sees exactly medallion's flags."""
    db = tmp_path / "grapevine.db"
    assert (
        main(
            [
                "taxii",
                "import",
                str(MEDALLION_DATA_FILE),
                "--db",
                str(db),
                "--owner",
                "high-value=cert-de",
            ]
        )
        == 0
    )
    assert "owner=cert-de  5 objects, 8 versions" in capsys.readouterr().out
    document = json.loads(MEDALLION_DATA_FILE.read_text())
    policy = FAST_POLICY
    with Store.open(db) as store:
        store.add_user(User("ana", Role.TEAM, "cert-de"), policy.hash(PASSWORD))
        store.add_user(User("luc", Role.TEAM, "cert-fr"), policy.hash(PASSWORD))
        store.add_user(User("soc", Role.PARTNER), policy.hash(PASSWORD))
    with _grapevine(db, document["/discovery"]) as server:
        seen = {}
        for name in ("ana", "luc", "soc", USER):
            root = ApiRoot(f"{server.url}cert-vineland/", user=name, password=PASSWORD)
            seen[name] = {c.title: (c.can_read, c.can_write) for c in root.collections}
    high, feed = "High value indicators", "Partner feed"
    assert seen["ana"][high] == (True, True)
    assert seen["luc"][high] == seen["soc"][high] == (True, False)
    assert seen[USER][high] == (True, True) and seen[USER][feed] == (True, False)
    assert seen[USER]["Drop box"] == (False, True)
    assert "Drop box" not in seen["soc"]  # a partner never writes, and may not read it


# -- the command line -----------------------------------------------------------------


@pytest.fixture
def lived_in(tmp_path: Path) -> Path:
    """A store file that already holds an exercise."""
    db = tmp_path / "grapevine.db"
    with Store.open(db) as store:
        store.create_api_root("grapevine", "Grapevine exercise")
        collection = store.provision_team("cert-de", "grapevine")
        store.add_objects(
            "grapevine",
            collection.id,
            [
                json.loads(MEDALLION_DATA_FILE.read_text())["partners"]["collections"][0][
                    "objects"
                ][0]
            ],
        )
        store.add_user(User(USER, Role.DIRECTOR), FAST_POLICY.hash(PASSWORD))
    return db


def test_dry_run_prints_the_plan_and_creates_no_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.db"
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would import 3 API roots, 5 collections, 15 object versions, 3 statuses" in out
    assert "--api-root cert-vineland" in out
    assert f"would create a new store at {db}" in out
    assert not db.exists()


def test_dry_run_leaves_an_existing_store_as_it_was(
    lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump_store(lived_in)
    assert (
        main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(lived_in), "--dry-run"]) == 0
    )
    assert "would import" in capsys.readouterr().out
    assert dump_store(lived_in) == before


def test_import_into_a_lived_in_store_adds_and_changes_nothing_else(
    lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = set(dump_store(lived_in))
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(lived_in)]) == 0
    after = set(dump_store(lived_in))
    assert before <= after  # every row that was there is still there, unchanged
    with Store.open(lived_in) as store:
        assert [r.name for r in store.api_roots()] == [
            "grapevine",
            "cert-vineland",
            "partners",
            "archive",
        ]
    # importing the same file again is refused whole
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(lived_in)]) == 1
    assert "API root 'cert-vineland' already exists" in capsys.readouterr().err
    assert set(dump_store(lived_in)) == after


def test_a_write_the_database_refuses_imports_nothing(
    lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every check passes, then the database refuses the last status (a trigger, as a
    full disk would): exit 1, the reason printed, the store exactly as it was."""
    connection = sqlite3.connect(lived_in)
    connection.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON statuses BEGIN"
        " SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    connection.commit()
    connection.close()
    before = dump_store(lived_in)
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(lived_in)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {MEDALLION_DATA_FILE}: nothing was imported: ")
    assert "simulated failure" in err
    assert dump_store(lived_in) == before


def _bad_copy(tmp_path: Path, damage: Any) -> Path:
    document = json.loads(MEDALLION_DATA_FILE.read_text())
    damage(document)
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(document))
    return path


BAD_FILES = [
    (
        lambda d: d["partners"]["collections"][0]["objects"][1].pop("name"),
        "$.partners.collections[0].objects[1]: invalid STIX 2.1",
        "attack-pattern--",
    ),
    (
        lambda d: d["cert-vineland"]["collections"][1].__setitem__("can_read", "yes"),
        '$["cert-vineland"].collections[1].can_read: must be true or false',
        None,
    ),
    (
        lambda d: d["cert-vineland"]["collections"][0]["manifest"].pop(),
        '$["cert-vineland"].collections[0].objects[7] (indicator--',
        "no manifest entry",
    ),
    (lambda d: d.clear() or d.update({"objects": []}), "$: not a medallion data file", None),
]


@pytest.mark.parametrize(("damage", "where", "what"), BAD_FILES)
def test_bad_files_are_refused_naming_file_and_place(
    tmp_path: Path,
    lived_in: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Any,
    where: str,
    what: str | None,
) -> None:
    path = _bad_copy(tmp_path, damage)
    before = dump_store(lived_in)
    assert main(["taxii", "import", str(path), "--db", str(lived_in)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert str(path) in err and where in err
    if what:
        assert what in err
    assert dump_store(lived_in) == before


def test_malformed_json_is_refused_with_line_and_column(
    tmp_path: Path, lived_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(MEDALLION_DATA_FILE.read_text()[:-40])
    before = dump_store(lived_in)
    assert main(["taxii", "import", str(path), "--db", str(lived_in)]) == 1
    err = capsys.readouterr().err
    assert f"error: {path}: line " in err and "not valid JSON" in err
    assert dump_store(lived_in) == before


@pytest.mark.parametrize(
    ("extra", "status", "words"),
    [
        (["--owner", "high-value"], 2, "--owner 'high-value': expected COLLECTION=TEAM"),
        (["--owner", "nope=cert-de"], 1, "--owner nope=cert-de: no such collection"),
        (["--owner", "high-value=Not A Team"], 1, "team name 'Not A Team' is invalid"),
        (["--default-tlp", "purple"], 2, "--default-tlp 'purple'"),
        ([], 2, "the following arguments are required: --db"),
    ],
)
def test_bad_options_say_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], status: int, words: str
) -> None:
    db = ["--db", str(tmp_path / "g.db")] if "--db" not in str(words) else []
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), *db, *extra]) == status
    assert words in capsys.readouterr().err
    assert not (tmp_path / "g.db").exists()  # a refused import leaves no new store behind


def test_default_tlp_option_reaches_unmarked_objects(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    assert (
        main(
            ["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(db), "--default-tlp", "green"]
        )
        == 0
    )
    with Store.open(db) as store:
        high = store.collections("cert-vineland")[0]
        assert high.default_tlp.name == "GREEN"


def test_import_says_it_created_a_new_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.db"
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(db)]) == 0
    assert f"created a new store at {db}" in capsys.readouterr().out


def test_collections_lists_every_api_root_and_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "g.db"
    owner = ["--owner", "high-value=cert-de"]
    assert main(["taxii", "import", str(MEDALLION_DATA_FILE), "--db", str(db), *owner]) == 0
    capsys.readouterr()
    assert main(["taxii", "collections", "--db", str(db)]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    with Store.open(db) as store:
        expected = [
            (root.name, info.id)
            for root in store.api_roots()
            for info in store.collections(root.name)
        ]
    assert [(r[0], r[1]) for r in rows if len(r) > 2] == expected
    assert any(r[3] == "owner cert-de" for r in rows if len(r) > 2)
    assert all(r[4].startswith("TLP:") for r in rows if len(r) > 2)


def test_collections_refuses_a_missing_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["taxii", "collections", "--db", str(tmp_path / "typo.db")]) == 2
    assert "no store there" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()
