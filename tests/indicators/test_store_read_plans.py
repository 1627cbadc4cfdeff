"""The reads of TAXII filters use indexes: the SQL the reader issues for ``added_after``,
``next``, ``match[id|type|version|spec_version]`` and single-object reads is
explained by the database itself (SQLite: ``EXPLAIN QUERY PLAN``; PostgreSQL:
``EXPLAIN``), and the plan finds the rows of ``objects`` through an index, never by
reading the whole table, and never sorts a collection to cut a page.

On PostgreSQL the planner prefers reading a table this small whole, whatever the
indexes, so the plans are asked for with ``enable_seqscan`` off: a sequential scan
is then still chosen where no index can answer the query, which is what is checked.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from indicators.store import ObjectFilter, Store
from indicators.store.timestamps import parse_us
from indicators.tlp import TLP2_MARKING_IDS, Reader, Tlp
from tests.indicators.factory import indicator, new_version, stix_id, ts

ROOT, COLL = "root", "coll"
OBJECTS = 600
READERS = {
    "director": Reader(is_director=True),
    "team": Reader(team="cert-fr"),
    "partner": Reader(is_partner=True),
}


def _malware(rng: random.Random, i: int, tlp: Tlp) -> dict:
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": stix_id("malware", rng),
        "created": ts(i),
        "modified": ts(i),
        "name": f"dropper {i}",
        "is_family": False,
        "object_marking_refs": [TLP2_MARKING_IDS[tlp]],
    }


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A collection of indicators and malware at every TLP level, some RED for a
    named recipient, some with two versions, written in several envelopes."""
    rng = random.Random(7)
    levels = list(Tlp)
    objects: list[dict] = []
    for i in range(OBJECTS):
        tlp = levels[i % len(levels)]
        if i % 4 == 3:
            obj = _malware(rng, i, tlp)
        else:
            recipients = ["cert-fr"] if tlp is Tlp.RED and i % 2 else None
            obj = indicator(rng, tlp=tlp, created=i, recipients=recipients)
        objects.append(obj)
        if i % 10 == 0:
            objects.append(new_version(obj, i + 0.5))
    with Store.open(store_url) as opened:
        opened.create_api_root(ROOT, "root")
        opened.ensure_team("cert-fr")
        opened.ensure_team("cert-de")
        opened.create_collection(ROOT, "c", collection_id=COLL)
        for start in range(0, len(objects), 150):
            chunk = objects[start : start + 150]
            status = opened.add_objects(ROOT, COLL, chunk, producer="cert-de")
            assert status["success_count"] == len(chunk), status
        read = opened.engines[0]
        if read.dialect.name == "postgresql":
            with read.begin() as conn:
                conn.execute(text("ANALYZE"))
        yield opened


def _statements(store: Store, call: object) -> list[tuple[str, object]]:
    """The SQL (and parameters) ``call()`` sent through the store's read engine."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    read = store.engines[0]
    event.listen(read, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(read, "before_cursor_execute", record)
    return seen


def _plan(store: Store, statement: str, parameters: object) -> list[str]:
    read = store.engines[0]
    with read.connect() as conn:
        if read.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return [row[-1] for row in rows]
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return [row[0] for row in rows]


def _object_reads(store: Store, call: object) -> list[list[str]]:
    """The plans of the reads of ``objects`` that ``call()`` made."""
    plans = [
        _plan(store, statement, parameters)
        for statement, parameters in _statements(store, call)
        if re.search(r"\bFROM objects\b", statement)
    ]
    assert plans, "the call read nothing from objects"
    return plans


WHOLE = frozenset({"no filter", "match[version]=all", "match[spec_version]"})
"""Reads of a whole collection, a page at a time: never sorted to cut a page."""


def _check(
    store: Store, plan: list[str], whole: bool = False, by_id: bool = False, seek: bool = False
) -> None:
    """``whole``: a whole collection paged (no sort); ``by_id``: rows found by id;
    ``seek``: a page after ``next`` of a whole collection, which must start in the page
    index at the cursor, not walk it from the collection's first object."""
    shown = "\n".join(plan)
    if seek and store.engines[0].dialect.name == "sqlite":
        assert re.match(
            r"SEARCH objects USING INDEX ix_objects_page .*date_added_us>\?", plan[0]
        ), shown
    elif seek:
        assert re.search(
            r'Index Cond: .*ROW\((objects\.)?date_added_us, (objects\.)?"?row"?\) >', shown
        ), shown
    if by_id and store.engines[0].dialect.name == "sqlite":
        assert any(re.match(r"SEARCH objects USING .*\bstix_id=", x) for x in plan), shown
    elif by_id:
        assert re.search(r"on objects  \(.*\n.*(Index Cond|Recheck Cond): .*\bstix_id = ", shown), (
            shown
        )
    if store.engines[0].dialect.name == "sqlite":
        assert not any(re.match(r"SCAN objects\b", line) for line in plan), shown
        assert any(re.match(r"SEARCH objects USING (COVERING )?INDEX", line) for line in plan), (
            shown
        )
        assert not (whole and any("USE TEMP B-TREE FOR ORDER BY" in x for x in plan)), shown
    else:
        assert "Seq Scan on objects" not in shown, shown
        assert not (whole and re.search(r"Sort Key: objects\.date_added_us", shown)), shown
        assert re.search(r"Index (Only )?Scan.* on objects|Bitmap Index Scan on \w+", shown), shown


