"""range.sensor.Sensor: reassembly, flow ends, protocol decoding, incremental output."""

from __future__ import annotations

import random
import struct

import pytest
import stix2
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrHopByHop
from scapy.layers.l2 import Ether

from range.sensor import Sensor, SensorObservation, observe
from range.sensor.app.tls import TLS_EXTENSION
from scenarios import library
from scenarios.frames import Frame
from scenarios.protocols.http import http_request, http_response
from scenarios.protocols.tcp import TcpSession
from scenarios.protocols.tls import tls_client_hello
from scenarios.traffic import generate
from tests.scenarios.conftest import endpoint, frames_of, run_technique

CLIENT, SERVER = endpoint("198.51.100.7"), endpoint("192.0.2.20")


def feed_all(frames, sensor: Sensor | None = None) -> list[SensorObservation]:
    sensor = Sensor() if sensor is None else sensor
    out = []
    for f in frames:
        out += sensor.feed(f.time, f.data, f.label)
    return out + sensor.flush()


def objects(observations, kind: str) -> list[dict]:
    return [
        o
        for obs in observations
        for o in (obs.bundle if isinstance(obs, SensorObservation) else obs)["objects"]
        if o["type"] == kind
    ]


def requests_of(observations) -> list[dict]:
    return [
        o["extensions"]["http-request-ext"]
        for o in objects(observations, "network-traffic")
        if "http-request-ext" in o.get("extensions", {})
    ]


def session(port: int = 80, seed: int = 1) -> TcpSession:
    return TcpSession(CLIENT, SERVER, port, 1000.0, random.Random(seed)).handshake()


def to_frames(packets, label: str = "benign") -> list[Frame]:
    return [Frame(p.time, p.data, label) for p in packets]


def data_segments(frames: list[Frame]) -> list[int]:
    """Indexes of the client's frames carrying TCP payload."""
    out = []
    for i, f in enumerate(frames):
        ip = Ether(f.data)[IP]
        if ip.src == CLIENT.ip and len(bytes(ip[TCP].payload)):
            out.append(i)
    return out


def test_reassembly_puts_out_of_order_segments_back_in_order() -> None:
    body = b"k=" + b"v" * 4000  # a POST of several segments
    s = session()
    s.exchange(http_request("POST", "/up", "portal.example", body=body), http_response(200))
    s.exchange(http_request("GET", "/next", "portal.example"), http_response(200))
    s.close()
    frames = to_frames(s.packets)
    ordered = requests_of(feed_all(frames))
    segs = data_segments(frames)
    assert len(segs) >= 3
    shuffled = list(frames)
    a, b = segs[0], segs[1]
    shuffled[a], shuffled[b] = shuffled[b], shuffled[a]  # the header segment arrives second
    assert requests_of(feed_all(shuffled)) == ordered
    assert [r["request_value"] for r in ordered] == ["/up", "/next"]
    assert ordered[0]["message_body_length"] == len(body)


def test_retransmitted_and_overlapping_segments_count_once() -> None:
    s = session()
    s.exchange(http_request("GET", "/a", "portal.example"), http_response(200))
    s.exchange(http_request("GET", "/b", "portal.example"), http_response(200))
    s.close()
    frames = to_frames(s.packets)
    first = data_segments(frames)[0]
    again = [*frames[: first + 1], frames[first], *frames[first + 1 :]]  # a retransmission
    # and an overlapping segment: the second half of the first request, resent
    pkt = Ether(frames[first].data)
    payload = bytes(pkt[TCP].payload)
    half = len(payload) // 2
    pkt[TCP].seq += half
    pkt[TCP].remove_payload()
    overlap = pkt / payload[half:]
    del overlap[IP].len, overlap[IP].chksum, overlap[TCP].chksum
    again.insert(first + 2, Frame(frames[first].time, bytes(overlap), "benign"))
    assert [r["request_value"] for r in requests_of(feed_all(again))] == ["/a", "/b"]


