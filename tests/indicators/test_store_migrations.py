"""Schema revisions (Alembic): a new store is at the newest revision and matches
``schema.py``; a store of the previous schema (revision 1, or made before revisions
were kept) opens upgraded with its data intact; a store from a newer Grapevine is
refused untouched. On SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from indicators.clock import ManualClock
from indicators.errors import StoreError
from indicators.store import ObjectFilter, Store, migrate, schema
from indicators.store.engine import database_url
from indicators.tlp import Reader, Tlp
from indicators.users import Role, User
from range.events import Message
from range.log import EventLog
from tests.conftest import EPOCH, new_database
from tests.dbdump import dump_store
from tests.indicators.factory import indicator, new_version

ROOT = "root"
ALL = ObjectFilter(versions=frozenset({"all"}))
DIRECTOR = Reader(is_director=True)


@pytest.fixture
def new_db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Callable[[str], str]:
    """Like the shared fixture, but a PostgreSQL database is empty: no revision run yet."""
    return lambda name="store": new_database(request, backend, tmp_path, name, migrated=False)


def raw_engine(location: str) -> Engine:
    return create_engine(database_url(location))


def indexes(engine: Engine, table: str) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes(table)}


def column_type(engine: Engine, table: str, column: str) -> str:
    found = {c["name"]: c["type"] for c in inspect(engine).get_columns(table)}
    return str(found[column])


def test_a_new_store_is_at_the_newest_revision_and_matches_the_schema(store_url: str) -> None:
    with Store.open(store_url):
        pass
    engine = raw_engine(store_url)
    try:
        assert migrate.current(engine) == migrate.head() == "0005"
        assert "ix_objects_stix_id" in indexes(engine, "objects")
        assert not {"ix_objects_tlp", "ix_objects_spec"} & indexes(engine, "objects")
        with engine.connect() as conn:
            # SQLite keeps whatever type was declared and never enforces a length, so
            # only PostgreSQL's column types are compared
            context = MigrationContext.configure(
                conn, opts={"compare_type": conn.dialect.name != "sqlite"}
            )
            assert compare_metadata(context, schema.metadata) == []
    finally:
        engine.dispose()


def lived_in(location: str) -> tuple[list[str], list[int]]:
    """A store with an exercise in it: users, teams, collections, versions with
    markings and RED recipients, a status, events. Returns (object ids, event seqs)."""
    rng = random.Random(31)
    with Store.open(location, ManualClock(EPOCH)) as store:
        store.create_api_root(ROOT, "root")
        store.add_user(User("alice", Role.TEAM, "cert-de"), "hash-a")
        store.add_user(User("bob", Role.TEAM, "cert-fr"), "hash-b")
        coll = store.provision_team("cert-de", ROOT).id
        first = indicator(rng, created=0)
        objects = [
            first,
            new_version(first, 10),
            indicator(rng, tlp=Tlp.RED, recipients=["cert-fr"]),
            indicator(rng, tlp=Tlp.GREEN),
        ]
        status = store.add_objects(ROOT, coll, objects, producer="cert-de", status_id="s-1")
        assert status["success_count"] == 4
        events = EventLog(store).append_many(
            [Message(time=1.0, text="hello"), Message(time=2.0, text="again")]
        )
    return [o["id"] for o in objects], [e.seq for e in events]


ADDED = {"objects": {"superseded"}}
"""Columns revisions after 1 added (revision 4: ``objects.superseded``)."""
NEW_TABLES = ('"login_failures"',)
"""Tables revisions after 1 added (revision 5), empty in an upgraded store."""


def dumped(location: str) -> list[str]:
    """:func:`dump_store` without indexes and what later revisions added."""
    return [
        line
        for line in dump_store(location, ADDED)
        if not line.startswith("INDEX") and not any(t in line for t in NEW_TABLES)
    ]


def superseded(engine: Engine) -> set[str]:
    """The ids of the stored versions marked superseded."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT stix_id FROM objects WHERE superseded")).all()
    return {r[0] for r in rows}


PREVIOUS = ["revision 1", "before revisions were kept", "before revisions, no exercise yet"]


