"""Property tests of the loader: any valid scenario loads, round-trips, and generates.

Hypothesis builds valid scenario documents (teams on disjoint documentation
subnets, hosts of every role, named and literal attackers outside every team,
injects of every registered technique at times inside the duration, messages,
benign profiles, durations written in every accepted form), writes them as YAML,
and checks that the loader accepts them, that serialising and loading again gives
an equal scenario, and that traffic generation (``scenarios.traffic.generate``)
yields time-ordered frames labelled with the scenario's injects. A last property
damages the built-in files at random and checks the loader answers with positioned
issues, never another exception.
"""

from __future__ import annotations

import ipaddress
from io import StringIO
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from scenarios import library
from scenarios.fields import format_duration
from scenarios.frames import BENIGN
from scenarios.loader import ScenarioValidationError, dumps, loads, to_data
from scenarios.model import Scenario
from scenarios.roles import HostRole
from scenarios.techniques import registry
from scenarios.traffic import generate

SUBNETS = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/26", "192.0.2.64/26", "192.0.2.128/27", "198.51.100.0/26",
              "198.51.100.128/27", "203.0.113.0/26")
]  # fmt: skip
ATTACKER_SPACE = ipaddress.ip_network("203.0.113.128/25")
"""Never a team network above, so any address in it is a valid attacker."""

# Parameters that keep generated traffic small; techniques not listed use defaults.
SMALL_PARAMS: dict[str, dict[str, Any]] = {
    "network-scan": {"ports": [22, 80, 443], "rate": 50},
    "ssh-brute-force": {"connections": 2},
    "web-login-brute-force": {"attempts": 4, "per_connection": 2},
    "http-c2-beacon": {"beacons": 3, "interval": 5},
    "dns-tunnel": {"queries": 10},
    "dga-lookups": {"lookups": 10},
    "http-exfil": {"size": 4096, "chunk": 2048},
    "dns-exfil": {"size": 256},
    "syn-flood": {"packets": 50},
    "udp-flood": {"packets": 50},
    "smb-lateral": {"size": 1024},
    "ransomware-staging": {"files": 2, "file_size": 512},
    "drone-telemetry-spoof": {"duration": 5, "rate": 2},
}


def _as_written(seconds: int, draw: Any) -> Any:
    """A duration as a director might write it: an int, or a unit string."""
    style = draw(st.sampled_from(["int", "units", "seconds-string"]))
    if style == "int":
        return seconds
    if style == "seconds-string":
        return f"{seconds}s"
    return format_duration(seconds)