def test_flow_ends_at_the_last_ack_of_a_fin_close_and_on_rst() -> None:
    s = session()
    s.exchange(http_request("GET", "/x", "portal.example"), http_response(200))
    s.close()
    frames = to_frames(s.packets)
    sensor = Sensor()
    decided = [sensor.feed(f.time, f.data) for f in frames]
    flows = [o for o in objects(decided[-1], "network-traffic") if "src_packets" in o]
    assert len(flows) == 1, "the final ACK ends the flow"
    assert flows[0]["src_packets"] + flows[0]["dst_packets"] == len(frames)
    assert not any("src_packets" in o for d in decided[:-1] for o in objects(d, "network-traffic"))
    assert sensor.flush() == [] and sensor.open_flows == 0

    r = session(seed=2)
    r.reset(from_client=False)
    frames = to_frames(r.packets)
    sensor = Sensor()
    decided = [sensor.feed(f.time, f.data) for f in frames]
    assert [len(d) for d in decided] == [0, 0, 0, 1]
    # a late segment of the ended connection is no new flow; a new SYN is
    late = Frame(frames[-1].time + 1, frames[-2].data, "benign")
    assert sensor.feed(late.time, late.data) == [] and sensor.stats["late"] == 1
    assert sensor.feed(late.time + 1, frames[0].data) == [] and sensor.open_flows == 1


def test_idle_flows_end_on_advance_and_on_the_next_frame() -> None:
    emission = run_technique("drone-telemetry-spoof", duration=3, rate=1)
    frames = frames_of(emission)
    sensor = Sensor(idle_timeout=10.0)
    for f in frames:
        assert sensor.feed(f.time, f.data) == []
    last = frames[-1].time
    assert sensor.advance(last + 10.0) == []
    ended = sensor.advance(last + 10.5)
    assert len(ended) == 1 and sensor.open_flows == 0
    assert objects(ended, "network-traffic")[0]["src_packets"] == len(frames)


def test_active_timeout_cuts_a_long_flow_into_records() -> None:
    emission = run_technique("drone-telemetry-spoof", duration=20, rate=1)
    frames = frames_of(emission)
    flows = [
        o
        for o in objects(feed_all(frames, Sensor(active_timeout=5.0)), "network-traffic")
        if "src_packets" in o
    ]
    assert len(flows) >= 3
    assert sum(o["src_packets"] for o in flows) == len(frames)


def _name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"


def dns_response() -> bytes:
    """www.Portal.example CNAME edge.cdn.example (compressed), which has an A and an AAAA."""
    question = _name("www.Portal.example") + struct.pack("!HH", 1, 1)
    cname = b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, 11) + b"\x04edge\x03cdn\xc0\x17"
    target = 12 + len(question) + 12  # offset of "edge.cdn.example" in the message
    a = (
        struct.pack("!H", 0xC000 | target)
        + struct.pack("!HHIH", 1, 1, 60, 4)
        + bytes([192, 0, 2, 80])
    )
    aaaa = struct.pack("!H", 0xC000 | target) + struct.pack("!HHIH", 28, 1, 60, 16)
    aaaa += bytes.fromhex("20010db8000000000000000000000080")
    header = struct.pack("!HHHHHH", 0x1234, 0x8180, 1, 3, 0, 0)
    return header + question + cname + a + aaaa


def udp_frame(time: float, src, dst, sport: int, dport: int, payload: bytes) -> Frame:
    pkt = (
        Ether(src=src.mac, dst=dst.mac) / IP(src=src.ip, dst=dst.ip) / UDP(sport=sport, dport=dport)
    )
    return Frame(time, bytes(pkt / payload), "benign")


def test_dns_answers_with_compressed_names_resolve_to_addresses_and_cnames() -> None:
    resolver = endpoint("198.51.100.2")
    query = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + _name("www.Portal.example")
    query += struct.pack("!HH", 1, 1)
    frames = [
        udp_frame(1.0, CLIENT, resolver, 40000, 53, query),
        udp_frame(1.01, resolver, CLIENT, 53, 40000, dns_response()),
    ]
    observations = feed_all(frames)
    names = {o["value"]: o for o in objects(observations, "domain-name")}
    by_id = {o["id"]: o for obs in observations for o in obs.bundle["objects"]}
    www = [o for o in objects(observations, "domain-name") if o["value"] == "www.portal.example"]
    assert len(www) == 2  # the query, and the answer with what it resolves to
    answer = next(o for o in www if "resolves_to_refs" in o)
    [edge] = [by_id[r] for r in answer["resolves_to_refs"]]
    assert edge["value"] == "edge.cdn.example"
    assert {by_id[r]["value"] for r in edge["resolves_to_refs"]} == {"192.0.2.80", "2001:db8::80"}
    assert "edge.cdn.example" in names
    for obs in observations:
        stix2.parse(obs.bundle, allow_custom=False)


