"""scenarios/library.py and the built-in scenarios it ships."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

import pytest
from ruamel.yaml import YAML

from scenarios import library
from scenarios.errors import ScenarioError
from scenarios.fields import in_documentation_space
from scenarios.loader import dumps, loads, to_data
from scenarios.model import Scenario
from scenarios.roles import HostRole
from scenarios.traffic import ground_truth

TECHNIQUE_NAMES = {
    "network-scan", "ssh-brute-force", "web-login-brute-force", "web-exploit",
    "http-c2-beacon", "dns-tunnel", "dga-lookups", "http-exfil", "dns-exfil", "syn-flood",
    "udp-flood", "smb-lateral", "phishing-smtp", "drone-telemetry-spoof", "ransomware-staging",
}  # fmt: skip
# lower case only: team names such as CERT.LV are not domain names
DNS_NAME = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*$")
EMAIL = re.compile(r"^[^@\s]+@([^@\s]+)$")


@pytest.fixture(scope="module")
def builtins() -> dict[str, Scenario]:
    return {name: library.load(name) for name in library.names()}


def test_the_three_scenarios_are_shipped() -> None:
    assert {"tutorial", "ransomware-campaign", "surveillance-hybrid"} <= set(library.names())


def test_unknown_builtin_names_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"no built-in scenario 'nope'.*tutorial"):
        library.find("nope")


def test_every_builtin_validates_and_round_trips(builtins: dict[str, Scenario]) -> None:
    for name, scenario in builtins.items():
        assert loads(dumps(scenario), f"{name}-dumped.yaml") == scenario
        assert scenario.briefing.strip(), name
        used = {i.technique for i in scenario.injects}
        assert used <= TECHNIQUE_NAMES, name


def _strings(value: Any, key: str = "") -> Iterator[str]:
    """Every string in ``value``, except mail local parts (``recipients: [duty.officer]``)."""
    if isinstance(value, str):
        if key != "recipients" or "@" in value:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)


@pytest.mark.parametrize("name", library.names())
def test_builtins_use_documentation_addresses_and_example_domains(name: str) -> None:
    raw = YAML(typ="safe").load(library.text(name))
    scenario = library.load(name)
    checked = 0
    for text in [*_strings(raw), *_strings(to_data(scenario))]:
        text = text.split("/")[2] if text.startswith(("http://", "https://")) else text
        email = EMAIL.match(text)
        text = email.group(1) if email else text
        try:
            value = ipaddress.ip_network(text, strict=False)
        except ValueError:
            if DNS_NAME.match(text) and not re.match(r"^[\d.]+$", text):
                assert text.endswith(".example"), f"{name}: {text} is not an .example name"
                checked += 1
            continue
        assert in_documentation_space(value), f"{name}: {text} is outside documentation space"
        checked += 1
    assert checked > 10


def test_tutorial(builtins: dict[str, Scenario]) -> None:
    tutorial = builtins["tutorial"]
    assert tutorial.duration == 15 * 60
    assert len(tutorial.teams) == 1
    assert len(tutorial.injects) == 3


def test_ransomware_campaign_rewards_early_sharing(builtins: dict[str, Scenario]) -> None:
    campaign = builtins["ransomware-campaign"]
    countries = {t.country for t in campaign.teams}
    assert len(countries) >= 3
    assert any(h.role is HostRole.EGATE_CONTROLLER for t in campaign.teams for h in t.hosts)
    truth = ground_truth(campaign)
    by_technique: dict[str, list[str]] = {}
    for inject in sorted(campaign.injects, key=lambda i: i.at):
        by_technique.setdefault(inject.technique, []).append(inject.id)
    assert "ransomware-staging" in by_technique
    for technique, ids in by_technique.items():
        first = campaign.inject(ids[0])
        later = [campaign.inject(i) for i in ids[1:] if campaign.inject(i).team != first.team]
        assert later, f"{technique} hits only one team"
        shared = {
            (o["type"], o.get("value"))
            for o in truth[first.id]["observables"]
            if o["type"] in ("ipv4-addr", "domain-name", "url")
        }
        for inject in later:
            # the later attack leaves an observable the first victim could have shared ...
            mine = {(o["type"], o.get("value")) for o in truth[inject.id]["observables"]}
            assert shared & mine, f"{inject.id} shares no observable with {first.id}"
            # ... and starts after the first one's impact, so there was time to share it
            assert inject.at >= first.impact_time, f"{inject.id} starts before {first.id} ends"


def test_hybrid_attack_hides_exfiltration_under_a_flood(builtins: dict[str, Scenario]) -> None:
    hybrid = builtins["surveillance-hybrid"]
    assert len(hybrid.teams) >= 5
    assert hybrid.partners
    floods = [i for i in hybrid.injects if i.technique in ("syn-flood", "udp-flood")]
    exfils = [i for i in hybrid.injects if i.technique in ("http-exfil", "dns-exfil")]
    covered = [
        (f.id, x.id)
        for f in floods
        for x in exfils
        if f.team == x.team and f.at <= x.at <= f.impact_time
    ]
    assert len(covered) >= 2
    for flood, _ in covered:
        target = hybrid.team(hybrid.inject(flood).team).host(hybrid.inject(flood).host)
        assert target.role is HostRole.SURVEILLANCE_NODE
    assert any(i.technique == "drone-telemetry-spoof" for i in hybrid.injects)
