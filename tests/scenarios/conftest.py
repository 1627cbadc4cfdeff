"""Fixtures for the traffic tests: technique contexts, tshark read-back, and the benign
traffic of the built-in scenarios (generated once per session, observed by the sensor
model)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from indicators.patterns import compile_pattern
from indicators.patterns.observations import observations_from
from scenarios import library
from scenarios.benign import team_traffic
from scenarios.observe import Observation, observe
from scenarios.packets import mac_for
from scenarios.pcap import write_pcapng
from scenarios.techniques import registry
from scenarios.techniques.base import Context, Emission, Endpoint, Frame
from scenarios.traffic import stable_seed

START = 1_772_438_400.0
"""2026-03-02T08:00:00Z, the start of every technique test."""

ATTACKER = "203.0.113.66"
TARGET = "198.51.100.10"
RESOLVER = "198.51.100.2"
GATEWAY = "198.51.100.1"
SERVICES = {
    "ssh": 22,
    "http": 80,
    "https": 443,
    "smb": 445,
    "dns": 53,
    "smtp": 25,
    "mavlink": 14550,
}


def endpoint(ip: str, **kw: Any) -> Endpoint:
    return Endpoint(ip=ip, mac=mac_for(ip), **kw)


def make_context(seed: int = 1, *, dns: bool = True) -> Context:
    """Attacker outside, target with every service the techniques use, a resolver."""
    gateway = endpoint(GATEWAY, hostname="gw.border.fr.example")
    return Context(
        attacker=Endpoint(ip=ATTACKER, mac=gateway.mac),
        target=endpoint(TARGET, hostname="gate-1.border.fr.example", services=SERVICES),
        start=START,
        rng=random.Random(seed),
        gateway=gateway,
        dns=endpoint(RESOLVER, hostname="ns1.border.fr.example") if dns else None,
        domain="border.fr.example",
    )


def run_technique(name: str, ctx_seed: int = 1, **params: Any) -> Emission:
    cls = registry.get(name)
    return cls().generate(make_context(ctx_seed), cls.Params(**params))


def frames_of(emission: Emission, label: str = "inject-1") -> list[Frame]:
    return [Frame(p.time, p.data, label, "fr") for p in emission.packets]


CHECKSUMS = (
    "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
    "-o", "udp.check_checksum:TRUE",
)  # fmt: skip
"""tshark options that verify every checksum (status 1 = good, 0 = bad)."""


@pytest.fixture(scope="session")
def tshark_path() -> str:
    path = shutil.which("tshark")
    if path is None:
        pytest.skip("tshark is not installed (make deps installs it)")
    return path


@pytest.fixture
def tshark(tshark_path: str, tmp_path: Path) -> Callable[..., list[list[str]]]:
    """Write frames to a pcapng and read fields back: ``tshark(frames, "ip.src", ...)``."""
    counter = iter(range(1_000_000))

    def read(frames: Sequence[Frame], *fields: str, display_filter: str = "") -> list[list[str]]:
        pcap = tmp_path / f"capture-{next(counter)}.pcapng"
        write_pcapng(frames, pcap)
        cmd = [tshark_path, "-r", str(pcap), "-T", "fields", "-E", "occurrence=a", *CHECKSUMS]
        cmd += ["-E", "aggregator=|"]
        if display_filter:
            cmd += ["-Y", display_filter]
        for f in fields:
            cmd += ["-e", f]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
        return [line.split("\t") for line in done.stdout.splitlines()]

    return read


@pytest.fixture
def tshark_json(tshark_path: str, tmp_path: Path) -> Callable[[Sequence[Frame]], list[dict]]:
    def read(frames: Sequence[Frame]) -> list[dict]:
        pcap = tmp_path / "capture.pcapng"
        write_pcapng(frames, pcap)
        done = subprocess.run(
            [tshark_path, "-r", str(pcap), "-T", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(done.stdout)

    return read


class PreparedObservations:
    """Observations converted once for our matcher, so many patterns can run over them."""

    def __init__(self, observations: list[Observation]) -> None:
        self.raw = observations
        self.prepared = observations_from(observations)

    def __len__(self) -> int:
        return len(self.raw)

    def matched_by(self, pattern: str) -> bool:
        """What ``indicators.matcher.match(pattern, self.raw)`` answers."""
        return compile_pattern(pattern).matches(self.prepared)


@pytest.fixture(scope="session")
def builtin_benign() -> dict[str, PreparedObservations]:
    """Built-in scenario name -> the sensor's observations of all its benign traffic.

    Generated exactly as :func:`scenarios.traffic.generate` does (same seeds), without
    the injects.
    """
    out = {}
    for name in library.names():
        scenario = library.load(name)
        frames: list[Frame] = []
        for team in scenario.teams:
            rng = random.Random(stable_seed(scenario.seed, "benign", team.id))
            frames += [Frame(p.time, p.data, "benign") for p in team_traffic(scenario, team, rng)]
        frames.sort(key=lambda f: f.time)
        out[name] = PreparedObservations(observe(frames))
    return out
