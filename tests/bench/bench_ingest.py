"""Validated TAXII ingest: ours vs medallion 3.0.0 vs ``stix2.parse`` alone, same run.

POST N indicators in envelopes of 100 over real HTTP on loopback, both servers under
waitress with the same thread count, driven by the same ``requests`` code. Ours
validates every object (STIX 2.1 and its pattern) and commits each envelope in one
durable transaction (SQLite WAL, ``synchronous=FULL``); medallion's memory backend
keeps the JSON unvalidated in memory. The third figure is ``stix2.parse`` alone,
in-process, on the same objects (no HTTP, no storage): what validating with stix2
costs by itself.

Every object has its own pattern (a mix of address-and-port, domain and URL
indicators), so no pattern is ever validated from a cache.

N is 10,000; ``GRAPEVINE_BENCH_100K=1`` adds a run at 100,000 objects (ours and
``stix2.parse`` only: medallion's memory backend compares each new object with
every stored one, so 100,000 would take it hours) and the ratio of our rate at
100,000 to our rate at 10,000 (flat is 1.0).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import stix2

from tests.bench.bench_taxii import ENVELOPE, TAXII, _medallion_app, _ours_app, _session
from tests.indicators.factory import BASE, ts

SIZES = (10_000, 100_000)
"""The sizes measured; the second only with ``GRAPEVINE_BENCH_100K=1``."""


def objects(count: int) -> list[dict]:
    """``count`` valid indicators, each with a pattern of its own."""
    out = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            host = f"203.0.113.{i % 250}"
            pattern = (
                f"[network-traffic:dst_ref.value = '{host}' AND"
                f" network-traffic:dst_port = {1024 + i // 250}]"
            )
        elif kind == 1:
            pattern = f"[domain-name:value = 'h{i}.bad.example.org']"
        else:
            pattern = f"[url:value = 'http://bad.example.com/p/{i}/x.php']"
        created = ts(i / 1000)
        out.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{i:08x}-0000-4000-8000-{int(BASE.timestamp()):012x}",
                "created": created,
                "modified": created,
                "name": f"bench indicator {i}",
                "indicator_types": ["malicious-activity"],
                "pattern": pattern,
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": created,
                "object_marking_refs": [
                    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"  # TLP:GREEN
                ],
            }
        )
    return out


def _post_all(url: str, objs: list[dict]) -> float:
    session = _session()
    bodies = [
        json.dumps({"objects": objs[start : start + ENVELOPE]})
        for start in range(0, len(objs), ENVELOPE)
    ]
    started = time.perf_counter()
    for body in bodies:
        response = session.post(url, data=body, headers={"Content-Type": TAXII})
        response.raise_for_status()
        status = response.json()
        assert status["failure_count"] == 0, status["failures"][:3]
    return len(objs) / (time.perf_counter() - started)


def _serve_and_post(app: object, collection_url: str, objs: list[dict]) -> float:
    from indicators.taxii import TaxiiServer

    with TaxiiServer(app, threads=4, max_request_body_size=50 * 1024 * 1024) as server:
        return _post_all(server.url + collection_url + "objects/", objs)


def ours(tmp: Path, objs: list[dict]) -> float:
    """Objects/s POSTed to our server on a fresh SQLite store."""
    app, collection_url, close = _ours_app(tmp / f"ingest-{len(objs)}.db")
    try:
        return _serve_and_post(app, collection_url, objs)
    finally:
        close()


def medallion(tmp: Path, objs: list[dict]) -> float:
    """Objects/s POSTed to medallion's memory backend."""
    app, collection_url = _medallion_app(tmp)
    return _serve_and_post(app, collection_url, objs)


def stix2_parse(objs: list[dict]) -> float:
    """Objects/s of ``stix2.parse`` alone, as our ingest called it before."""
    started = time.perf_counter()
    for obj in objs:
        stix2.parse(dict(obj), allow_custom=True, version="2.1")
    return len(objs) / (time.perf_counter() - started)


def run() -> list[dict]:
    sizes = SIZES if os.environ.get("GRAPEVINE_BENCH_100K") == "1" else SIZES[:1]
    rows: list[dict] = []
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for count in sizes:
            objs = objects(count)
            rates[count] = ours(Path(tmp), objs)
            parse_rate = stix2_parse(objs)
            ref = medallion(Path(tmp), objs) if count <= 10_000 else None
            rows.append(
                {
                    "measure": f"POST {count:,} indicators, envelopes of {ENVELOPE} (objects/s)",
                    "grapevine": round(rates[count], 1),
                    "medallion memory": round(ref, 1) if ref else "not run",
                    "vs medallion": round(rates[count] / ref, 2) if ref else "",
                    "stix2.parse alone": round(parse_rate, 1),
                    "vs stix2.parse": round(rates[count] / parse_rate, 2),
                    "rate vs 10,000": round(rates[count] / rates[sizes[0]], 2),
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
