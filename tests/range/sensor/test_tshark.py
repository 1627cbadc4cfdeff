"""range.sensor against tshark: the same pcap, read by both, must give the same flows,
HTTP requests, DNS queries and answers, and TLS server names.

The tutorial is compared in full; each big scenario on a bounded slice (the first
frames of its first team, injects included) to keep the suite fast.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from range.sensor import Sensor
from scenarios import library
from scenarios.frames import Frame
from scenarios.pcap import write_pcapng
from scenarios.traffic import generate

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")

SLICE = 15_000
"""Frames taken from each big scenario (its first team)."""

TLS_ELSEWHERE = (587, 8883)
"""Ports the scenarios run TLS on (implicit-TLS submission, MQTT over TLS) that tshark
does not decode as TLS by default."""

FIELDS = (
    "ip.src",
    "ipv6.src",
    "ip.dst",
    "ipv6.dst",
    "ip.proto",
    "ipv6.nxt",
    "tcp.srcport",
    "tcp.dstport",
    "udp.srcport",
    "udp.dstport",
    "http.request.method",
    "http.host",
    "http.request.uri",
    "dns.flags.response",
    "dns.qry.name",
    "dns.a",
    "dns.aaaa",
    "dns.cname",
    "tls.handshake.extensions_server_name",
)


@functools.cache
def frames_of(name: str) -> tuple[Frame, ...]:
    scenario = library.load(name)
    if name == "tutorial":
        return tuple(generate(scenario))
    out = []
    for frame in generate(scenario, scenario.teams[0].id):
        out.append(frame)
        if len(out) >= SLICE:
            break
    return tuple(out)


def tshark_rows(path: Path) -> list[dict[str, list[str]]]:
    args = ["tshark", "-n", "-r", str(path), "-T", "fields", "-E", "separator=\t"]
    args += ["-o", "tcp.desegment_tcp_streams:TRUE"]
    for port in TLS_ELSEWHERE:  # the sensor finds TLS by content, tshark by port
        args += ["-d", f"tcp.port=={port},tls"]
    for field in FIELDS:
        args += ["-e", field]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=120).stdout
    rows = []
    for line in out.splitlines():
        values = line.split("\t")
        rows.append({f: (v.split(",") if v else []) for f, v in zip(FIELDS, values, strict=False)})
    return rows


def first(row: dict[str, list[str]], *fields: str) -> str | None:
    for field in fields:
        if row.get(field):
            return row[field][0]
    return None


def tshark_view(path: Path) -> dict[str, Counter]:
    flows: Counter = Counter()
    http: Counter = Counter()
    queries: Counter = Counter()
    answers: set = set()
    sni: Counter = Counter()
    for row in tshark_rows(path):
        src, dst = first(row, "ip.src", "ipv6.src"), first(row, "ip.dst", "ipv6.dst")
        proto = first(row, "ip.proto", "ipv6.nxt")
        if src is None or proto is None:
            continue
        proto = int(proto)
        if proto == 6:
            sport, dport = int(first(row, "tcp.srcport")), int(first(row, "tcp.dstport"))
        elif proto == 17:
            sport, dport = int(first(row, "udp.srcport")), int(first(row, "udp.dstport"))
        else:
            sport = dport = 0
        flows[frozenset(((src, sport), (dst, dport))), proto] += 1
        host = first(row, "http.host")
        for method, uri in zip(
            row.get("http.request.method", []), row.get("http.request.uri", []), strict=False
        ):
            http[method, host, uri] += 1
        names = [n.lower() for n in row.get("dns.qry.name", [])]
        if row.get("dns.flags.response") == ["0"] or row.get("dns.flags.response") == ["False"]:
            queries.update(names[:1])
        elif names:
            for kind in ("dns.a", "dns.aaaa", "dns.cname"):
                answers |= {(names[0], kind, v.lower()) for v in row.get(kind, [])}
        sni.update(row.get("tls.handshake.extensions_server_name", []))
    return {"flows": flows, "http": http, "queries": queries, "answers": answers, "sni": sni}


def sensor_view(frames: tuple[Frame, ...]) -> dict[str, Counter]:
    sensor = Sensor()
    observations = []
    for frame in frames:
        observations += sensor.feed(frame.time, frame.data, frame.label)
    observations += sensor.flush()
    flows: Counter = Counter()
    http: Counter = Counter()
    queries: Counter = Counter()
    answers: set = set()
    sni: Counter = Counter()
    for obs in observations:
        objects = {o["id"]: o for o in obs.bundle["objects"][1:]}
        main = obs.bundle["objects"][1]
        for o in objects.values():
            if o["type"] != "network-traffic":
                continue
            src, dst = objects[o["src_ref"]]["value"], objects[o["dst_ref"]]["value"]
            ends = frozenset(((src, o.get("src_port", 0)), (dst, o.get("dst_port", 0))))
            l4 = {"tcp": 6, "udp": 17, "icmp": 1, "ipv6-icmp": 58}[o["protocols"][1]]
            if "src_packets" in o:
                flows[ends, l4] += o["src_packets"] + o["dst_packets"]
            ext = o.get("extensions", {})
            if "http-request-ext" in ext:
                req = ext["http-request-ext"]
                http[
                    req["request_method"], req["request_header"].get("Host"), req["request_value"]
                ] += 1
            for name, value in ext.items():
                if name.startswith("extension-definition--"):
                    sni[value["server_name"]] += 1
        if len(objects) == 1 and main["type"] == "domain-name":
            queries[main["value"]] += 1
        for o in objects.values():
            for ref in o.get("resolves_to_refs", ()):
                target = objects[ref]
                kind = {"ipv4-addr": "dns.a", "ipv6-addr": "dns.aaaa"}.get(
                    target["type"], "dns.cname"
                )
                answers.add((o["value"], kind, target["value"]))
    assert sensor.stats["late"] == 0 and sensor.stats["stream-overflow"] == 0
    return {"flows": flows, "http": http, "queries": queries, "answers": answers, "sni": sni}


@pytest.mark.parametrize("name", library.names())
def test_sensor_agrees_with_tshark(name: str, tmp_path: Path) -> None:
    frames = frames_of(name)
    path = tmp_path / f"{name}.pcapng"
    write_pcapng(frames, path)
    ours, theirs = sensor_view(frames), tshark_view(path)
    assert sum(theirs["flows"].values()) > 1000
    assert ours["flows"] == theirs["flows"]
    assert theirs["http"] and ours["http"] == theirs["http"]
    assert theirs["queries"] and ours["queries"] == theirs["queries"]
    assert theirs["answers"] and ours["answers"] == theirs["answers"]
    assert ours["sni"] == theirs["sni"]
