"""Sensor benchmark: packets decoded per second, ours vs dpkt vs Scapy, same pcap.

The pcap is a fixed slice of the built-in ``ransomware-campaign``: the first
``SLICE`` frames crossing its first team's border (benign traffic and injects),
written with :func:`scenarios.pcap.write_pcapng` and read back into memory once, so
no side pays for file I/O.

* **ours**: :class:`range.sensor.Sensor` ``feed`` on every frame, then ``flush``:
  full STIX observations (flows with counts and flags, HTTP, DNS queries and
  answers, TLS SNI, SMTP, SMB), TCP reassembled by sequence number.
* **dpkt**: ``dpkt.ethernet.Ethernet`` on every frame, the IP and TCP/UDP layers
  reached, and ``dpkt.http.Request`` on every port-80 client segment that starts a
  request, ``dpkt.dns.DNS`` on every port-53 datagram: headers only, no flows, no
  reassembly, no STIX.
* **scapy**: ``Ether(bytes)`` (the dissection ``rdpcap`` does) and the IP and
  TCP/UDP layer fields read, on the first ``SCAPY_SLICE`` frames (it is slow).

Each side runs ``ROUNDS`` times; the best round is reported (the machine is shared
and its load moves: the best round is the one least disturbed). Ratios are ours
over the reference's rate in the same run.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SLICE = 60_000
SCAPY_SLICE = 5_000
ROUNDS = 3


def _frames() -> list[tuple[float, bytes]]:
    """The slice, written to a pcapng and read back (time, bytes)."""
    import dpkt

    from scenarios import library
    from scenarios.pcap import write_pcapng
    from scenarios.traffic import generate

    scenario = library.load("ransomware-campaign")
    frames = []
    for frame in generate(scenario, scenario.teams[0].id):
        frames.append(frame)
        if len(frames) >= SLICE:
            break
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "slice.pcapng"
        write_pcapng(frames, path)
        with path.open("rb") as f:
            return [(float(ts), bytes(buf)) for ts, buf in dpkt.pcapng.Reader(f)]


def ours(frames: list[tuple[float, bytes]]) -> int:
    from range.sensor import Sensor

    sensor = Sensor()
    n = 0
    for t, data in frames:
        n += len(sensor.feed(t, data))
    return n + len(sensor.flush())


def with_dpkt(frames: list[tuple[float, bytes]]) -> int:
    import dpkt

    n = 0
    for _, data in frames:
        eth = dpkt.ethernet.Ethernet(data)
        ip = eth.data
        if not isinstance(ip, dpkt.ip.IP | dpkt.ip6.IP6):
            continue
        l4 = ip.data
        if isinstance(l4, dpkt.tcp.TCP):
            if l4.dport == 80 and l4.data[:4] in (b"GET ", b"POST", b"HEAD", b"PUT "):
                try:
                    dpkt.http.Request(l4.data)
                    n += 1
                except (dpkt.UnpackError, dpkt.NeedData):
                    pass
        elif isinstance(l4, dpkt.udp.UDP) and 53 in (l4.sport, l4.dport):
            try:
                dpkt.dns.DNS(l4.data)
                n += 1
            except (dpkt.UnpackError, dpkt.NeedData):
                pass
    return n


def with_scapy(frames: list[tuple[float, bytes]]) -> int:
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether

    n = 0
    for _, data in frames:
        pkt = Ether(data)
        ip = pkt.getlayer(IP) or pkt.getlayer(IPv6)
        if ip is None:
            continue
        l4 = pkt.getlayer(TCP) or pkt.getlayer(UDP)
        if l4 is not None:
            n += l4.sport > 0 and l4.dport > 0
    return n


def _rate(fn: Callable[[list], int], frames: list) -> float:
    best = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn(frames)
        best = max(best, len(frames) / (time.perf_counter() - started))
    return best


def run() -> list[dict[str, Any]]:
    frames = _frames()
    mine = _rate(ours, frames)
    dpkt_rate = _rate(with_dpkt, frames)
    scapy_rate = _rate(with_scapy, frames[:SCAPY_SLICE])
    return [
        {
            "measure": "sensor decoder, frames to observations (packets/s)",
            "what": f"ransomware-campaign team 1: {len(frames):,} frames (at most {SLICE:,})",
            "grapevine": round(mine),
            "reference": f"dpkt {dpkt_rate:,.0f} / Scapy {scapy_rate:,.0f}",
            "ratio": f"{mine / dpkt_rate:.2f}x dpkt, {mine / scapy_rate:.1f}x Scapy",
            "pcap": f"ransomware-campaign team 1: {len(frames):,} frames (at most {SLICE:,})",
            "observations": ours(frames),
            "ours pkt/s": mine,
            "dpkt pkt/s": dpkt_rate,
            "scapy pkt/s": scapy_rate,
            "ours/dpkt": round(mine / dpkt_rate, 2),
            "ours/scapy": round(mine / scapy_rate, 2),
        }
    ]
