"""The object store used directly: writing, versions, TLP in SQL, pagination, durability,
and whole imports in one transaction."""

from __future__ import annotations

import itertools
import random
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from indicators.clock import ManualClock, SystemClock
from indicators.errors import NotFoundError, StixValidationError, StoreError
from indicators.store import CursorError, ObjectFilter, QueryError, Store
from indicators.store import engine as engine_module
from indicators.store.imports import DatedVersion, NewApiRoot, NewCollection, NewStatus
from indicators.store.ingest import prepare
from indicators.store.timestamps import format_us, to_us
from indicators.tlp import Reader, Tlp, may_read
from indicators.users import Role, User, team_identity_id
from tests.conftest import BACKENDS, EPOCH
from tests.dbdump import dump_store, refuse_inserts, sql
from tests.indicators.factory import indicator, new_version

ROOT = "root"
ALL = ObjectFilter(versions=frozenset({"all"}))
DIRECTOR = Reader(is_director=True)


def open_store(location: str) -> Store:
    store = Store.open(location, ManualClock(EPOCH, tick=timedelta(milliseconds=1)))
    store.create_api_root(ROOT, "test root")
    return store


@pytest.fixture
def store(store_url: str):
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture
def coll(store: Store) -> str:
    return store.create_collection(ROOT, "shared", collection_id="shared").id


def ids(page) -> list[str]:
    return [r.stix_id for r in page.rows]


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "store.db")) as store, sqlite3.connect(store.location) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_identical_date_added_pages_neither_skip_nor_repeat(store: Store, coll: str) -> None:
    rng = random.Random(1)
    objs = [indicator(rng, created=i) for i in range(7)]
    store.add_objects(ROOT, coll, objs, date_added=EPOCH)
    seen, token, pages = [], None, 0
    while True:
        page = store.query(ROOT, coll, DIRECTOR, limit=3, next=token)
        pages += 1
        seen += ids(page)
        assert {r.date_added_us for r in page.rows} == {to_us(EPOCH)}
        if not page.more:
            assert page.next is None
            break
        token = page.next
    assert pages == 3 and seen == [o["id"] for o in objs]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    envelopes=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=6),
    limit=st.integers(min_value=1, max_value=15),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_paging_returns_every_row_once_in_order(
    store: Store, envelopes: list[int], limit: int, seed: int
) -> None:
    rng = random.Random(seed)
    # every example pages a collection of its own, so the examples share one store
    coll = store.create_collection(ROOT, "c").id
    posted = []
    for size in envelopes:
        batch = [indicator(rng, created=rng.randrange(10**6)) for _ in range(size)]
        # Envelopes sometimes share a date_added with the previous one.
        when = EPOCH + timedelta(seconds=rng.choice([0, len(posted)]))
        store.add_objects(ROOT, coll, batch, date_added=when)
        posted += [(to_us(when), o["id"]) for o in batch]
    expected = [i for _, i in sorted(posted, key=lambda p: p[0])]  # stable: row order
    got, token = [], None
    for _ in range(len(posted) + 1):
        page = store.query(ROOT, coll, DIRECTOR, limit=limit, next=token)
        assert len(page.rows) <= limit
        got += ids(page)
        token = page.next
        if not page.more:
            break
    assert got == expected


def test_versions_first_last_all_and_exact(store: Store, coll: str) -> None:
    rng = random.Random(2)
    v1 = indicator(rng, created=0)
    v2, v3 = new_version(v1, 10), new_version(v1, 20)
    store.add_objects(ROOT, coll, [v2, v1, v3])  # order of arrival does not matter

    def versions(**kw: object) -> list[str]:
        flt = ObjectFilter.from_taxii({k.replace("_", "["): v for k, v in kw.items()})
        return [r.version for r in store.query(ROOT, coll, DIRECTOR, flt).rows]

    assert versions() == [v3["modified"]]
    assert versions(**{"match_version]": "first"}) == [v1["modified"]]
    assert sorted(versions(**{"match_version]": "all"})) == sorted(
        o["modified"] for o in (v1, v2, v3)
    )
    assert versions(**{"match_version]": v2["modified"]}) == [v2["modified"]]