def test_chunked_and_pipelined_http_requests_all_parse() -> None:
    chunked = (
        b"POST /c HTTP/1.1\r\nHost: portal.example\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    plain = http_request("GET", "/after", "portal.example")
    s = session()
    s.send(chunked + plain)  # pipelined: both in one write
    s.close()
    requests = requests_of(feed_all(to_frames(s.packets)))
    assert [(r["request_method"], r["request_value"]) for r in requests] == [
        ("POST", "/c"),
        ("GET", "/after"),
    ]
    assert requests[0]["message_body_length"] == 12


def with_vlan(frame: Frame, vid: int = 42) -> Frame:
    tag = b"\x81\x00" + struct.pack("!H", vid)
    return Frame(frame.time, frame.data[:12] + tag + frame.data[12:], frame.label)


def test_vlan_tagged_frames_give_the_same_observations() -> None:
    frames = frames_of(run_technique("web-login-brute-force", attempts=2))
    assert observe([with_vlan(f) for f in frames]) == observe(frames)


def test_ipv6_extension_headers_are_skipped() -> None:
    c6, s6 = endpoint("2001:db8:7::7"), endpoint("2001:db8:20::20")
    pkt = (
        Ether(src=c6.mac, dst=s6.mac)
        / IPv6(src=c6.ip, dst=s6.ip)
        / IPv6ExtHdrHopByHop()
        / UDP(sport=5000, dport=9999)
        / b"hello"
    )
    [flow] = objects(feed_all([Frame(1.0, bytes(pkt), "benign")]), "network-traffic")
    assert flow["protocols"] == ["ipv6", "udp"] and flow["dst_port"] == 9999
    assert flow["src_byte_count"] == 5


def test_ipv4_fragments_are_counted_not_reassembled() -> None:
    pkt = (
        Ether(src=CLIENT.mac, dst=SERVER.mac)
        / IP(src=CLIENT.ip, dst=SERVER.ip, flags="MF")
        / UDP(sport=1, dport=2)
        / b"x"
    )
    sensor = Sensor()
    assert sensor.feed(1.0, bytes(pkt)) == [] and sensor.flush() == []
    assert sensor.stats["fragment"] == 1


def test_tls_client_hello_gives_sni_as_domain_name_and_extension() -> None:
    s = session(443)
    s.exchange(tls_client_hello("Vault.Example", random.Random(3)), b"\x16\x03\x03\x00\x00")
    s.close()
    observations = feed_all(to_frames(s.packets))
    [tls] = [
        o
        for o in objects(observations, "network-traffic")
        if TLS_EXTENSION in o.get("extensions", {})
    ]
    assert tls["extensions"][TLS_EXTENSION]["server_name"] == "Vault.Example"
    assert tls["protocols"] == ["ipv4", "tcp", "tls"]
    assert "vault.example" in {o["value"] for o in objects(observations, "domain-name")}
    for obs in observations:
        stix2.parse(obs.bundle, allow_custom=False)


def test_application_observations_come_out_before_the_flow_ends() -> None:
    frames = frames_of(run_technique("phishing-smtp", recipients=["a"]))
    sensor = Sensor()
    for i, f in enumerate(frames):  # noqa: B007 (i is read after the loop)
        found = sensor.feed(f.time, f.data, f.label)
        if objects(found, "email-message"):
            break
    else:
        pytest.fail("no email-message before the end of the stream")
    assert i < len(frames) - 1 and sensor.open_flows >= 1
    assert found[0].tags == frozenset({frames[0].label})


def test_namespace_changes_observation_ids_not_sco_values() -> None:
    frames = frames_of(run_technique("web-login-brute-force", attempts=1))
    a, b = feed_all(frames), feed_all(frames, Sensor(namespace="team-2"))
    assert [o.bundle["objects"][0]["id"] for o in a] != [o.bundle["objects"][0]["id"] for o in b]
    assert {o["value"] for o in objects(a, "url")} == {o["value"] for o in objects(b, "url")}


def test_frame_by_frame_with_advance_gives_the_batch_observations() -> None:
    frames = list(generate(library.load("tutorial")))
    batch = observe(frames)
    sensor = Sensor()
    incremental = []
    for i, f in enumerate(frames):
        incremental += [o.bundle for o in sensor.feed(f.time, f.data, f.label)]
        if i % 97 == 0:
            incremental += [o.bundle for o in sensor.advance(f.time)]
    incremental += [o.bundle for o in sensor.flush()]
    key = lambda b: b["objects"][0]["id"]  # noqa: E731
    assert sorted(incremental, key=key) == sorted(batch, key=key)
    assert len({key(b) for b in batch}) == len(batch) > 1000
