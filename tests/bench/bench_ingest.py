"""Validated TAXII ingest: ours vs medallion 3.0.0 vs ``stix2.parse`` alone, same run.

POST N indicators in envelopes of 100 over real HTTP on loopback, both servers under
waitress with the same thread count, driven by the same ``requests`` code. Ours
validates every object (STIX 2.1 and its pattern) and commits each envelope in one
durable transaction (SQLite WAL, ``synchronous=FULL``); medallion's memory backend
keeps the JSON unvalidated in memory. The third figure is ``stix2.parse`` alone,
in-process, on the same objects (no HTTP, no storage): what validating with stix2
costs by itself. The three take turns envelope by envelope, so a change in the
shared machine's load falls on all of them alike.

Every object has its own pattern (a mix of address-and-port, domain and URL
indicators), so no pattern is ever validated from a cache.

N is 10,000, then 100,000 (``GRAPEVINE_BENCH_QUICK=1`` leaves that out; ours and
``stix2.parse`` only: medallion's memory backend compares each new object with
every stored one, so 100,000 would take it hours) and the ratio of our rate at
100,000 to our rate at 10,000 (flat is 1.0), also corrected for the machine's load
by dividing each by the ``stix2.parse`` rate measured alongside it.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from pathlib import Path

import requests
import stix2

from tests.bench.bench_taxii import ENVELOPE, TAXII, _medallion_app, _ours_app, _session
from tests.bench.run import quick
from tests.indicators.factory import BASE, ts

SIZES = (10_000, 100_000)
"""The sizes measured; the second not with ``GRAPEVINE_BENCH_QUICK=1``."""


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


def _envelopes(objs: list[dict]) -> list[tuple[list[dict], str]]:
    return [
        (objs[start : start + ENVELOPE], json.dumps({"objects": objs[start : start + ENVELOPE]}))
        for start in range(0, len(objs), ENVELOPE)
    ]


def _post(session: requests.Session, url: str, body: str) -> float:
    """Seconds to POST one envelope (every object must be accepted)."""
    started = time.perf_counter()
    response = session.post(url, data=body, headers={"Content-Type": TAXII})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    status = response.json()
    assert status["failure_count"] == 0, status["failures"][:3]
    return elapsed


def _parse(envelope: list[dict]) -> float:
    """Seconds of ``stix2.parse`` alone on one envelope, as our ingest called it before."""
    started = time.perf_counter()
    for obj in envelope:
        stix2.parse(dict(obj), allow_custom=True, version="2.1")
    return time.perf_counter() - started


def measure(tmp: Path, objs: list[dict], with_medallion: bool) -> dict[str, float]:
    """Objects/s of each contender. The machine is shared and its load changes, so the
    contenders take turns envelope by envelope (ours, medallion, stix2.parse on the
    same 100 objects): each sees the same load, and the ratios hold within one run."""
    from indicators.taxii import TaxiiServer

    limit = 50 * 1024 * 1024
    app, collection_url, close = _ours_app(tmp / f"ingest-{len(objs)}.db")
    servers = {"grapevine": (app, collection_url)}
    if with_medallion:
        servers["medallion"] = _medallion_app(tmp)
    seconds = dict.fromkeys([*servers, "stix2.parse"], 0.0)
    try:
        with contextlib.ExitStack() as stack:
            urls = {}
            for name, (wsgi, path) in servers.items():
                server = stack.enter_context(
                    TaxiiServer(wsgi, threads=4, max_request_body_size=limit)
                )
                urls[name] = (server.url + path + "objects/", _session())
            for envelope, body in _envelopes(objs):
                for name, (url, session) in urls.items():
                    seconds[name] += _post(session, url, body)
                seconds["stix2.parse"] += _parse(envelope)
    finally:
        close()
    return {name: len(objs) / spent for name, spent in seconds.items()}


def run() -> list[dict]:
    sizes = SIZES[:1] if quick() else SIZES
    rows: list[dict] = []
    rates: dict[int, float] = {}
    parse_rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for count in sizes:
            got = measure(Path(tmp), objects(count), with_medallion=count <= 10_000)
            rates[count] = got["grapevine"]
            parse_rate = parse_rates[count] = got["stix2.parse"]
            ref = got.get("medallion")
            rows.append(
                {
                    "measure": f"POST {count:,} indicators, envelopes of {ENVELOPE} (objects/s)",
                    "grapevine": round(rates[count], 1),
                    "reference": (f"medallion 3.0 {ref:,.1f} / " if ref else "")
                    + f"stix2.parse alone {parse_rate:,.1f}",
                    "ratio": (f"{rates[count] / ref:.2f}x medallion, " if ref else "")
                    + f"{rates[count] / parse_rate:.2f}x stix2.parse"
                    + (
                        ""
                        if count == sizes[0]
                        else f"; {rates[count] / rates[sizes[0]]:.2f} of the 10,000 rate"
                    ),
                    "medallion memory": round(ref, 1) if ref else "not run",
                    "vs medallion": round(rates[count] / ref, 2) if ref else "",
                    "stix2.parse alone": round(parse_rate, 1),
                    "vs stix2.parse": round(rates[count] / parse_rate, 2),
                    "rate vs 10,000": round(rates[count] / rates[sizes[0]], 2),
                    "vs stix2.parse, vs 10,000": round(
                        rates[count] / parse_rate / (rates[sizes[0]] / parse_rates[sizes[0]]), 2
                    ),
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