def test_unversioned_objects_take_date_added_and_are_immutable(store: Store, coll: str) -> None:
    sco = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": "ipv4-addr--ff5b8d71-5c8a-5e59-a3d0-2b1c6c5b3a1e",
        "value": "192.0.2.1",
    }
    first = store.add_objects(ROOT, coll, [sco], date_added=EPOCH)
    again = store.add_objects(ROOT, coll, [sco], date_added=EPOCH + timedelta(seconds=5))
    assert first["successes"][0]["version"] == format_us(to_us(EPOCH))
    assert "unchanged" in again["successes"][0]["message"]
    assert len(store.query(ROOT, coll, DIRECTOR, ALL).rows) == 1


def test_sql_visibility_equals_the_reference_rule(store: Store, coll: str) -> None:
    for team in ("a", "b", "c"):
        store.ensure_team(team)
    rng = random.Random(3)
    cases = {}
    for level, producer, recipients in itertools.product(
        [*Tlp, None], ["a", "b", None], [[], ["b"], ["b", "c"]]
    ):
        obj = indicator(rng, tlp=level, recipients=recipients or None)
        store.add_objects(ROOT, coll, [obj], producer=producer)
        cases[obj["id"]] = (Tlp.AMBER if level is None else level, producer, recipients)
    readers = [Reader(team=t) for t in ("a", "b", "c", "d")]
    readers += [Reader(is_partner=True), Reader(is_director=True)]
    for reader in readers:
        got = set(ids(store.query(ROOT, coll, reader, ALL)))
        expected = {i for i, (lv, prod, rec) in cases.items() if may_read(reader, lv, prod, rec)}
        assert got == expected, reader


def test_recipients_by_name_or_identity_and_unknown_ones_fail(store: Store, coll: str) -> None:
    store.ensure_team("a")
    store.ensure_team("b")
    rng = random.Random(4)
    by_id = indicator(rng, tlp=Tlp.RED, recipients=[team_identity_id("b")])
    by_name = indicator(rng, tlp=Tlp.RED, recipients=["b"])
    unknown = indicator(rng, tlp=Tlp.RED, recipients=["zz"])
    status = store.add_objects(ROOT, coll, [by_id, by_name, unknown], producer="a")
    assert status["success_count"] == 2
    assert "'zz'" in status["failures"][0]["message"]
    assert set(ids(store.query(ROOT, coll, Reader(team="b")))) == {by_id["id"], by_name["id"]}


def test_marking_and_extension_rows_are_indexed(store: Store, coll: str) -> None:
    rng = random.Random(5)
    store.ensure_team("b")
    obj = indicator(rng, tlp=Tlp.RED, recipients=["b"])
    store.add_objects(ROOT, coll, [obj])
    refs = sql(store, "SELECT marking_ref FROM object_markings")
    exts = sql(store, "SELECT extension_id FROM object_extensions")
    assert refs == [(obj["object_marking_refs"][0],)]
    assert len(exts) == 1
    query = "SELECT object_row FROM object_markings WHERE marking_ref = :ref"
    assert "ix_markings_ref" in plan(store, query, ref=refs[0][0])


def plan(store: Store, query: str, **params: object) -> str:
    """The database's query plan of ``query``, as text. PostgreSQL is told not to
    scan tables whole (it would, on a few rows), so the plan shows the index it can use."""
    with store.engines[0].connect() as conn:
        if conn.dialect.name == "sqlite":
            return str(conn.execute(text(f"EXPLAIN QUERY PLAN {query}"), params).all())
        conn.execute(text("SET enable_seqscan = off"))
        return str(conn.execute(text(f"EXPLAIN {query}"), params).all())


