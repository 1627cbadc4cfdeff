"""http-c2-beacon: DNS resolution, then jittered HTTP polls to the C2 name."""

from __future__ import annotations

import itertools

from tests.scenarios.conftest import (
    ATTACKER,
    ATTACKER6,
    RESOLVER,
    RESOLVER6,
    TARGET,
    TARGET6,
    frames_of,
    run_technique,
)


def test_beacons_resolve_and_poll_over_http(tshark) -> None:
    frames = frames_of(run_technique("http-c2-beacon", beacons=10, interval=30, jitter=0.2))
    dns = tshark(
        frames, "ip.dst", "dns.qry.name", "dns.a", display_filter="dns.flags.response == 1"
    )
    assert dns and {r[1] for r in dns} == {"update.windows-telemetry.example"}
    assert {r[2] for r in dns} == {ATTACKER}
    queries = tshark(frames, "ip.src", "ip.dst", display_filter="dns.flags.response == 0")
    assert {(r[0], r[1]) for r in queries} == {(TARGET, RESOLVER)}
    polls = tshark(
        frames, "frame.time_epoch", "ip.dst", "http.host", "http.request.uri", "http.user_agent",
        display_filter="http.request.method == GET",
    )  # fmt: skip
    assert len(polls) == 10
    assert {(r[1], r[2]) for r in polls} == {(ATTACKER, "update.windows-telemetry.example")}
    assert all(r[3].startswith("/api/v2/status?id=") for r in polls)
    assert all("MSIE 8.0" in r[4] for r in polls)
    times = [float(r[0]) for r in polls]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(30 * 0.8 - 1 < g < 30 * 1.2 + 1 for g in gaps), gaps
    assert len({round(g, 1) for g in gaps}) > 3, "jitter makes the gaps differ"


def test_without_a_resolver_there_is_no_dns() -> None:
    from scenarios.techniques import registry
    from tests.scenarios.conftest import make_context

    cls = registry.get("http-c2-beacon")
    emission = cls().generate(make_context(dns=False), cls.Params(beacons=2))
    assert all(p.data[23] == 6 for p in emission.packets)


def test_ipv6_beacons_resolve_aaaa_and_poll_over_ipv6(tshark) -> None:
    frames = frames_of(run_technique("http-c2-beacon", beacons=6, interval=30, ipv6=True))
    dns = tshark(
        frames, "ipv6.dst", "dns.qry.type", "dns.aaaa", "dns.a",
        display_filter="dns.flags.response == 1",
    )  # fmt: skip
    assert dns and {(r[0], r[1], r[2], r[3]) for r in dns} == {(TARGET6, "28", ATTACKER6, "")}
    queries = tshark(frames, "ipv6.src", "ipv6.dst", display_filter="dns.flags.response == 0")
    assert {(r[0], r[1]) for r in queries} == {(TARGET6, RESOLVER6)}
    polls = tshark(
        frames, "ipv6.src", "ipv6.dst", "http.host", "http.request.uri", "tcp.checksum.status",
        display_filter="http.request.method == GET",
    )  # fmt: skip
    assert len(polls) == 6
    assert {(r[0], r[1], r[2]) for r in polls} == {
        (TARGET6, ATTACKER6, "update.windows-telemetry.example")
    }
    assert all(r[3].startswith("/api/v2/status?id=") for r in polls)
    assert {r[4] for r in polls} == {"1"}