def _filters(store: Store) -> dict[str, ObjectFilter]:
    director = READERS["director"]
    rows = store.query(ROOT, COLL, director, ObjectFilter(versions=frozenset({"all"}))).rows
    middle = rows[len(rows) // 2]
    ids = tuple(dict.fromkeys(r.stix_id for r in rows))
    return {
        "no filter": ObjectFilter(),
        "added_after": ObjectFilter(added_after_us=middle.date_added_us),
        "match[id]": ObjectFilter(ids=(middle.stix_id,)),
        "match[id], several": ObjectFilter(ids=ids[:5]),
        "match[type]": ObjectFilter(types=("malware",)),
        "match[version]=first": ObjectFilter(versions=frozenset({"first"})),
        "match[version]=all": ObjectFilter(versions=frozenset({"all"})),
        "match[version]=timestamp": ObjectFilter(
            versions=frozenset(),
            version_times=(parse_us(middle.version), parse_us(rows[3].version)),
        ),
        "match[spec_version]": ObjectFilter(spec_versions=("2.1",)),
        "match[type] + added_after": ObjectFilter(
            types=("indicator",), added_after_us=middle.date_added_us
        ),
    }


@pytest.mark.parametrize("who", list(READERS))
def test_filtered_reads_use_indexes_and_never_read_the_whole_table(store: Store, who: str) -> None:
    reader = READERS[who]
    paged: set[str] = set()
    for name, flt in _filters(store).items():
        first = store.query(ROOT, COLL, reader, flt, limit=20)
        for plan in _object_reads(
            store, lambda f=flt: store.query(ROOT, COLL, reader, f, limit=20)
        ):
            _check(store, plan, name in WHOLE, name.startswith("match[id]"))
        if first.next is not None:  # the next page: the keyset position uses the index too
            nxt = first.next
            for plan in _object_reads(
                store, lambda f=flt, n=nxt: store.query(ROOT, COLL, reader, f, limit=20, next=n)
            ):
                _check(store, plan, name in WHOLE, seek=name in WHOLE)
            paged.add(name)
    assert {"no filter", "added_after", "match[type]"} <= paged  # the keyset path was checked


@pytest.mark.parametrize("who", list(READERS))
def test_a_single_object_read_uses_an_index(store: Store, who: str) -> None:
    reader = READERS[who]
    some = store.query(ROOT, COLL, reader, limit=5).rows[3].stix_id
    for versions in ("last", "first", "all"):
        flt = ObjectFilter(versions=frozenset({versions}))
        plans = _object_reads(
            store, lambda f=flt: store.query(ROOT, COLL, reader, f, object_id=some)
        )
        for plan in plans:
            _check(store, plan, by_id=True)


def test_the_check_fails_on_a_read_of_the_whole_table(store: Store) -> None:
    """The plan check itself: a query no index can answer is caught."""
    statement = "SELECT row FROM objects WHERE length(body) > 10"
    plan = _plan(store, statement, {} if store.engines[0].dialect.name == "postgresql" else ())
    with pytest.raises(AssertionError):
        _check(store, plan)