@st.composite
def scenario_documents(draw: Any, *, small: bool = False) -> dict[str, Any]:
    duration = draw(st.integers(60, 600 if small else 7200))
    n_teams = draw(st.integers(1, 2 if small else 4))
    subnets = draw(st.permutations(SUBNETS))[:n_teams]
    roles = list(HostRole)
    teams = []
    for t, net in enumerate(subnets):
        usable = list(net.hosts())[1:]  # the first address is the derived gateway
        n_hosts = draw(st.integers(1, 3 if small else 6))
        picks = draw(
            st.lists(st.sampled_from(usable), min_size=n_hosts, max_size=n_hosts, unique=True)
        )
        hosts = [
            {"name": f"h{i}", "role": draw(st.sampled_from(roles)).value, "ip": str(ip)}
            for i, ip in enumerate(picks)
        ]
        teams.append(
            {
                "id": f"t{t}",
                "name": f"CERT {t}",
                "country": draw(st.sampled_from(["AT", "BE", "FR", "EE", "PL", "ES"])),
                "domain": f"t{t}.border.example",
                "networks": [str(net)],
                "hosts": hosts,
            }
        )
    attacker_ips = draw(
        st.lists(st.sampled_from(list(ATTACKER_SPACE.hosts())), min_size=1, max_size=3, unique=True)
    )
    attackers = [{"name": f"a{i}", "ip": str(ip)} for i, ip in enumerate(attacker_ips[:-1])]
    names = registry.names()
    injects = []
    for i in range(draw(st.integers(0, 3 if small else 6))):
        team = draw(st.sampled_from(teams))
        host = draw(st.sampled_from(team["hosts"]))
        technique = draw(st.sampled_from(names))
        at = draw(st.integers(0, duration - 1))
        impact = draw(st.integers(1, duration - at))
        inject: dict[str, Any] = {
            "id": f"i{i}",
            "at": _as_written(at, draw),
            "technique": technique,
            "target": {"team": team["id"], "host": host["name"]},
            "attacker": draw(
                st.sampled_from([a["name"] for a in attackers] + [str(attacker_ips[-1])])
            ),
        }
        if draw(st.booleans()):
            inject["impact"] = _as_written(impact, draw)
        else:
            inject["impact_at"] = at + impact
        if small or draw(st.booleans()):
            inject["params"] = dict(SMALL_PARAMS.get(technique, {}))
        injects.append(inject)
    document: dict[str, Any] = {
        "title": draw(st.text(min_size=1, max_size=30).filter(str.strip)),
        "duration": _as_written(duration, draw),
        "seed": draw(st.integers(0, 2**63 - 1)),
        "teams": teams,
        "attackers": attackers,
        "injects": injects,
        "benign": {
            role.value: {"sessions_per_minute": draw(st.integers(0, 1 if small else 30))}
            for role in draw(st.sets(st.sampled_from(roles), max_size=4))
        },
        "messages": [
            {"at": draw(st.integers(0, duration)), "text": "note", "to": [teams[0]["id"]]}
            for _ in range(draw(st.integers(0, 2)))
        ],
    }
    if small:  # quiet every role the scenario does not mention
        document["benign"] = {r.value: {"sessions_per_minute": 0} for r in roles}
        document["benign"][draw(st.sampled_from(roles)).value] = {"sessions_per_minute": 1}
    return document


def _yaml(document: dict[str, Any]) -> str:
    out = StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = False  # YAML emitters fold raw U+0085/U+2028 in quoted text
    yaml.dump(document, out)
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_documents())
def test_any_valid_scenario_loads_and_round_trips(document: dict[str, Any]) -> None:
    scenario = loads(_yaml(document), "generated.yaml")
    assert scenario == Scenario.model_validate(document)
    assert len(scenario.injects) == len(document["injects"])
    again = loads(dumps(scenario), "dumped.yaml")
    assert again == scenario
    assert to_data(again) == to_data(scenario)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_documents(small=True))
def test_any_valid_scenario_generates(document: dict[str, Any]) -> None:
    scenario = loads(_yaml(document), "generated.yaml")
    frames = list(generate(scenario))
    times = [f.time for f in frames]
    assert times == sorted(times)
    labels = {f.label for f in frames}
    inject_ids = {i.id for i in scenario.injects}
    assert labels <= inject_ids | {BENIGN}
    assert inject_ids <= labels, f"injects without frames: {inject_ids - labels}"
    start, end = scenario.epoch(0), scenario.epoch(scenario.duration)
    assert all(start <= f.time for f in frames)
    assert all(f.time <= end + 3600 for f in frames)  # an inject may run past the end
    assert all(f.team in scenario.team_ids() for f in frames)


@st.composite
def damaged(draw: Any) -> str:
    """A built-in scenario's text with a few random edits: lines cut, copied, or chars changed."""
    lines = library.text(draw(st.sampled_from(library.names()))).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "char", "indent"]))
        if edit == "delete":
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[draw(st.integers(0, len(lines) - 1))])
        elif edit == "indent":
            lines[i] = " " * draw(st.integers(0, 3)) + lines[i]
        elif lines[i]:
            j = draw(st.integers(0, len(lines[i]) - 1))
            char = draw(st.sampled_from([":", "-", "[", "{", "'", '"', "#", "x", "9", " ", "\t"]))
            lines[i] = lines[i][:j] + char + lines[i][j + 1 :]
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_files_give_positioned_issues_never_a_crash(text: str) -> None:
    try:
        loads(text, "damaged.yaml")
    except ScenarioValidationError as exc:
        assert exc.issues
        count = len(text.splitlines())
        for issue in exc.issues:
            assert 1 <= issue.line <= count + 1, issue
            assert issue.column >= 1
            assert issue.path and issue.message
