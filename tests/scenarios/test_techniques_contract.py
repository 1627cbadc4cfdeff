"""Every registered technique against the contract of scenarios/techniques/base.py:
registered by entry point under its own name, deterministic, pure, in time order,
and its reference pattern matches its own traffic (our matcher and stix2-matcher)
but none of the benign traffic of the built-in scenarios."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError
from stix2matcher.matcher import match as stix2_match
from stix2patterns.v21.pattern import Pattern

from indicators.matcher import match
from range.sensor import as_bundle, observe
from scenarios import library
from scenarios.errors import ScenarioError
from scenarios.techniques import registry
from scenarios.techniques.base import Technique
from scenarios.traffic import emit
from tests.scenarios.conftest import frames_of, make_context, run_technique

REQUIRED = {
    "network-scan": "T1046",
    "ssh-brute-force": "T1110.001",
    "web-login-brute-force": "T1110.001",
    "web-exploit": "T1190",
    "http-c2-beacon": "T1071.001",
    "dns-tunnel": "T1071.004",
    "dga-lookups": "T1568.002",
    "http-exfil": "T1041",
    "dns-exfil": "T1048.003",
    "syn-flood": "T1498.001",
    "udp-flood": "T1498.001",
    "smb-lateral": "T1021.002",
    "phishing-smtp": "T1566.002",
    "drone-telemetry-spoof": "T1565.002",
    "ransomware-staging": "T1486",
}
NAMES = sorted(REQUIRED)
# Small parameters keep the floods and exfiltration quick; the defaults are tested too.
SMALL = {
    "syn-flood": {"packets": 400},
    "udp-flood": {"packets": 400},
    "http-exfil": {"size": 300_000, "chunk": 150_000},
    "dns-exfil": {"size": 3000},
    "ssh-brute-force": {"connections": 6},
    "web-login-brute-force": {"attempts": 12},
    "drone-telemetry-spoof": {"duration": 20},
    "dns-tunnel": {"queries": 30},
    "dga-lookups": {"lookups": 20},
}


def test_every_required_technique_is_registered_with_its_attack_id() -> None:
    table = registry.all_techniques()
    for name, attack_id in REQUIRED.items():
        assert name in table, name
        cls = table[name]
        assert issubclass(cls, Technique)
        assert cls.name == name
        assert attack_id in cls.attack_ids
        assert cls.summary


def test_unknown_technique_names_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"unknown technique 'nmap'.*network-scan"):
        registry.get("nmap")


@pytest.mark.parametrize("name", NAMES)
def test_params_reject_unknown_keys_and_bad_values(name: str) -> None:
    params = registry.get(name).Params
    with pytest.raises(ValidationError):
        params(no_such_parameter=1)
    params()  # the defaults are valid


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_bytes_other_seed_other_bytes(name: str) -> None:
    small = SMALL.get(name, {})
    a = run_technique(name, 7, **small)
    b = run_technique(name, 7, **small)
    c = run_technique(name, 8, **small)
    assert [(p.time, p.data) for p in a.packets] == [(p.time, p.data) for p in b.packets]
    assert a.truth == b.truth
    assert [p.data for p in a.packets] != [p.data for p in c.packets]


@pytest.mark.parametrize("name", NAMES)
def test_packets_in_time_order_from_the_start(name: str) -> None:
    emission = run_technique(name, **SMALL.get(name, {}))
    times = [p.time for p in emission.packets]
    assert times, "a technique must emit packets"
    assert times == sorted(times)
    assert times[0] >= make_context().start
    assert all(len(p.data) <= 1514 for p in emission.packets), "frames fit an Ethernet MTU"


@pytest.mark.parametrize("name", NAMES)
def test_ground_truth_is_valid_stix(name: str) -> None:
    truth = run_technique(name, **SMALL.get(name, {})).truth
    assert Pattern(truth.pattern).inspect().comparisons  # parses as STIX 2.1
    assert truth.observables and all("type" in o for o in truth.observables)
    assert truth.description


@pytest.mark.parametrize("name", NAMES)
def test_reference_pattern_matches_its_own_traffic(name: str) -> None:
    emission = run_technique(name, **SMALL.get(name, {}))
    observations = observe(frames_of(emission))
    assert match(emission.truth.pattern, observations)
    assert stix2_match(emission.truth.pattern, [as_bundle(observations)], stix_version="2.1")


@pytest.mark.parametrize("name", NAMES)
def test_reference_pattern_matches_no_builtin_benign_traffic(name: str, builtin_benign) -> None:
    pattern = run_technique(name, **SMALL.get(name, {})).truth.pattern
    for scenario, observations in builtin_benign.items():
        assert len(observations) > 1000
        assert not observations.matched_by(pattern), f"{name} pattern matches benign in {scenario}"


@pytest.mark.parametrize("scenario_name", library.names())
def test_builtin_injects_patterns_match_own_traffic_not_benign(
    scenario_name: str, builtin_benign
) -> None:
    scenario = library.load(scenario_name)
    benign = builtin_benign[scenario_name]
    for inject in scenario.injects:
        emission = emit(scenario, inject)
        own = observe(frames_of(emission, inject.id))
        assert match(emission.truth.pattern, own), inject.id
        assert not benign.matched_by(emission.truth.pattern), inject.id


def test_a_pattern_over_benign_look_alikes_can_fire(builtin_benign) -> None:
    """The look-alikes are there: naive indicators raise false positives on benign."""
    for pattern in (
        "[domain-name:value LIKE '%.cdn-edge.example']",
        "[network-traffic:dst_port = 22]",
        "[network-traffic:src_byte_count > 1000000]",
        "[network-traffic:extensions.'http-request-ext'.request_value = '/login']",
    ):
        assert any(obs.matched_by(pattern) for obs in builtin_benign.values()), pattern
    # and the same prepared observations agree with the public match() on a sample
    sample = builtin_benign["tutorial"].raw
    assert match("[network-traffic:dst_port = 22]", sample) == builtin_benign[
        "tutorial"
    ].matched_by("[network-traffic:dst_port = 22]")


def test_stix2_matcher_agrees_on_benign_of_the_tutorial(builtin_benign) -> None:
    bundle = [as_bundle(builtin_benign["tutorial"].raw)]
    for name in NAMES:
        pattern = run_technique(name, **SMALL.get(name, {})).truth.pattern
        assert not stix2_match(pattern, bundle, stix_version="2.1"), name


def test_defaults_generate_bounded_traffic() -> None:
    for name in NAMES:
        cls = registry.get(name)
        emission = cls().generate(make_context(3), cls.Params())
        assert 0 < len(emission.packets) <= 10_000, name


def test_generate_uses_only_the_context_rng() -> None:
    random.seed(1)
    a = run_technique("dga-lookups", lookups=5)
    random.seed(2)
    b = run_technique("dga-lookups", lookups=5)
    assert [p.data for p in a.packets] == [p.data for p in b.packets]


def test_every_technique_is_byte_identical_in_another_process() -> None:
    """Nothing in a technique depends on the process: hash seed, wall clock, os.urandom."""
    import hashlib
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import hashlib\n"
        "from tests.scenarios.conftest import run_technique\n"
        "from tests.scenarios.test_techniques_contract import NAMES, SMALL\n"
        "for n in NAMES:\n"
        "    e = run_technique(n, 11, **SMALL.get(n, {}))\n"
        "    print(n, hashlib.sha256(b''.join(p.data for p in e.packets)).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={**os.environ, "PYTHONHASHSEED": "4242"},
        timeout=300,
    )
    here = {
        n: hashlib.sha256(
            b"".join(p.data for p in run_technique(n, 11, **SMALL.get(n, {})).packets)
        ).hexdigest()
        for n in NAMES
    }
    there = dict(line.split() for line in done.stdout.splitlines())
    assert there == here


def test_parameters_with_quotes_cannot_break_the_pattern() -> None:
    subject = "Invoice 'urgent' \\ paid"
    emission = run_technique("phishing-smtp", subject=subject, recipients=["a"])
    assert Pattern(emission.truth.pattern).inspect().comparisons
    assert match(emission.truth.pattern, observe(frames_of(emission)))


def scapy_rebuild(data: bytes) -> bytes:
    """Dissect a frame and build Ether/IP|IPv6/TCP|UDP/payload again from its fields alone
    (lengths, next header and checksums left for Scapy to compute)."""
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    derived = {"chksum", "len", "ihl", "dataofs", "plen", "nh"}
    eth = Ether(data)
    ip = eth[IP] if eth.haslayer(IP) else eth[IPv6]
    l4 = eth[TCP] if eth.haslayer(TCP) else eth[UDP]
    rebuilt = (
        Ether(**{k: v for k, v in eth.fields.items() if k not in derived})
        / type(ip)(**{k: v for k, v in ip.fields.items() if k not in derived})
        / type(l4)(**{k: v for k, v in l4.fields.items() if k not in derived})
    )
    if len(l4.payload):
        rebuilt = rebuilt / Raw(load=bytes(l4.payload))
    return bytes(rebuilt)


@pytest.mark.parametrize("name", NAMES)
def test_frames_equal_a_pure_scapy_build(name: str) -> None:
    """Templated or not, every frame is what Scapy builds from the same field values."""
    for packet in run_technique(name, **SMALL.get(name, {})).packets[:400]:
        assert scapy_rebuild(packet.data) == packet.data


@pytest.mark.parametrize("name", NAMES)
def test_ipv6_traffic_is_ipv6_and_its_pattern_matches_it(name: str) -> None:
    """With IPv6 addresses every frame is IPv6 (EtherType 0x86dd), the ground truth
    names ipv6-addr observables, and the reference pattern matches the sensor's view."""
    emission = run_technique(name, **SMALL.get(name, {}), ipv6=True)
    assert emission.packets
    assert {p.data[12:14] for p in emission.packets} == {b"\x86\xdd"}
    kinds = {o["type"] for o in emission.truth.observables}
    assert "ipv4-addr" not in kinds and "ipv6-addr" in kinds
    observations = observe(frames_of(emission))
    objects = [o for obs in observations for o in obs["objects"]]
    answered = {
        r for o in objects if o["type"] == "domain-name" for r in o.get("resolves_to_refs", ())
    }
    # an A record in a DNS answer is payload, not transport: only those may be IPv4
    assert not any(o["type"] == "ipv4-addr" and o["id"] not in answered for o in objects)
    assert match(emission.truth.pattern, observations)
    if "ISSUBSET" not in emission.truth.pattern:  # stix2-matcher's CIDRs are IPv4 only
        assert stix2_match(emission.truth.pattern, [as_bundle(observations)], stix_version="2.1")
    if "2001:db8:" in emission.truth.pattern:  # an address-based pattern is IPv6-only
        v4 = run_technique(name, **SMALL.get(name, {}))
        assert not match(emission.truth.pattern, observe(frames_of(v4)))


@pytest.mark.parametrize("name", NAMES)
def test_ipv6_same_seed_same_bytes_and_a_pure_scapy_build(name: str) -> None:
    small = SMALL.get(name, {})
    a = run_technique(name, 7, ipv6=True, **small)
    b = run_technique(name, 7, ipv6=True, **small)
    assert [(p.time, p.data) for p in a.packets] == [(p.time, p.data) for p in b.packets]
    assert a.truth == b.truth
    for packet in a.packets[:400]:
        assert scapy_rebuild(packet.data) == packet.data