def test_team_posters_cannot_use_other_identities(store: Store, coll: str) -> None:
    store.ensure_team("a")
    store.ensure_team("b")
    rng = random.Random(6)
    poster = User("alice", Role.TEAM, "a")
    forged = indicator(rng, created_by=team_identity_id("b"))
    status = store.add_objects(ROOT, coll, [forged], poster=poster)
    assert status["failure_count"] == 1 and "team 'b'" in status["failures"][0]["message"]
    partner = store.add_objects(ROOT, coll, [indicator(rng)], poster=User("p", Role.PARTNER))
    assert partner["failure_count"] == 1
    assert store.query(ROOT, coll, DIRECTOR, ALL).rows == []


def test_status_is_stored_with_its_envelope(store: Store, coll: str) -> None:
    status = store.add_objects(ROOT, coll, [indicator(random.Random(7))], status_id="s-1")
    record = store.status(ROOT, "s-1")
    assert record.resource == status and record.owner is None
    store.add_status(ROOT, {"id": "imported", "status": "complete"}, owner="x")
    assert store.status(ROOT, "imported").owner == "x"
    with pytest.raises(StoreError, match="already exists"):
        store.add_status(ROOT, {"id": "imported"})
    with pytest.raises(NotFoundError, match="status 'nope'"):
        store.status(ROOT, "nope")


def test_delete_only_what_the_reader_sees(store: Store, coll: str) -> None:
    store.ensure_team("a")
    rng = random.Random(8)
    strict = indicator(rng, tlp=Tlp.AMBER_STRICT)
    store.add_objects(ROOT, coll, [strict], producer="a")
    with pytest.raises(NotFoundError):
        store.delete_objects(ROOT, coll, strict["id"], Reader(team="b"))
    assert store.delete_objects(ROOT, coll, strict["id"], Reader(team="a")) == 1
    assert store.query(ROOT, coll, DIRECTOR, ALL).rows == []


def test_cursor_is_bound_to_its_query(store: Store, coll: str) -> None:
    rng = random.Random(9)
    store.add_objects(ROOT, coll, [indicator(rng) for _ in range(3)])
    page = store.query(ROOT, coll, DIRECTOR, limit=1)
    with pytest.raises(CursorError):
        store.query(ROOT, coll, Reader(team="x"), limit=1, next=page.next)
    with pytest.raises(CursorError):
        store.query(ROOT, coll, DIRECTOR, limit=1, next=page.next, purpose="manifest")
    assert store.query(ROOT, coll, DIRECTOR, limit=5, next=page.next).rows  # limit may change


def test_bad_names_and_duplicates_are_refused(store: Store, coll: str) -> None:
    with pytest.raises(StoreError, match="already exists"):
        store.create_api_root(ROOT, "again")
    with pytest.raises(StoreError, match="URL path"):
        store.create_api_root("has space", "x")
    with pytest.raises(StoreError, match="already exists"):
        store.create_collection(ROOT, "x", collection_id=coll)
    with pytest.raises(NotFoundError, match="API root 'nope'"):
        store.collections("nope")
    with pytest.raises(NotFoundError, match="collection 'nope'"):
        store.query(ROOT, "nope", DIRECTOR)
    with pytest.raises(QueryError, match="match\\[colour\\]"):
        ObjectFilter.from_taxii({"match[colour]": "red"})


def test_users_add_change_remove(store: Store) -> None:
    store.add_user(User("alice", Role.TEAM, "a"), "hash-1")
    assert store.teams() == {"a": team_identity_id("a")}
    with pytest.raises(StoreError, match="already exists"):
        store.add_user(User("alice", Role.DIRECTOR), "hash-2")
    store.set_password_hash("alice", "hash-3")
    assert store.user("alice") == (User("alice", Role.TEAM, "a"), "hash-3")
    store.remove_user("alice")
    assert store.user("alice") is None and store.users() == []
    with pytest.raises(NotFoundError):
        store.remove_user("alice")


def test_provision_team_is_idempotent(store: Store) -> None:
    first = store.provision_team("cert-de", ROOT)
    assert store.provision_team("cert-de", ROOT) == first
    assert first.owner_team == "cert-de" and first.alias == "cert-de"


