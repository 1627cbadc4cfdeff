"""range.sensor.observe (batch form): what the sensor makes of known traffic."""

from __future__ import annotations

import random

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

from range.sensor import IDLE_TIMEOUT, observe, stix_time
from scenarios.frames import Frame
from scenarios.protocols.http import http_request, http_response
from scenarios.protocols.tcp import TcpSession
from tests.scenarios.conftest import ATTACKER, TARGET, endpoint, frames_of, run_technique


def objects_of(observations, kind: str) -> list[dict]:
    return [o for obs in observations for o in obs["objects"] if o["type"] == kind]


def test_every_observation_is_a_valid_stix_bundle() -> None:
    import stix2

    observations = observe(frames_of(run_technique("web-exploit")))
    assert observations
    for bundle in observations:
        parsed = stix2.parse(bundle, allow_custom=False)
        od = bundle["objects"][0]
        assert od["type"] == "observed-data"
        assert set(od["object_refs"]) == {o["id"] for o in bundle["objects"][1:]}
        assert parsed is not None


def test_tcp_flow_counts_flags_and_times() -> None:
    client, server = endpoint("198.51.100.7"), endpoint("192.0.2.20")
    session = TcpSession(client, server, 80, 1000.0, random.Random(1)).handshake()
    session.exchange(http_request("GET", "/x", "portal.example"), http_response(200, b"y" * 3000))
    session.close()
    frames = [Frame(p.time, p.data, "benign") for p in session.packets]
    observations = observe(frames)
    flows = [o for o in objects_of(observations, "network-traffic") if "src_packets" in o]
    assert len(flows) == 1
    flow = flows[0]
    request = http_request("GET", "/x", "portal.example")
    assert flow["src_byte_count"] == len(request)
    assert flow["dst_byte_count"] == len(http_response(200, b"y" * 3000))
    assert flow["src_packets"] + flow["dst_packets"] == len(frames)
    assert (flow["src_port"], flow["dst_port"]) == (session.sport, 80)
    assert flow["extensions"]["tcp-ext"] == {"src_flags_hex": "1b", "dst_flags_hex": "1b"}
    assert flow["start"] == stix_time(frames[0].time) and flow["end"] == stix_time(frames[-1].time)
    assert flow["protocols"] == ["ipv4", "tcp", "http"]


def test_http_requests_become_url_domain_and_request_ext() -> None:
    observations = observe(frames_of(run_technique("web-login-brute-force", attempts=3)))
    requests = [
        o["extensions"]["http-request-ext"]
        for o in objects_of(observations, "network-traffic")
        if "extensions" in o and "http-request-ext" in o["extensions"]
    ]
    assert len(requests) == 3
    assert requests[0]["request_method"] == "POST" and requests[0]["request_value"] == "/login"
    assert requests[0]["request_header"]["User-Agent"] == "python-requests/2.31.0"
    assert requests[0]["message_body_length"] > 10
    urls = {o["value"] for o in objects_of(observations, "url")}
    assert urls == {"http://gate-1.border.fr.example/login"}
    assert {o["value"] for o in objects_of(observations, "domain-name")} == {
        "gate-1.border.fr.example"
    }


def test_dns_queries_become_domain_names() -> None:
    observations = observe(frames_of(run_technique("dns-tunnel", queries=5)))
    names = [o["value"] for o in objects_of(observations, "domain-name")]
    assert len(names) == 5 and all(n.endswith(".t.tunnel-relay.example") for n in names)


def test_smtp_becomes_email_message_with_links() -> None:
    observations = observe(frames_of(run_technique("phishing-smtp", recipients=["a", "b"])))
    mails = objects_of(observations, "email-message")
    assert len(mails) == 2
    by_id = {o["id"]: o for obs in observations for o in obs["objects"]}
    assert by_id[mails[0]["from_ref"]]["value"] == "it-servicedesk@eu-border-support.example"
    assert [by_id[r]["value"] for r in mails[0]["to_refs"]] == ["a@border.fr.example"]
    assert mails[0]["subject"].startswith("Action required")
    assert "http://login.eu-border-support.example/ees/validate" in {
        o["value"] for o in objects_of(observations, "url")
    }


def test_smb_creates_become_files_in_their_share() -> None:
    observations = observe(frames_of(run_technique("smb-lateral", service_name="ABC")))
    files = {o["name"] for o in objects_of(observations, "file")}
    assert files == {"ABC.exe", "svcctl"}
    dirs = {o["path"] for o in objects_of(observations, "directory")}
    assert "\\\\gate-1.border.fr.example\\ADMIN$" in dirs


def test_udp_conversation_split_after_idle_timeout() -> None:
    emission = run_technique("drone-telemetry-spoof", duration=4, rate=1)
    frames = frames_of(emission)
    late = [Frame(f.time + IDLE_TIMEOUT + 5, f.data, f.label) for f in frames]
    flows = [o for o in objects_of(observe(frames + late), "network-traffic")]
    assert len(flows) == 2
    assert all(f["src_packets"] == len(frames) for f in flows)


def test_labels_are_never_read() -> None:
    frames = frames_of(run_technique("dga-lookups", lookups=4))
    relabelled = [Frame(f.time, f.data, "benign") for f in frames]
    assert observe(frames) == observe(relabelled)


def test_non_ip_and_truncated_frames_are_skipped() -> None:
    arp = Frame(
        1.0,
        bytes(
            Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff", type=0x0806) / (b"\x00" * 28)
        ),
        "benign",
    )
    short = Frame(
        2.0,
        bytes(
            Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
            / IP(src=ATTACKER, dst=TARGET)
            / TCP()
        )[:40],
        "benign",
    )
    assert observe([arp, short]) == []


def test_ipv6_flow_and_http_request_refer_to_ipv6_addr() -> None:
    import stix2

    client, server = endpoint("2001:db8:7::7"), endpoint("2001:db8:20::20")
    session = TcpSession(client, server, 80, 1000.0, random.Random(1)).handshake()
    request = http_request("GET", "/x", "[2001:db8:20::20]")
    session.exchange(request, http_response(200, b"y" * 3000))
    session.close()
    frames = [Frame(p.time, p.data, "benign") for p in session.packets]
    observations = observe(frames)
    addresses = {o["value"] for o in objects_of(observations, "ipv6-addr")}
    assert addresses == {"2001:db8:7::7", "2001:db8:20::20"}
    assert objects_of(observations, "ipv4-addr") == []
    flows = [o for o in objects_of(observations, "network-traffic") if "src_packets" in o]
    assert len(flows) == 1 and flows[0]["protocols"] == ["ipv6", "tcp", "http"]
    assert flows[0]["src_byte_count"] == len(request)
    assert flows[0]["src_packets"] + flows[0]["dst_packets"] == len(frames)
    by_id = {o["id"]: o for obs in observations for o in obs["objects"]}
    assert by_id[flows[0]["src_ref"]] == {
        "type": "ipv6-addr",
        "id": flows[0]["src_ref"],
        "value": "2001:db8:7::7",
    }
    assert [u["value"] for u in objects_of(observations, "url")] == ["http://[2001:db8:20::20]/x"]
    assert objects_of(observations, "domain-name") == [], "an address literal is no domain"
    for bundle in observations:
        stix2.parse(bundle, allow_custom=False)
