"""TAXII through ``grapevine serve`` as users run it: SQLite in one process, and
PostgreSQL with 1 and 4 gunicorn workers, at 10,000 and 100,000 objects.

Each configuration is the real command in a process of its own on a free loopback
port, over a new store (PostgreSQL: a server of the bench's own, :mod:`tests.postgres`,
with its durable defaults, fsync on, as SQLite's store is with synchronous=FULL).
Against each one, in the same run:

* ingest: 4 clients POST envelopes of 100 indicators (each with a pattern of its
  own, :func:`tests.bench.bench_ingest.objects`) at once until every object is in;
  objects per second;
* paged read: one client reads every page (``limit=1000``, following ``next``);
  then 4 clients do so at once (objects per second, all of them together);
* filtered read: ``added_after`` the last page's first ``date_added`` (ms, median);
* the server's peak memory: the summed peak resident set of its processes.

The reference is the SQLite configuration of the same run (the embedded default); the
ratio column is each configuration against it.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from indicators.store import Store
from indicators.users import PasswordPolicy, Role, User
from range.load import ServerProcess, resident_bytes
from tests.bench.bench_ingest import objects
from tests.bench.run import quick
from tests.postgres import PostgresServer, PostgresUnavailableError

TAXII = "application/taxii+json;version=2.1"
SIZES = (10_000, 100_000)
CLIENTS = 4
ENVELOPE = 100
PAGE = 1000
ROOT = "grapevine"
USER, PASSWORD, TEAM = "bench-writer", "bench writer password", "cert-de"


def _session() -> requests.Session:
    """A client that, as well-behaved clients do, tries again after a ``503`` with
    ``Retry-After`` (the server's back-pressure while the first logins of every client
    and worker wait for a password check); nothing else is retried."""
    session = requests.Session()
    session.headers["Accept"] = TAXII
    session.auth = (USER, PASSWORD)
    retry = Retry(total=5, connect=0, read=0, status_forcelist=[503], allowed_methods=None)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def _prepare(db: str) -> str:
    """The collection's id in a new store at ``db`` with the bench's team user."""
    with Store.open(db) as store:
        store.ensure_api_root(ROOT, "Grapevine")
        collection = store.provision_team(TEAM, ROOT).id
        store.add_user(User(USER, Role.TEAM, TEAM), PasswordPolicy().hash(PASSWORD))
    return collection


def _together(work: Callable[[int], object]) -> float:
    """Seconds for :data:`CLIENTS` threads to run ``work(i)`` at once."""
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def _ingest(url: str, objs: list[dict]) -> float:
    """Objects/s of :data:`CLIENTS` clients POSTing every envelope of ``objs``."""
    bodies = [
        orjson.dumps({"objects": objs[i : i + ENVELOPE]}) for i in range(0, len(objs), ENVELOPE)
    ]

    def post(client: int) -> None:
        session = _session()
        for body in bodies[client::CLIENTS]:
            response = session.post(url, data=body, headers={"Content-Type": TAXII})
            response.raise_for_status()
            status = response.json()
            assert status["failure_count"] == 0, status["failures"][:3]

    return len(objs) / _together(post)


def _read_all(session: requests.Session, url: str) -> tuple[int, str]:
    """Every page of ``url``: (objects, the last page's first date_added)."""
    params: dict = {"limit": PAGE}
    seen, first = 0, ""
    while True:
        response = session.get(url, params=params)
        response.raise_for_status()
        body = orjson.loads(response.content)
        seen += len(body.get("objects", []))
        first = response.headers.get("X-TAXII-Date-Added-First", first)
        if not body.get("more"):
            return seen, first
        params = {"limit": PAGE, "next": body["next"]}


def measure(args: list[str], db: str, size: int, tmp: Path) -> dict:
    collection = _prepare(db)
    server = ServerProcess(["serve", "--db", db, "--port", "0", *args], tmp / "server.log")
    try:
        base = server.ready()
        url = f"{base}{ROOT}/collections/{collection}/objects/"
        ingest = _ingest(url, objects(size))
        session = _session()
        begun = time.perf_counter()
        seen, last_first = _read_all(session, url)
        one = time.perf_counter() - begun
        assert seen == size, (seen, size)
        counts: list[int] = []
        together = _together(lambda i: counts.append(_read_all(_session(), url)[0]))
        assert counts == [size] * CLIENTS, counts
        times = []
        for _ in range(5):
            begun = time.perf_counter()
            response = session.get(url, params={"added_after": last_first, "limit": PAGE})
            response.raise_for_status()
            times.append((time.perf_counter() - begun) * 1000)
        peak = resident_bytes(server.pids(), "VmHWM")
    finally:
        server.stop()
    return {
        "ingest": ingest,
        "read one": one,
        "read together": CLIENTS * size / together,
        "added_after ms": statistics.median(times),
        "peak MiB": (peak or 0) / 2**20,
    }


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as name:
        tmp = Path(name)
        try:
            postgres: PostgresServer | None = PostgresServer(durable=True).start()
        except PostgresUnavailableError as exc:
            postgres = None
            rows.append({"measure": f"PostgreSQL: skipped ({str(exc).splitlines()[0]})"})
        try:
            for size in SIZES[:1] if quick() else SIZES:
                configs: dict[str, tuple[list[str], str]] = {
                    "SQLite, one process": ([], str(tmp / f"workers-{size}.db"))
                }
                if postgres is not None:
                    for workers in (1, 4):
                        configs[f"PostgreSQL, {workers} worker{'s' * (workers > 1)}"] = (
                            ["--workers", str(workers)],
                            postgres.create_database(),
                        )
                results = {
                    label: measure(args, db, size, tmp) for label, (args, db) in configs.items()
                }
                rows += _rows(size, results)
        finally:
            if postgres is not None:
                postgres.stop()
    return rows


def _rows(size: int, results: dict[str, dict]) -> list[dict]:
    base = results["SQLite, one process"]
    what = {
        "ingest": (f"{CLIENTS} clients POST envelopes of {ENVELOPE} at once", "objects/s", True),
        "read one": (f"one client reads every page, limit={PAGE}", "s", False),
        "read together": (f"{CLIENTS} clients read every page at once", "objects/s", True),
        "added_after ms": ("added_after the last page (median of 5)", "ms", False),
    }
    rows = []
    for key, (text, unit, higher_better) in what.items():
        for label, result in results.items():
            ratio = result[key] / base[key] if higher_better else base[key] / result[key]
            rows.append(
                {
                    "measure": f"serve, {size:,} objects, {label}: {text} ({unit})",
                    "grapevine": round(result[key], 2 if unit == "s" else 1),
                    "reference": f"SQLite one process {base[key]:,.2f}"
                    if label != "SQLite, one process"
                    else "",
                    "ratio": f"{ratio:.2f}x as fast" if label != "SQLite, one process" else "",
                    "server peak MiB": round(result["peak MiB"], 1),
                }
            )
    for label, result in results.items():
        rows.append(
            {
                "measure": f"serve, {size:,} objects, {label}: server peak memory (MiB)",
                "grapevine": round(result["peak MiB"], 1),
                "what": "summed peak resident set of the server's processes",
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