def test_an_acknowledged_write_survives_a_kill(new_db: Callable[[str], str]) -> None:
    db = new_db("crash")
    script = textwrap.dedent(
        f"""
        import os, random, signal, sys
        from indicators.store import Store
        from tests.indicators.factory import indicator
        store = Store.open({db!r})
        store.create_api_root("root", "r")
        store.create_collection("root", "c", collection_id="c")
        rng = random.Random(1)
        status = store.add_objects("root", "c", [indicator(rng) for _ in range(50)])
        print(status["success_count"], flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == -9 and done.stdout.strip() == "50"
    with Store.open(db) as reopened:
        assert len(reopened.query("root", "c", DIRECTOR, ALL).rows) == 50


def test_date_added_never_goes_back_even_if_the_clock_does(store_url: str) -> None:
    clock = ManualClock(EPOCH)
    with Store.open(store_url, clock) as store:
        store.create_api_root(ROOT, "r")
        coll = store.create_collection(ROOT, "c").id
        rng = random.Random(10)
        store.add_objects(ROOT, coll, [indicator(rng)])
        clock.set(EPOCH - timedelta(hours=1))
        store.add_objects(ROOT, coll, [indicator(rng)])
        first, second = store.query(ROOT, coll, DIRECTOR).rows
        assert second.date_added_us >= first.date_added_us == to_us(EPOCH)
        cursor_after_first = store.query(ROOT, coll, DIRECTOR, limit=1).next
        assert ids(store.query(ROOT, coll, DIRECTOR, next=cursor_after_first)) == [second.stix_id]


# -- whole imports in one transaction ------------------------------------------------


def _indexed(store: Store, collection: str) -> dict[str, tuple]:
    """``{body: (tlp, producer, posted_by, markings, extensions, recipients)}`` of the
    rows of one collection: everything ``add_objects`` indexes about a version."""
    rows = sql(
        store,
        "SELECT o.row, o.body, o.tlp, o.producer, o.posted_by FROM objects o"
        " JOIN collections c ON c.pk = o.collection_pk WHERE c.collection_id = :collection",
        collection=collection,
    )
    side = {
        table: sql(store, f"SELECT object_row, {column} FROM {table}")
        for table, column in (
            ("object_markings", "marking_ref"),
            ("object_extensions", "extension_id"),
            ("object_recipients", "team"),
        )
    }
    return {
        body: (
            tlp,
            producer,
            posted_by,
            *(frozenset(v for r, v in side[table] if r == row) for table in side),
        )
        for row, body, tlp, producer, posted_by in rows
    }


def _mixed_objects(rng: random.Random) -> list[dict]:
    """Objects exercising every index: TLP levels, unmarked, RED recipients by name and
    by identity, a team identity as creator, an SCO."""
    sco = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": "ipv4-addr--5e1ad1a4-3c33-5b0c-9d65-1b2d1e2f3a4b",
        "value": "203.0.113.9",
    }
    return [
        indicator(rng, tlp=Tlp.GREEN),
        indicator(rng, tlp=None),
        indicator(rng, tlp=Tlp.RED, recipients=["b", team_identity_id("a")]),
        indicator(rng, tlp=Tlp.AMBER_STRICT, created_by=team_identity_id("b")),
        indicator(rng, tlp=Tlp.CLEAR, created=5),
        sco,
    ]


@pytest.fixture
def lived_in(store: Store, coll: str) -> Store:
    """The store holds an exercise already: teams, a collection with a version, a status."""
    store.ensure_team("a")
    store.ensure_team("b")
    store.add_objects(ROOT, coll, [indicator(random.Random(11))], status_id="s-1")
    return store


def test_import_indexes_every_version_as_add_objects_does(lived_in: Store) -> None:
    objects = _mixed_objects(random.Random(12))
    lived_in.import_data(
        api_roots=[NewApiRoot("bulk", "Bulk", max_content_length=1000)],
        collections=[NewCollection("bulk", "imp", "imported", owner_team="a")],
        versions=[
            DatedVersion("bulk", "imp", obj, EPOCH + timedelta(seconds=i))
            for i, obj in enumerate(objects)
        ],
    )
    posted = lived_in.create_collection(ROOT, "posted", collection_id="posted").id
    status = lived_in.add_objects(ROOT, posted, objects, producer="a")
    assert status["success_count"] == len(objects)
    imported = _indexed(lived_in, "imp")
    assert imported == _indexed(lived_in, "posted")
    assert len(imported) == len(objects)
    # the index rows are really there: a RED object with two recipients, a creator team
    assert any(len(r[5]) == 2 for r in imported.values())
    assert {r[1] for r in imported.values()} == {"a", "b"}
    assert lived_in.api_root("bulk").max_content_length == 1000


def test_import_keeps_each_date_added_and_the_given_order_among_equal_ones(
    lived_in: Store,
) -> None:
    rng = random.Random(13)
    objects = [indicator(rng, created=i) for i in range(7)]
    offsets = [30, 10, 20, 10, 30, 10, 0]  # seconds after EPOCH, out of order, with ties
    lived_in.import_data(
        collections=[NewCollection(ROOT, "imp", "imported")],
        versions=[
            DatedVersion(ROOT, "imp", obj, EPOCH + timedelta(seconds=s))
            for obj, s in zip(objects, offsets, strict=True)
        ],
    )
    expected = [
        (o["id"], to_us(EPOCH + timedelta(seconds=s)))
        for o, s in sorted(zip(objects, offsets, strict=True), key=lambda p: p[1])
    ]
    rows = lived_in.query(ROOT, "imp", DIRECTOR, ALL).rows
    assert [(r.stix_id, r.date_added_us) for r in rows] == expected
    got, token = [], None
    for _ in range(len(objects)):
        page = lived_in.query(ROOT, "imp", DIRECTOR, ALL, limit=2, next=token)
        got += ids(page)
        token = page.next
        if not page.more:
            break
    assert got == [i for i, _ in expected]


def test_import_stores_the_given_statuses_and_no_other(lived_in: Store) -> None:
    resource = {"id": "from-file", "status": "pending", "total_count": 0}
    lived_in.import_data(
        api_roots=[NewApiRoot("bulk", "Bulk")],
        collections=[NewCollection("bulk", "imp", "imported")],
        versions=[DatedVersion("bulk", "imp", indicator(random.Random(14)), EPOCH)],
        statuses=[NewStatus("bulk", resource), NewStatus(ROOT, {"id": "kept"}, owner="x")],
    )
    assert lived_in.status("bulk", "from-file").resource == resource
    assert lived_in.status(ROOT, "kept").owner == "x"
    stored = sorted(i for (i,) in sql(lived_in, "SELECT status_id FROM statuses"))
    assert stored == ["from-file", "kept", "s-1"]


def test_import_validates_only_what_is_not_prepared_yet(
    lived_in: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indicators.store import ingest

    rng = random.Random(15)
    raw, ready = indicator(rng), prepare(indicator(rng))
    calls: list[str] = []
    real = ingest.parse_stix

    def counting(data, *args, **kwargs):
        calls.append(data["id"])
        return real(data, *args, **kwargs)

    monkeypatch.setattr(ingest, "parse_stix", counting)
    lived_in.import_data(
        collections=[NewCollection(ROOT, "imp", "imported")],
        versions=[
            DatedVersion(ROOT, "imp", raw, EPOCH),
            DatedVersion(ROOT, "imp", ready, EPOCH),
        ],
    )
    assert calls == [raw["id"]]
    assert len(lived_in.query(ROOT, "imp", DIRECTOR, ALL).rows) == 2


_BROKEN = {**indicator(random.Random(16)), "pattern": ""}  # stix2-patterns crashes on it
_TWICE = indicator(random.Random(17))
_RED = indicator(random.Random(18), tlp=Tlp.RED, recipients=["nobody"])
REFUSED = [
    # (what goes wrong, import arguments, error, words)
    (
        "an API root taken, after a new one",
        {"api_roots": [NewApiRoot("bulk", "Bulk"), NewApiRoot(ROOT, "again")]},
        StoreError,
        "API root 'root' already exists",
    ),
    (
        "a version into a collection stored before",
        {"versions": [DatedVersion(ROOT, "shared", _TWICE, EPOCH, where="f.json: $[0]")]},
        StoreError,
        "f.json: $[0]: collection 'shared' in API root 'root' is not one this import creates",
    ),
    (
        "a RED recipient that is no team",
        {"versions": [DatedVersion(ROOT, "imp", _RED, EPOCH, where="f.json: $[1]")]},
        StixValidationError,
        f"{_RED['id']}: f.json: $[1]: recipient 'nobody' is neither a team name",
    ),
    (
        "one version given twice",
        {
            "versions": [
                DatedVersion(ROOT, "imp", _TWICE, EPOCH),
                DatedVersion(ROOT, "imp", _TWICE, EPOCH),
            ]
        },
        StoreError,
        f"versions[1]: {_TWICE['id']} is given twice (also at versions[0])",
    ),
    (
        "a status id taken",
        {"statuses": [NewStatus(ROOT, {"id": "new"}), NewStatus(ROOT, {"id": "s-1"})]},
        StoreError,
        "status 's-1' already exists",
    ),
    (
        "an object stix2 cannot even parse",
        {"versions": [DatedVersion(ROOT, "imp", _BROKEN, EPOCH, where="f.json: $[2]")]},
        StixValidationError,
        f"{_BROKEN['id']}: f.json: $[2]: ",
    ),
]


@pytest.mark.parametrize(
    ("arguments", "error", "words"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_a_refused_import_leaves_the_store_exactly_as_it_was(
    lived_in: Store, arguments: dict, error: type[Exception], words: str
) -> None:
    arguments = {
        "collections": [NewCollection(ROOT, "imp", "imported")],
        "versions": [DatedVersion(ROOT, "imp", indicator(random.Random(19)), EPOCH)],
        **arguments,
    }
    before = dump_store(lived_in.location)
    with pytest.raises(error) as caught:
        lived_in.import_data(**arguments)
    assert words in str(caught.value)
    assert type(caught.value) is error
    assert dump_store(lived_in.location) == before


def test_a_database_failure_during_an_import_stores_none_of_it(lived_in: Store) -> None:
    """The last version written is refused by the database itself (a trigger, as a full
    disk would): the API root, collection and versions written before it go too."""
    rng = random.Random(20)
    objects = [indicator(rng, created=i) for i in range(5)]
    refuse_inserts(lived_in, "objects", f"NEW.stix_id = '{objects[-1]['id']}'")
    before = dump_store(lived_in.location)
    with pytest.raises(StoreError) as caught:
        lived_in.import_data(
            api_roots=[NewApiRoot("bulk", "Bulk")],
            collections=[NewCollection("bulk", "imp", "imported", owner_team="new-team")],
            versions=[
                DatedVersion("bulk", "imp", o, EPOCH + timedelta(seconds=i))
                for i, o in enumerate(objects)
            ],
            statuses=[NewStatus("bulk", {"id": "st"})],
        )
    assert str(caught.value).startswith(
        "the database failed the import, so none of it was stored: simulated failure"
    )
    assert dump_store(lived_in.location) == before
    assert "new-team" not in lived_in.teams()


def _drop_other_connections(store: Store) -> int:
    """Have the server end every other connection to the store's database (as a
    restart or an idle timeout does) and wait until they are gone; how many it ended.
    One connection of its own does it all (never one the pool hands out, which may be
    among those ended), in autocommit: the activity view is a snapshot per
    transaction."""
    with store.engines[1].connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        others = (
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = list(conn.execute(text(others)).scalars())
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 30
        while True:  # the server ends them asynchronously
            left = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                {"pids": pids},
            ).scalar_one()
            if not left:
                return len(pids)
            assert time.monotonic() < deadline, f"{left} connections still open"
            time.sleep(0.01)


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_pooled_connections_the_server_dropped_are_replaced_once_idle(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a pooled connection idle for PING_AFTER_IDLE_S or more is pinged
    before use and replaced if the server dropped it, so reads and writes go on; one
    used more recently is not pinged (the first statement on it fails, and the pool
    drops it)."""
    with Store.open(store_url) as store:
        store.ensure_team("cert-fr")
        store.create_api_root("root", "Root")
        read = store.engines[0]

        def backend_pid() -> int:
            with read.connect() as conn:
                return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()

        before = backend_pid()
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 3600.0)
        assert _drop_other_connections(store) >= 1
        with pytest.raises(DBAPIError):
            backend_pid()  # not pinged: the dropped connection fails the statement

        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
        after_first = backend_pid()  # the pool replaced what it knew was gone
        assert after_first != before
        assert _drop_other_connections(store) >= 1
        assert backend_pid() != after_first  # pinged, found dropped, replaced: no error
        assert [r.name for r in store.api_roots()] == ["root"]
        assert store.user("nobody") is None  # the driver-level lookups too
        store.create_collection("root", "c", collection_id="c")
        assert [c.id for c in store.collections("root")] == ["c"]


