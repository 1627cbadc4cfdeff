"""dns-tunnel and dga-lookups as tshark decodes them."""

from __future__ import annotations

import re

from scenarios.techniques.dns import dga_domains
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


def test_tunnel_is_txt_queries_under_the_zone(tshark) -> None:
    frames = frames_of(run_technique("dns-tunnel", queries=12))
    rows = tshark(
        frames, "ip.src", "ip.dst", "dns.flags.response", "dns.qry.type", "dns.qry.name",
        "dns.txt", "udp.checksum.status",
    )  # fmt: skip
    assert len(rows) == 24
    assert {r[3] for r in rows} == {"16"}
    assert all(r[4].endswith(".t.tunnel-relay.example") for r in rows)
    assert all(re.fullmatch(r"[a-z2-7]+", r[4].split(".")[0]) for r in rows), "base32 labels"
    answers = [r for r in rows if r[2] == "1"]
    assert len(answers) == 12 and all(r[5] for r in answers)
    assert {(r[0], r[1]) for r in rows if r[2] == "0"} == {(TARGET, RESOLVER)}
    assert {r[6] for r in rows} == {"1"}


def test_dga_lookups_are_nxdomain_until_the_live_one(tshark) -> None:
    frames = frames_of(run_technique("dga-lookups", lookups=15, seed=2026))
    rows = tshark(frames, "dns.qry.name", "dns.flags.rcode", "dns.a",
                  display_filter="dns.flags.response == 1")  # fmt: skip
    names = dga_domains(2026, 15)
    assert [r[0] for r in rows] == names
    assert [r[1] for r in rows] == ["3"] * 14 + ["0"]
    assert rows[-1][2] == ATTACKER


def test_dga_names_have_the_family_shape() -> None:
    names = dga_domains(7, 200)
    assert len(set(names)) == 200
    assert all(re.fullmatch(r"[a-z]{12,18}\.(top|xyz|biz|info)\.example", n) for n in names)
    assert dga_domains(7, 5) == names[:5]


def test_ipv6_tunnel_is_txt_queries_over_ipv6(tshark) -> None:
    frames = frames_of(run_technique("dns-tunnel", queries=8, ipv6=True))
    rows = tshark(
        frames, "ipv6.src", "ipv6.dst", "dns.flags.response", "dns.qry.type", "dns.qry.name",
        "dns.txt", "udp.checksum.status", "frame.protocols",
    )  # fmt: skip
    assert len(rows) == 16
    assert all(r[7].startswith("eth:ethertype:ipv6:udp:dns") for r in rows)
    assert {r[3] for r in rows} == {"16"} and {r[6] for r in rows} == {"1"}
    assert all(r[4].endswith(".t.tunnel-relay.example") for r in rows)
    assert {(r[0], r[1]) for r in rows if r[2] == "0"} == {(TARGET6, RESOLVER6)}
    assert all(r[5] for r in rows if r[2] == "1")


def test_ipv6_dga_live_name_answers_aaaa(tshark) -> None:
    frames = frames_of(run_technique("dga-lookups", lookups=5, seed=2026, ipv6=True))
    rows = tshark(frames, "dns.qry.type", "dns.flags.rcode", "dns.aaaa",
                  display_filter="dns.flags.response == 1")  # fmt: skip
    assert [r[0] for r in rows] == ["28"] * 5
    assert [r[1] for r in rows] == ["3"] * 4 + ["0"] and rows[-1][2] == ATTACKER6
