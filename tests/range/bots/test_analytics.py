"""The bots' detectors on what the engine's sensor makes of real traffic: every
technique's packets give its finding (with a pattern that matches that traffic and a
response naming the attacker), over IPv4 and IPv6; the built-in scenarios' benign
traffic, look-alikes included, gives none."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from indicators.matcher import match
from range.bots.analytics import Finding, detect, frequent_outsiders
from range.bots.observations import Site, decode
from range.sensor import Sensor
from scenarios import library
from scenarios.frames import TimedPacket
from scenarios.techniques import registry
from tests.scenarios.conftest import ATTACKER, ATTACKER6, benign_frames, run_technique

SITE = Site(("198.51.100.0/24", "2001:db8:10::/48"), ("border.fr.example",))

EXPECTED = {
    "network-scan": {"port-scan"},
    "ssh-brute-force": {"ssh-brute-force"},
    "web-login-brute-force": {"web-brute-force"},
    "web-exploit": {"web-exploit"},
    "http-c2-beacon": {"http-beacon"},
    "dns-tunnel": {"dns-tunnel"},
    "dns-exfil": {"dns-tunnel"},
    "dga-lookups": {"dga"},
    "http-exfil": {"http-exfil"},
    "syn-flood": {"syn-flood"},
    "udp-flood": {"udp-flood"},
    "smb-lateral": {"smb-lateral"},
    "ransomware-staging": {"ransomware", "smb-lateral"},
    "phishing-smtp": {"phishing"},
    "drone-telemetry-spoof": {"drone-spoof"},
}
"""Technique -> the kinds of finding its traffic gives."""

SMALLER = {
    "dns-exfil": {"size": 3000},
    "syn-flood": {"packets": 600},
    "udp-flood": {"packets": 800},
}
"""Parameters that keep the slow techniques' traffic small (still above the thresholds)."""

BLOCKS_ATTACKER = {
    "network-scan",
    "ssh-brute-force",
    "web-login-brute-force",
    "web-exploit",
    "http-c2-beacon",
    "http-exfil",
    "smb-lateral",
    "phishing-smtp",
    "drone-telemetry-spoof",
}


def sensed(packets: Iterable[Any], tag: str = "t") -> list[dict[str, Any]]:
    """The observation bundles the engine's sensor makes of ``packets``."""
    sensor = Sensor(namespace="team")
    out = [o for p in packets for o in sensor.feed(p.time, p.data, tag)]
    return [o.bundle for o in out + sensor.flush()]


def test_every_technique_has_a_detector():
    assert set(EXPECTED) == set(registry.names())


@pytest.mark.parametrize("ipv6", [False, True], ids=["ipv4", "ipv6"])
@pytest.mark.parametrize("technique", sorted(EXPECTED))
def test_each_technique_is_found_in_its_traffic(technique, ipv6):
    packets = run_technique(technique, ipv6=ipv6, **SMALLER.get(technique, {})).packets
    bundles = sensed(packets)
    findings = detect(decode(bundles), SITE)
    assert {f.kind for f in findings} == EXPECTED[technique]
    by_id = {b["objects"][0]["id"]: b for b in bundles}
    attacker = ATTACKER6 if ipv6 else ATTACKER
    for f in findings:
        assert f.evidence and set(f.evidence) <= set(by_id)
        assert f.first_seen == min(o.time for o in decode(by_id[i] for i in f.evidence))
        assert 0 < f.confidence <= 1
        assert match(f.pattern, bundles), f.pattern
    if technique in BLOCKS_ATTACKER:
        assert any(f.response == ("block-ip", attacker) for f in findings)


def test_a_flood_is_blocked_by_the_network_of_its_sources():
    findings = detect(decode(sensed(run_technique("syn-flood", packets=600).packets)), SITE)
    (flood,) = findings
    assert flood.response == ("block-cidr", "203.0.113.64/28")
    assert "ISSUBSET '203.0.113.64/28'" in flood.pattern


def test_the_same_observations_give_the_same_findings():
    bundles = sensed(run_technique("dns-tunnel").packets)
    first = detect(decode(bundles), SITE)
    again = detect(decode(list(reversed(bundles))), SITE)
    assert first == again


def test_a_scan_below_the_threshold_is_not_a_scan():
    bundles = sensed(run_technique("network-scan", ports=(22, 80, 443, 8080)).packets)
    assert detect(decode(bundles), SITE) == []


# -- benign traffic of the built-in scenarios -----------------------------------------------

SLICE = 300.0
"""Seconds of each built-in scenario's benign traffic the negative test looks at."""


def _benign_cases() -> list[tuple[str, str]]:
    """(scenario, team) for every built-in team with a set of host roles not yet seen."""
    cases, seen = [], set()
    for name in library.names():
        for team in library.load(name).teams:
            roles = (name, frozenset(h.role for h in team.hosts))
            if roles[1] not in seen:
                seen.add(roles[1])
                cases.append((name, team.id))
    return cases


@pytest.mark.parametrize(("scenario_name", "team_id"), _benign_cases())
def test_benign_traffic_gives_no_findings(scenario_name, team_id):
    scenario = library.load(scenario_name)
    scenario = scenario.model_copy(update={"duration": min(SLICE, scenario.duration)})
    team = scenario.team(team_id)
    bundles = sensed(benign_frames(scenario, team_id), "benign")
    site = Site(tuple(str(n) for n in team.networks), (team.domain,))
    observations = decode(bundles)
    findings: list[Finding] = detect(observations, site)
    assert findings == [], [(f.kind, f.summary) for f in findings]
    # what a sloppy analyst would pick instead: outside addresses, busiest first
    outsiders = frequent_outsiders(observations, site)
    assert outsiders and not any(site.internal(a) for a in outsiders)


def test_a_dga_burst_among_cdn_lookups_names_only_the_generators_zones():
    """Random-looking CDN names resolved in the same minute as a DGA burst stay out of
    the DGA's pattern (it once named their zones, and every CDN lookup alerted)."""
    scenario = library.load("surveillance-hybrid")
    scenario = scenario.model_copy(update={"duration": 300.0})
    team = next(t for t in scenario.teams if any(h.role == "dns" for h in t.hosts))
    benign = benign_frames(scenario, team, seed=1)
    generated = run_technique("dga-lookups").packets
    shift = scenario.epoch(60) - generated[0].time
    packets = sorted(
        benign + [TimedPacket(p.time + shift, p.data) for p in generated], key=lambda p: p.time
    )
    site = Site(tuple(str(n) for n in team.networks), (team.domain,))
    (finding,) = [f for f in detect(decode(sensed(packets)), site) if f.kind == "dga"]
    assert "cdn" not in finding.pattern and "akamai" not in finding.pattern
    names = [b for b in sensed(benign) if b["objects"][1]["type"] == "domain-name"]
    assert any(".cdn-edge." in b["objects"][1]["value"] for b in names)
    assert not match(finding.pattern, names)