def test_engines_reach_the_store_database_with_its_durability(store_url: str) -> None:
    """Store.engines: a table written through the write engine is read back through
    the read engine and by a connection of its own (same database; on SQLite, WAL and
    synchronous=FULL)."""
    with Store.open(store_url) as store:
        read, write = store.engines
        with write.begin() as conn:
            conn.execute(text("CREATE TABLE beside (n INTEGER)"))
            conn.execute(text("INSERT INTO beside VALUES (7)"))
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        with read.connect() as conn:
            assert conn.execute(text("SELECT n FROM beside")).scalar() == 7
    assert ('INSERT INTO "beside" VALUES(7,)') in dump_store(store_url)


def test_pages_read_during_concurrent_writes_never_skip_or_repeat(store: Store, coll: str) -> None:
    """Four writers post into one collection while a reader pages through it again and
    again. A commit is seen whole or not at all, and later commits sort after earlier
    ones, so every pass is exactly a prefix of the final order: nothing skipped (a row
    committed later but sorting earlier would be), nothing repeated, nothing
    acknowledged before the pass started missing from it."""
    store._clock = SystemClock()  # real time, as a server has; the writers race on it
    acknowledged: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def write(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(15):
                batch = [indicator(rng, created=rng.randrange(10**6)) for _ in range(5)]
                status = store.add_objects(ROOT, coll, batch, producer=f"w{seed}")
                assert status["success_count"] == 5, status
                with lock:
                    acknowledged.extend(o["id"] for o in batch)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def read_pass() -> list[tuple[int, int, str]]:
        seen, token = [], None
        while True:
            page = store.query(ROOT, coll, DIRECTOR, limit=13, next=token)
            seen += [(r.date_added_us, r.row, r.stix_id) for r in page.rows]
            if not page.more:
                return seen
            token = page.next

    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(4)]
    for thread in writers:
        thread.start()
    passes = []
    while any(thread.is_alive() for thread in writers) or not passes:
        with lock:
            before = set(acknowledged)
        got = read_pass()
        passes.append(got)
        assert before <= {i for _, _, i in got}
    for thread in writers:
        thread.join(60)
    assert errors == []
    final = read_pass()
    assert sorted(i for _, _, i in final) == sorted(acknowledged) and len(final) == 4 * 15 * 5
    assert final == sorted(final)  # (date_added, row) order
    for got in passes:
        assert got == final[: len(got)]
    assert len(passes) > 2  # the reader really read while the writers wrote


