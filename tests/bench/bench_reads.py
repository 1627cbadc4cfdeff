"""TAXII reads at 10,000 and 100,000 objects: ours vs a plain SQLite keyset read with
orjson, and vs medallion 3.0.0's memory backend (at 1,000: see ``MEDALLION_AT``), same run.

The store is filled through the writer API in big batches (not over HTTP; POST speed
is ``bench_taxii``'s): indicators and malware at TLP CLEAR, GREEN and AMBER, one in
twenty with a second version. Our server then runs under waitress on loopback, in a
process of its own (as a partner's client is), and a team user (so the TLP clause
with its RED-recipient lookup is in every query) reads:

* every page of ``GET objects/`` with ``limit=1000``, following ``next`` (the client
  reads each body whole and parses it with orjson, as a fast client would); figures
  are the whole read in seconds and objects per second, and the first and the last
  page in ms (the fastest of :data:`FULL_READS` reads, the references' too);
* filtered reads: ``added_after`` (the newest 1%), ``match[type]`` (malware, 20%),
  ``match[id]`` (one id; 50 ids), ``match[version]=all`` and
  ``match[spec_version]=2.1`` (both the first page), median of a few requests, ms.

The references, on the same rows (the ones the reader sees, bodies as stored):

* plain SQLite: one table ``(date_added, body)`` read by the keyset ``WHERE
  (date_added, rowid) > (?, ?) ORDER BY date_added, rowid LIMIT 1001``, each page
  written with ``orjson.dumps``, the bodies spliced in as ``orjson.Fragment`` (no
  HTTP, no parsing: the floor of any server); the same with each page then parsed
  by ``orjson.loads`` as our client parses it (the like-for-like reference: our
  figure includes that parse; the target is 4x of it); and the same read parsing
  each body with ``orjson.loads`` before writing the page;
* medallion 3.0.0 (memory backend, loaded from a data file of the same objects),
  served by waitress the same way, read with the same client code, at
  ``MEDALLION_AT`` objects only (see there).

On PostgreSQL too when its server binaries are there (:mod:`tests.postgres` starts
a server of the bench's own; with ``fsync=off``, which only writes feel).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

import orjson
import requests
from flask import Flask
from medallion import connect_to_backend, register_blueprints, set_config

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.taxii.serving import settle_heap
from indicators.tlp import TLP2_MARKING_IDS, Reader, Tlp
from indicators.users import PasswordPolicy, Role, User
from tests.bench.run import quick
from tests.indicators.factory import indicator, new_version, stix_id, ts
from tests.postgres import PostgresServer, PostgresUnavailableError

TAXII = "application/taxii+json;version=2.1"
SIZES = (1_000, 10_000, 100_000)
MEDALLION_AT = 1_000
"""medallion's memory backend matches every manifest entry against every object on
each request (quadratic: about a minute a page at 10,000), so it is read at a size it
answers in seconds, beside ours at the same size."""
PAGE = 1000
BATCH = 5000
ROOT, COLLECTION = "bench", "bench"
USER, PASSWORD, TEAM = "reader", "bench reader password", "cert-fr"
READER = Reader(team=TEAM)
REPEAT = 5
FULL_READS = 3
"""Full paged reads of each side; the fastest counts (as timeit takes the best of its
runs: on a shared machine, slower runs measure the neighbours)."""


def make_objects(count: int) -> list[dict]:
    """``count`` objects (versions): 4/5 indicators, 1/5 malware, CLEAR/GREEN/AMBER,
    every 20th followed by a second version of itself."""
    rng = random.Random(count)
    levels = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER)
    out: list[dict] = []
    i = 0
    while len(out) < count:
        tlp = levels[i % 3]
        if i % 5 == 4:
            obj = {
                "type": "malware",
                "spec_version": "2.1",
                "id": stix_id("malware", rng),
                "created": ts(i),
                "modified": ts(i),
                "name": f"dropper {i}",
                "is_family": False,
                "object_marking_refs": [TLP2_MARKING_IDS[tlp]],
            }
        else:
            obj = indicator(rng, tlp=tlp, created=i, value=f"203.0.{(i // 250) % 250}.{i % 250}")
        out.append(obj)
        if i % 20 == 0 and len(out) < count:
            out.append(new_version(obj, i + 0.5))
        i += 1
    return out


def fill(store: Store, objects: list[dict]) -> None:
    """Store ``objects`` in ``ROOT``/``COLLECTION`` through the writer, ``BATCH`` a call
    (each call's objects share one ``date_added``), the newest 1% in a call of its own."""
    store.create_api_root(ROOT, "bench")
    store.create_collection(ROOT, "bench", collection_id=COLLECTION)
    store.add_user(User(USER, Role.TEAM, TEAM), PasswordPolicy().hash(PASSWORD))
    newest = len(objects) - len(objects) // 100  # the last 1% in a call of its own
    starts = [*range(0, newest, BATCH), newest]
    for start, end in zip(starts, [*starts[1:], len(objects)], strict=True):
        chunk = objects[start:end]
        status = store.add_objects(ROOT, COLLECTION, chunk, producer="cert-de")
        assert status["success_count"] == len(chunk), status.get("failures", [])[:3]


# -- the client -------------------------------------------------------------------------


def _session(user: str, password: str) -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = TAXII
    session.auth = (user, password)
    return session


def _get(session: requests.Session, url: str, params: dict) -> bytes:
    """The body of ``GET url``, read whole: streamed and read in one call, where
    ``response.content`` reads it 10 KB at a time (about 1.4 ms per MB page on
    loopback, a third of a full read's time, and the client's, not the server's)."""
    with session.get(url, params=params, stream=True) as response:
        response.raise_for_status()
        return response.raw.read(decode_content=True)


def paged_read(session: requests.Session, url: str) -> tuple[int, float, list[float]]:
    """Read every page of ``url``: (objects, seconds, each page's seconds)."""
    pages: list[float] = []
    seen, params = 0, {"limit": PAGE}
    started = time.perf_counter()
    while True:
        begun = time.perf_counter()
        body = orjson.loads(_get(session, url, params))
        pages.append(time.perf_counter() - begun)
        seen += len(body.get("objects", []))
        if not body.get("more"):
            break
        params = {"limit": PAGE, "next": body["next"]}
    return seen, time.perf_counter() - started, pages


def timed_get(
    session: requests.Session, url: str, params: dict, repeat: int = REPEAT
) -> tuple[float, int]:
    """Median ms of ``repeat`` GETs of ``url`` and how many objects the answer held."""
    times, count = [], 0
    for _ in range(repeat):
        begun = time.perf_counter()
        count = len(orjson.loads(_get(session, url, params)).get("objects", []))
        times.append((time.perf_counter() - begun) * 1000)
    return statistics.median(times), count


def filters(objects: list[dict], added_after: str) -> dict[str, dict]:
    """The filtered reads: label -> query parameters."""
    ids = list(dict.fromkeys(o["id"] for o in objects))
    return {
        "added_after (newest 1%)": {"added_after": added_after, "limit": PAGE},
        "match[type]=malware": {"match[type]": "malware", "limit": PAGE},
        "match[id], one id": {"match[id]": ids[len(ids) // 2]},
        "match[id], 50 ids": {"match[id]": ",".join(ids[:: max(1, len(ids) // 50)][:50])},
        "match[version]=all": {"match[version]": "all", "limit": PAGE},
        "match[spec_version]=2.1": {"match[spec_version]": "2.1", "limit": PAGE},
    }


def our_app(location: str) -> Flask:
    """Our TAXII app over the store at ``location``."""
    return create_app(ServerConfig(db=location, api_root=ROOT))


def _serve(factory: str, argument: str, ports: Queue, stop: Event) -> None:
    """In the server's own process: serve ``factory(argument)`` until ``stop``."""
    app = globals()[factory](argument)
    settle_heap()  # as grapevine serve does before it serves
    with TaxiiServer(app, threads=4) as server:
        ports.put(server.port)
        stop.wait(3600)


def measure(
    factory: str,
    argument: str,
    base: str,
    objects: list[dict],
    added_after: str,
    repeat: int = REPEAT,
) -> dict:
    """Paged and filtered reads of the collection at ``base`` (a path under the server),
    from a server in a process of its own, as a partner's client is (no GIL shared)."""
    context = multiprocessing.get_context("spawn")
    ports, stop = context.Queue(), context.Event()
    process = context.Process(target=_serve, args=(factory, argument, ports, stop))
    process.start()
    try:
        port = ports.get(timeout=600)
        # The client's garbage collector is paused while it reads, as timeit pauses it
        # and as the plain SQLite reference below runs: when and how long it runs
        # depends on what else the bench process holds (every object it stored), not
        # on the server, and it more than doubled the client's parse of a page.
        gc.collect()
        gc.disable()
        session = _session(USER, PASSWORD)
        url = f"http://127.0.0.1:{port}/{base}objects/"
        session.get(url, params={"limit": 1}).raise_for_status()  # logged in, warm
        reads = [paged_read(session, url) for _ in range(FULL_READS)]
        seen, seconds, pages = min(reads, key=lambda read: read[1])
        result = {"objects": seen, "seconds": seconds, "pages": pages}
        result["filters"] = {
            label: timed_get(session, url, params, repeat)
            for label, params in filters(objects, added_after).items()
        }
        return result
    finally:
        gc.enable()
        stop.set()
        process.join(60)
        if process.is_alive():
            process.kill()
            process.join(10)


# -- the plain SQLite reference ----------------------------------------------------------


def reference(tmp: Path, rows: list[tuple[int, str]], parse: bool, client: bool = False) -> dict:
    """Every page of a plain SQLite table read by keyset and written with orjson
    (``parse``: each body parsed first; ``client``: the page parsed afterwards)."""
    path = tmp / f"reference-{len(rows)}-{parse}-{client}.db"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE objects (date_added INTEGER NOT NULL, body TEXT NOT NULL)")
    conn.execute("CREATE INDEX ix_page ON objects (date_added)")  # + rowid, implicitly
    conn.executemany("INSERT INTO objects VALUES (?, ?)", rows)
    conn.commit()
    sql = (
        "SELECT rowid, date_added, body FROM objects WHERE (date_added, rowid) > (?, ?)"
        " ORDER BY date_added, rowid LIMIT ?"
    )
    reads = [_reference_read(conn, sql, parse, client) for _ in range(FULL_READS)]
    conn.close()
    return min(reads, key=lambda read: read["seconds"])


def _reference_read(conn: sqlite3.Connection, sql: str, parse: bool, client: bool) -> dict:
    pages: list[float] = []
    seen, after = 0, (-1, -1)
    gc.collect()
    gc.disable()  # as the client of ours reads (see measure)
    started = time.perf_counter()
    while True:
        begun = time.perf_counter()
        found = conn.execute(sql, (*after, PAGE + 1)).fetchall()
        more = len(found) > PAGE
        found = found[:PAGE]
        items = [orjson.loads(b) if parse else orjson.Fragment(b) for _, _, b in found]
        page: dict = {"more": more}
        if more:
            after = (found[-1][1], found[-1][0])
            page["next"] = f"{after[0]}.{after[1]}"
        page["objects"] = items
        data = orjson.dumps(page)
        if client:
            assert len(orjson.loads(data)["objects"]) == len(items)
        pages.append(time.perf_counter() - begun)
        seen += len(items)
        assert data
        if not more:
            break
    seconds = time.perf_counter() - started
    gc.enable()
    return {"objects": seen, "seconds": seconds, "pages": pages}


# -- medallion ----------------------------------------------------------------------------


def medallion_data(tmp: Path, objects: list[dict]) -> str:
    """A medallion data file of ``objects`` (TLP is not medallion's to apply)."""
    manifest = [
        {
            "id": o["id"],
            "date_added": ts(i),
            "version": o["modified"],
            "media_type": "application/stix+json;version=2.1",
        }
        for i, o in enumerate(objects)
    ]
    data = {
        "/discovery": {"title": "reference", "api_roots": ["http://localhost/api1/"]},
        "api1": {
            "information": {"title": "api1", "versions": [TAXII], "max_content_length": 10**8},
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }
    path = tmp / "medallion.json"
    path.write_text(json.dumps(data))
    return str(path)


def medallion_app(path: str) -> Flask:
    """medallion's memory backend over the data file at ``path``."""
    app = Flask("medallion-reference")
    set_config(app, "users", {"users": {USER: PASSWORD}})
    set_config(app, "taxii", {"taxii": {"max_page_size": PAGE}})
    app.medallion_backend = connect_to_backend(
        {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": path,
            "session_timeout": 600,
        }
    )
    register_blueprints(app)
    return app


# -- the run ------------------------------------------------------------------------------


def ours(location: str, objects: list[dict]) -> tuple[dict, list[tuple[int, str]], float]:
    """Fill a store at ``location``, read it over TAXII; also the rows the reader sees
    (for the reference) and the seconds the fill took."""
    store = Store.open(location)
    try:
        begun = time.perf_counter()
        fill(store, objects)
        filled = time.perf_counter() - begun
        visible = store.query(ROOT, COLLECTION, READER).rows
        rows = [(r.date_added_us, r.body) for r in visible]
        newest = visible[-1].date_added_us
        added_after = next(r for r in reversed(visible) if r.date_added_us < newest).date_added
        result = measure(
            "our_app", location, f"{ROOT}/collections/{COLLECTION}/", objects, added_after
        )
        result["added_after"] = added_after
        return result, rows, filled
    finally:
        store.close()


def _last_full(pages: list[float]) -> float:
    """The last full page's time (the very last page may be short)."""
    return pages[-2] if len(pages) > 1 else pages[-1]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def paged_rows(
    label: str, result: dict, ref: dict, client: dict, parsed: dict, med: dict | None
) -> list[dict]:
    first, last = result["pages"][0], _last_full(result["pages"])
    reference = (
        f"plain SQLite+orjson {ref['seconds']:.3f} s; + the client's parse"
        f" {client['seconds']:.3f} s; parsing each body {parsed['seconds']:.3f} s"
    )
    ratio = (
        f"{result['seconds'] / client['seconds']:.1f}x plain + client parse (target 4x);"
        f" {result['seconds'] / ref['seconds']:.1f}x plain unparsed;"
        f" {result['seconds'] / parsed['seconds']:.1f}x parsing bodies;"
        f" last/first page {last / first:.2f} (target 1.5)"
    )
    if med is not None:
        reference += f"; medallion 3.0 {med['seconds']:.2f} s"
        ratio += f"; {result['seconds'] / med['seconds']:.2f}x medallion"
    row = {
        "measure": f"{label}: every page, limit={PAGE} (s)",
        "grapevine": f"{result['seconds']:.3f}",
        "reference": reference,
        "ratio": ratio,
        "server peak MiB": result.get("peak"),
        "grapevine s": round(result["seconds"], 2),
        "objects/s": round(result["objects"] / result["seconds"]),
        "plain SQLite+orjson s": round(ref["seconds"], 3),
        "x plain": round(result["seconds"] / ref["seconds"], 1),
        "plain + client parse s": round(client["seconds"], 3),
        "x plain + client parse": round(result["seconds"] / client["seconds"], 1),
        "plain, parsing s": round(parsed["seconds"], 3),
        "x plain, parsing": round(result["seconds"] / parsed["seconds"], 1),
        "first page ms": _ms(first),
        "last full page ms": _ms(last),
        "last/first": round(last / first, 2),
        "plain first/last ms": f"{_ms(ref['pages'][0])}/{_ms(_last_full(ref['pages']))}",
    }
    if med is not None:
        row["medallion s"] = round(med["seconds"], 2)
        row["x medallion"] = round(result["seconds"] / med["seconds"], 2)
    assert result["objects"] == ref["objects"], (result["objects"], ref["objects"])
    return [row]


def filter_rows(label: str, result: dict, med: dict | None) -> list[dict]:
    rows = []
    for name, (ms, count) in result["filters"].items():
        row = {
            "measure": f"{label}: {name} (ms, median of {REPEAT}; objects)",
            "grapevine": f"{ms:.1f} ({count:,})",
            "grapevine ms": round(ms, 1),
            "objects": count,
        }
        if med is not None:
            mms, mcount = med["filters"][name]
            row["reference"] = f"medallion 3.0 {mms:.1f} ({mcount:,})"
            row["ratio"] = f"{ms / mms:.3f}x medallion"
            row["medallion ms"] = round(mms, 1)
            row["medallion objects"] = mcount
        rows.append(row)
    return rows


def run_backend(name: str, tmp: Path, new_location: Callable[[int], str]) -> list[dict]:
    rows: list[dict] = []
    for size in SIZES[:-1] if quick() else SIZES:
        objects = make_objects(size)
        result, visible, filled = ours(new_location(size), objects)
        ref = reference(tmp, visible, parse=False)
        client = reference(tmp, visible, parse=False, client=True)
        parsed = reference(tmp, visible, parse=True)
        med = None
        if size == MEDALLION_AT and name == "SQLite":
            med = measure(
                "medallion_app",
                medallion_data(tmp, objects),  # CLEAR, GREEN, AMBER: a team reads them all
                f"api1/collections/{COLLECTION}/",
                objects,
                ts(size - size // 100 - 1),  # medallion's date_added: the object's index
                repeat=1,
            )
        label = f"{name}, {size:,} objects"
        rows.append(
            {"measure": f"{label}: filled through the writer (s)", "grapevine": round(filled, 1)}
        )
        rows += paged_rows(label, result, ref, client, parsed, med)
        rows += filter_rows(label, result, med)
    return rows


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as name:
        tmp = Path(name)
        rows = run_backend("SQLite", tmp, lambda size: str(tmp / f"reads-{size}.db"))
        try:
            server = PostgresServer().start()
        except PostgresUnavailableError as exc:
            rows.append({"measure": f"PostgreSQL: skipped ({str(exc).splitlines()[0]})"})
            return rows
        try:
            rows += run_backend("PostgreSQL", tmp, lambda size: server.create_database())
        finally:
            server.stop()
    return rows


if __name__ == "__main__":
    for line in run():
        print(line)