@pytest.mark.parametrize("previous", PREVIOUS)
def test_a_store_of_the_previous_schema_opens_upgraded_with_its_data(
    store_url: str, previous: str
) -> None:
    ids, seqs = lived_in(store_url)
    engine = raw_engine(store_url)
    try:
        migrate.downgrade(engine, "0001")  # the schema revision 1 wrote
        with engine.begin() as conn:
            if previous != "revision 1":  # no alembic_version table before Alembic
                conn.execute(text("DROP TABLE alembic_version"))
            if previous.endswith("no exercise yet"):  # the event log came with an exercise
                conn.execute(text("DROP TABLE exercise_events"))
        assert "ix_objects_stix_id" not in indexes(engine, "objects")
        if engine.dialect.name == "postgresql":
            assert column_type(engine, "objects", "stix_id") == "VARCHAR(128)"
        before = dumped(store_url)
        before = [line for line in before if "alembic_version" not in line]

        with Store.open(store_url, ManualClock(EPOCH)) as store:
            assert migrate.current(engine) == migrate.head()
            assert "ix_objects_stix_id" in indexes(engine, "objects")
            if engine.dialect.name == "postgresql":
                assert column_type(engine, "objects", "stix_id") == "TEXT"
            after = dumped(store_url)
            after = [line for line in after if "alembic_version" not in line]
            if previous.endswith("no exercise yet"):
                assert [x for x in after if "exercise_events" not in x] == before
                assert EventLog(store).after(0) == []
            else:
                assert after == before
                assert [e.seq for e in EventLog(store).after(0)] == seqs
            assert superseded(engine) == {ids[0]}  # revision 4 marked the older version
            # the data reads and grows as before: versions, TLP, users, statuses
            coll = store.team_collection(ROOT, "cert-de").id
            rows = store.query(ROOT, coll, DIRECTOR, ALL).rows
            assert sorted({r.stix_id for r in rows}) == sorted(set(ids))
            assert len(rows) == 4
            assert ids[2] in {
                r.stix_id for r in store.query(ROOT, coll, Reader(team="cert-fr")).rows
            }
            assert store.user("alice")[1] == "hash-a"
            assert store.status(ROOT, "s-1").resource["success_count"] == 4
            page = store.query(ROOT, coll, DIRECTOR, ALL, limit=2)
            assert len(store.query(ROOT, coll, DIRECTOR, ALL, limit=2, next=page.next).rows) == 2
            poster = User("alice", Role.TEAM, "cert-de")
            newer = new_version(indicator(random.Random(31), created=0), 20)
            status = store.add_objects(ROOT, coll, [newer], poster=poster)
            assert status["success_count"] == 1, status
    finally:
        engine.dispose()


def test_a_store_from_a_newer_grapevine_is_refused_untouched(store_url: str) -> None:
    lived_in(store_url)
    engine = raw_engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        engine.dispose()
    before = dump_store(store_url)
    with pytest.raises(StoreError, match=r"revision 0099.*up to 0005.*newer Grapevine"):
        Store.open(store_url)
    assert dump_store(store_url) == before


@pytest.mark.parametrize("round_", range(6))
def test_stores_opened_at_once_are_migrated_once(new_db: Callable[[str], str], round_: int) -> None:
    """Eight threads open one new store together: one creates the schema (SQLite:
    turns the file to WAL), the others wait for it and find it done. Six new stores,
    since a lost race shows in about one of twenty (SQLite answered "database is
    locked" at once to a connection asking for WAL while another converted the file)."""
    location = new_db(f"together{round_}")
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def open_it() -> None:
        try:
            barrier.wait(10)
            Store.open(location).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    engine = raw_engine(location)
    try:
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()


def test_a_store_of_revision_2_opens_without_the_tlp_and_spec_indexes_data_intact(
    store_url: str,
) -> None:
    ids, seqs = lived_in(store_url)
    engine = raw_engine(store_url)
    try:
        migrate.downgrade(engine, "0002")
        assert migrate.current(engine) == "0002"
        assert {"ix_objects_tlp", "ix_objects_spec"} <= indexes(engine, "objects")
        before = dumped(store_url)
        before = [line for line in before if "alembic_version" not in line]

        with Store.open(store_url, ManualClock(EPOCH)) as store:
            assert migrate.current(engine) == migrate.head()
            assert not {"ix_objects_tlp", "ix_objects_spec"} & indexes(engine, "objects")
            assert superseded(engine) == {ids[0]}
            after = dumped(store_url)
            after = [line for line in after if "alembic_version" not in line]
            assert after == before
            assert [e.seq for e in EventLog(store).after(0)] == seqs
            coll = store.team_collection(ROOT, "cert-de").id
            rows = store.query(ROOT, coll, DIRECTOR, ALL).rows
            assert sorted({r.stix_id for r in rows}) == sorted(set(ids)) and len(rows) == 4
            # TLP as before: the RED object only for its producer and named recipient
            assert ids[2] in {
                r.stix_id for r in store.query(ROOT, coll, Reader(team="cert-fr")).rows
            }
            assert ids[2] not in {
                r.stix_id for r in store.query(ROOT, coll, Reader(team="cert-it")).rows
            }
            partner = {r.stix_id for r in store.query(ROOT, coll, Reader(is_partner=True)).rows}
            assert partner == {ids[0], ids[3]}
    finally:
        engine.dispose()


def test_the_lookup_of_ids_across_collections_uses_the_id_index(store_url: str) -> None:
    with Store.open(store_url) as store, store.engines[0].connect() as conn:
        query = "SELECT row FROM objects WHERE stix_id IN ('indicator--a', 'indicator--b')"
        if conn.dialect.name == "sqlite":
            plan = conn.execute(text(f"EXPLAIN QUERY PLAN {query}")).all()
        else:
            conn.execute(text("SET enable_seqscan = off"))  # a few rows: it would scan
            plan = conn.execute(text(f"EXPLAIN {query}")).all()
    assert "ix_objects_stix_id" in str(plan)


def test_a_database_that_cannot_be_opened_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql://grapevine:s3cret@127.0.0.1:1/nowhere")
    message = str(caught.value)
    assert message.startswith("cannot open the store at postgresql://grapevine:***@127.0.0.1:1/")
    assert "s3cret" not in message
    with pytest.raises(StoreError, match="not a database Grapevine can use"):
        Store.open("mysql://someone@127.0.0.1/db")