def test_nul_characters_are_kept_in_values_and_refused_where_indexed(
    store: Store, coll: str
) -> None:
    """PostgreSQL keeps no NUL in text. In a value it is stored escaped (the JSON body
    writes \\u0000) and read back as it came; in what the store indexes (an extension
    name) the object is refused naming its id, and the rest of the envelope is stored.
    The same on both databases."""
    rng = random.Random(21)
    kept = {**indicator(rng), "description": "before\x00after", "x_\x00name": "v"}
    nul_key = {**indicator(rng), "extensions": {"x-bad\x00-ext": {"extension_type": "x"}}}
    long_key = {**indicator(rng), "extensions": {"x-" + "e" * 600: {"extension_type": "x"}}}
    status = store.add_objects(ROOT, coll, [kept, nul_key, long_key])
    assert status["success_count"] == 1
    failures = {f["id"]: f["message"] for f in status["failures"]}
    assert "NUL character" in failures[nul_key["id"]]
    assert "at most 512" in failures[long_key["id"]]
    assert store.query(ROOT, coll, DIRECTOR).objects() == [kept]
    with pytest.raises(StoreError, match="title holds a NUL character"):
        store.create_collection(ROOT, "bad\x00title")
    with pytest.raises(StoreError, match="NUL character"):
        store.add_status(ROOT, {"id": "st\x00"})


def test_a_later_commit_is_after_every_date_added_polled_so_far(store: Store, coll: str) -> None:
    """With the clock standing still, two posts still get different date_added values:
    a client polling with added_after = the last date_added it saw gets the second."""
    store._clock = ManualClock(EPOCH)  # no tick: every read of the clock is the same
    rng = random.Random(22)
    store.add_objects(ROOT, coll, [indicator(rng)])
    (first,) = store.query(ROOT, coll, DIRECTOR).rows
    later = indicator(rng)
    store.add_objects(ROOT, coll, [later])
    polled = ObjectFilter(added_after_us=first.date_added_us)
    assert ids(store.query(ROOT, coll, DIRECTOR, polled)) == [later["id"]]


@pytest.mark.parametrize("seed", range(4))
def test_latest_versions_agree_with_may_read_after_adds_and_deletes(
    store: Store, coll: str, seed: int
) -> None:
    """``objects.superseded`` (kept by the writer) and the latest-version read built on
    it give what :func:`may_read` says, however versions arrive and go: newer ones
    first or last, at other TLP levels, in batches, deleted one version at a time."""
    rng = random.Random(seed)
    for team in ("a", "b", "c"):
        store.ensure_team(team)
    levels = [Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED]
    stored: dict[tuple[str, str], tuple[Tlp, str, list[str]]] = {}
    pending = []
    for n in range(12):
        base = indicator(rng, created=n, tlp=None)
        for step in range(rng.randint(1, 4)):
            level = rng.choice(levels)
            recipients = ["b"] if level is Tlp.RED and rng.random() < 0.5 else []
            version = indicator(
                random.Random(n), created=n, tlp=level, recipients=recipients or None
            )
            version = {
                **version,
                "id": base["id"],
                "modified": new_version(base, n + step)["modified"],
            }
            pending.append((version, rng.choice(["a", "b"]), level, recipients))
    rng.shuffle(pending)
    while pending:
        size = rng.randint(1, 5)
        batch, pending = pending[:size], pending[size:]
        for producer in ("a", "b"):
            objs = [v for v, p, _, _ in batch if p == producer]
            if objs:
                status = store.add_objects(ROOT, coll, objs, producer=producer)
                assert status["success_count"] == len(objs), status
        for version, producer, level, recipients in batch:
            stored[(version["id"], version["modified"])] = (level, producer, recipients)
    for stix_id, modified in rng.sample(sorted(stored), len(stored) // 3):
        flt = ObjectFilter.from_taxii({"match[version]": modified})
        assert store.delete_objects(ROOT, coll, stix_id, DIRECTOR, flt) == 1
        del stored[(stix_id, modified)]

    newest = {}
    for stix_id, modified in stored:
        newest[stix_id] = max(newest.get(stix_id, ""), modified)
    flagged = {
        r[0] for r in sql(store, "SELECT stix_id || ' ' || version FROM objects WHERE superseded")
    }
    assert flagged == {f"{i} {m}" for i, m in stored if m < newest[i]}
    for reader in (
        DIRECTOR,
        Reader(is_partner=True),
        Reader(team="a"),
        Reader(team="b"),
        Reader(team="c"),
    ):
        expected: dict[str, str] = {}
        for (stix_id, modified), (level, producer, recipients) in stored.items():
            if may_read(reader, level, producer, recipients):
                expected[stix_id] = max(expected.get(stix_id, ""), modified)
        got = {(r.stix_id, r.version) for r in store.query(ROOT, coll, reader).rows}
        assert got == set(expected.items()), reader
