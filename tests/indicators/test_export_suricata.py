"""indicators/export/suricata.py: STIX indicators to Suricata rules.

Every generated rule is read back by two independent rule parsers (suricataparser
and idstools) and checked by suricata-check (no Suricata binary is installed here).
"""

from __future__ import annotations

import logging
import random
import re
import uuid

import idstools.rule
import pytest
import stix2
import suricataparser
from hypothesis import given, settings
from hypothesis import strategies as st
from suricata_check import analyze_rule
from suricata_check.utils.regex import ALL_KEYWORDS
from suricata_check.utils.rule import parse as suricata_check_parse

from indicators.export.suricata import (
    SID_FIRST,
    SID_LAST,
    preferred_sid,
    to_suricata,
    translate_pattern,
)
from tests.indicators.test_export_intake import NAMESPACE, stix_indicator


def rules_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def check_rule(line: str) -> dict:
    """Parse ``line`` with both parsers and suricata-check; returns idstools' fields."""
    parsed = suricataparser.parse_rule(line)
    assert parsed is not None, line
    ids = idstools.rule.parse(line)
    assert ids is not None, line
    assert parsed.sid == ids["sid"]
    assert parsed.msg == ids["msg"]
    header, _, body = line.partition(" (")
    if ":" in header:
        # suricata-check's header grammar has no IPv6 addresses (Suricata's has);
        # check the rest of the rule with the addresses written as ``any``
        words = header.split(" ")
        header = " ".join("any" if ":" in w else w for w in words)
    rule = suricata_check_parse(f"{header} ({body}")
    assert rule is not None
    unknown = [o.name for o in rule.options if o.name not in ALL_KEYWORDS]
    assert unknown == [], f"options Suricata does not know: {unknown}"
    report = analyze_rule(rule)
    serious = [(i.code, i.message) for i in report.issues if (i.severity or 0) >= logging.WARNING]
    assert serious == []
    return ids


# (pattern, expected rules without msg/sid/metadata/classtype)
TRANSLATIONS = [
    (
        "[ipv4-addr:value = '198.51.100.7']",
        ["alert ip 198.51.100.7 any <> any any"],
    ),
    (
        "[ipv6-addr:value = '2001:db8::/32']",
        ["alert ip 2001:db8::/32 any <> any any"],
    ),
    (
        "[ipv4-addr:value IN ('198.51.100.7', '203.0.113.0/24')]",
        ["alert ip [198.51.100.7,203.0.113.0/24] any <> any any"],
    ),
    (
        "[network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24' AND "
        "network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']",
        ["alert tcp any any -> 203.0.113.0/24 443"],
    ),
    (
        "[network-traffic:src_ref.value = '192.0.2.10' AND network-traffic:dst_port IN (80, 8080)]",
        [
            "alert tcp 192.0.2.10 any -> any [80,8080]",
            "alert udp 192.0.2.10 any -> any [80,8080]",
        ],
    ),
    (
        "[network-traffic:dst_port >= 1024 AND network-traffic:dst_port < 2048"
        " AND network-traffic:dst_port != 1900 AND network-traffic:protocols[*] = 'udp']",
        ["alert udp any any -> any [1024:2047,!1900]"],
    ),
    (
        "[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:protocols[*] = 'icmp']",
        ["alert icmp any any -> ::/0 any"],
    ),
    (
        "[domain-name:value = 'Evil.Example']",
        [
            'alert dns any any -> any any (dns.query; content:"evil.example"; '
            "nocase; startswith; endswith",
            'alert tls any any -> any any (tls.sni; content:"evil.example"; '
            "nocase; startswith; endswith",
            'alert http any any -> any any (http.host; content:"evil.example"; '
            "startswith; endswith",
        ],
    ),
    (
        "[domain-name:value LIKE '%.evil.example' AND domain-name:value LIKE 'c2-%']",
        [
            'alert dns any any -> any any (dns.query; content:".evil.example"; nocase; endswith; '
            'dns.query; content:"c2-"; nocase; startswith',
            'alert tls any any -> any any (tls.sni; content:".evil.example"; nocase; endswith; '
            'tls.sni; content:"c2-"; nocase; startswith',
            'alert http any any -> any any (http.host; content:".evil.example"; endswith; '
            'http.host; content:"c2-"; startswith',
        ],
    ),
    (
        "[url:value = 'http://portal.example:8080/login.php?next=/admin;x']",
        [
            "alert http any any -> any 8080 (http.host; "
            'content:"portal.example"; startswith; endswith; http.uri; '
            'content:"/login.php?next=/admin|3b|x"; startswith; endswith',
        ],
    ),
    (
        "[url:value LIKE 'http://198.51.100.7/wp-admin/%']",
        ['alert http any any -> 198.51.100.7 any (http.uri; content:"/wp-admin/"; startswith'],
    ),
    (
        "[network-traffic:extensions.'http-request-ext'.request_method = 'POST' AND "
        "network-traffic:extensions.'http-request-ext'.request_value LIKE '/upload%' AND "
        "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' "
        "= 'EvilBot/1.0']",
        [
            'alert http any any -> any any (http.method; content:"POST"; startswith; endswith; '
            'http.uri; content:"/upload"; startswith; '
            'http.user_agent; content:"EvilBot/1.0"; startswith; endswith',
        ],
    ),
    (
        "[network-traffic:extensions.'http-request-ext'.request_header.Host = 'Portal.example:81']",
        ['alert http any any -> any any (http.host.raw; content:"Portal.example:81"; startswith'],
    ),
    (
        "[network-traffic:protocols[*] = 'udp' AND network-traffic:protocols[*] = 'dns' AND "
        "network-traffic:dst_ref.value = '192.0.2.53']",
        ["alert udp any any -> 192.0.2.53 any (app-layer-protocol:dns"],
    ),
    (
        "[domain-name:value = 'c2.example'] REPEATS 5 TIMES WITHIN 60 SECONDS",
        None,  # three rules cannot share one count: checked below with domain_in=("dns",)
    ),
    (
        "[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'c2.example']",
        [
            "alert ip 198.51.100.7 any <> any any",
            'alert dns any any -> any any (dns.query; content:"c2.example"',
            'alert tls any any -> any any (tls.sni; content:"c2.example"',
            'alert http any any -> any any (http.host; content:"c2.example"',
        ],
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), [t for t in TRANSLATIONS if t[1]])
def test_translation_gives_the_expected_rules(pattern: str, expected: list[str]) -> None:
    indicator = stix_indicator(pattern)
    text, skipped = to_suricata([indicator])
    assert skipped == []
    rules = rules_of(text)
    assert len(rules) == len(expected)
    for line, prefix in zip(rules, expected, strict=True):
        header = prefix.split(" (", 1)[0]
        assert line.startswith(header + " ("), line
        if " (" in prefix:
            detection = prefix.split(" (", 1)[1]
            assert detection in line, line
        fields = check_rule(line)
        assert fields["action"] == "alert"
        assert SID_FIRST <= fields["sid"] <= SID_LAST
        assert f"stix_id {indicator['id']}" in fields["metadata"]
        assert indicator["id"] in fields["msg"]


def test_a_full_rule_reads_exactly() -> None:
    indicator = stix_indicator(
        "[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443 "
        "AND network-traffic:protocols[*] = 'tcp']",
        name='C2 "beacon"; stage 2',
        modified="2026-03-05T10:00:00.000Z",
        indicator_types=["malicious-activity"],
    )
    text, _ = to_suricata([indicator])
    sid = preferred_sid(indicator["id"])
    assert text.splitlines()[-1] == (
        "alert tcp any any -> 198.51.100.7 443 "
        f'(msg:"GRAPEVINE STIX C2 \\"beacon\\"\\; stage 2 {indicator["id"]}"; '
        f"classtype:trojan-activity; sid:{sid}; rev:1; "
        f"metadata:stix_id {indicator['id']}, created_at 2026_03_02, updated_at 2026_03_05;)"
    )
    fields = check_rule(text.splitlines()[-1])
    assert fields["msg"] == f'GRAPEVINE STIX C2 \\"beacon\\"\\; stage 2 {indicator["id"]}'


def test_repeats_within_becomes_a_threshold() -> None:
    pattern = "[domain-name:value = 'c2.example'] REPEATS 5 TIMES WITHIN 60 SECONDS"
    (body,) = translate_pattern(pattern, domain_in=("dns",))
    assert body.options[-1] == "threshold: type threshold, track by_rule, count 5, seconds 60"
    _, skipped = to_suricata([stix_indicator(pattern)])
    assert skipped and "REPEATS over alternatives" in skipped[0][1]
    text, skipped = to_suricata([stix_indicator(pattern)], domain_in=("dns",))
    assert skipped == []
    (line,) = rules_of(text)
    assert "threshold: type threshold, track by_rule, count 5, seconds 60;" in line
    check_rule(line)


UNTRANSLATABLE = [
    ("[file:hashes.'SHA-256' = '" + "ab" * 32 + "']", "filemd5/filesha256"),
    ("[url:value = 'https://portal.example/login']", "only http:// URLs"),
    ("[domain-name:value MATCHES '^c2[0-9]+\\\\.example$']", "MATCHES"),
    (
        "[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']",
        "FOLLOWEDBY",
    ),
    ("[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.1']", "two separate"),
    ("[domain-name:value = 'a.example'] REPEATS 3 TIMES", "REPEATS without WITHIN"),
    (
        "[domain-name:value = 'a.example'] "
        "START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'",
        "START/STOP",
    ),
    ("[domain-name:value LIKE 'c2_.example']", "'_'"),
    ("[domain-name:value != 'a.example']", "operator !="),
    ("[ipv4-addr:value != '192.0.2.1']", "operator != on an address"),
    ("[ipv4-addr:value = '2001:db8::1']", "not an IPv4 address"),
    ("[network-traffic:dst_ref.value = 'portal.example']", "not an IP address"),
    ("[domain-name:value NOT = 'a.example']", "negated"),
    ("[email-addr:value = 'ceo@portal.example']", "no Suricata equivalent for email-addr"),
    (
        "[network-traffic:dst_port = 80 AND network-traffic:dst_port = 443 "
        "AND network-traffic:protocols[*] = 'tcp']",
        "destination port contradict",
    ),
    (
        "[network-traffic:protocols[*] = 'udp' AND "
        "network-traffic:extensions.'http-request-ext'.request_method = 'GET']",
        "http does not run over udp",
    ),
    (
        "[network-traffic:extensions.'http-request-ext'.request_header.'X-Custom' = 'a']",
        "no sticky buffer",
    ),
    ("[ipv4-addr:value = '192.0.2.1' AND domain-name:value = 'a.example']", "can never match"),
    ("[domain-name:value = ", "invalid pattern"),
    ("[network-traffic:protocols[*] = 'gopher']", "no protocol keyword 'gopher'"),
]


@pytest.mark.parametrize(("pattern", "reason"), UNTRANSLATABLE)
def test_untranslatable_patterns_are_listed_with_the_reason(pattern: str, reason: str) -> None:
    good = stix_indicator("[ipv4-addr:value = '192.0.2.1']", name="good")
    bad = stix_indicator(pattern, name="bad")
    text, skipped = to_suricata([good, bad])
    assert [i for i, _ in skipped] == [bad["id"]]
    assert reason in skipped[0][1]
    assert len(rules_of(text)) == 1  # the good one is still there


def test_indicators_that_are_not_exported_say_why() -> None:
    base = stix_indicator("[ipv4-addr:value = '192.0.2.1']", name="kept")
    old = stix_indicator("[ipv4-addr:value = '192.0.2.99']", name="versioned")
    new = {
        **old,
        "modified": "2026-03-03T08:00:00.000Z",
        "pattern": "[ipv4-addr:value = '192.0.2.2']",
    }
    revoked = stix_indicator("[ipv4-addr:value = '192.0.2.3']", name="revoked", revoked=True)
    snort = stix_indicator(
        "alert ip any any -> any any (sid:1;)", name="snort", pattern_type="snort"
    )
    expired = stix_indicator(
        "[ipv4-addr:value = '192.0.2.4']", name="expired", valid_until="2026-03-02T09:00:00Z"
    )
    identity = {"type": "identity", "id": "identity--" + str(uuid.uuid5(NAMESPACE, "x"))}
    from datetime import UTC, datetime

    now = datetime(2026, 3, 4, tzinfo=UTC)
    text, skipped = to_suricata([new, base, revoked, snort, expired, identity, old, 42], now=now)
    reasons = dict(skipped)
    assert reasons[revoked["id"]] == "revoked"
    assert "pattern_type 'snort'" in reasons[snort["id"]]
    assert reasons[expired["id"]].startswith("expired")
    assert "not an indicator" in reasons[identity["id"]]
    assert "not a STIX object" in reasons["<item 7>"]
    rules = rules_of(text)
    assert len(rules) == 2
    assert any("192.0.2.2" in r and old["id"] in r for r in rules)  # the latest version only
    assert not any("192.0.2.99" in r for r in rules)


def test_stix2_objects_are_accepted() -> None:
    indicator = stix2.v21.Indicator(
        name="stix2 object",
        pattern="[domain-name:value = 'c2.example']",
        pattern_type="stix",
        valid_from="2026-03-02T08:00:00Z",
    )
    text, skipped = to_suricata([indicator], domain_in=("dns",))
    assert skipped == []
    (line,) = rules_of(text)
    assert check_rule(line)["metadata"][0] == f"stix_id {indicator.id}"


def test_sids_are_stable_unique_and_in_the_local_range() -> None:
    indicators = [stix_indicator(f"[ipv4-addr:value = '198.51.100.{i}']") for i in range(200)]
    first, _ = to_suricata(indicators)
    again, _ = to_suricata(list(reversed(indicators)))
    assert first == again
    sids = [int(re.search(r"sid:(\d+);", r).group(1)) for r in rules_of(first)]
    assert len(set(sids)) == len(sids) == 200
    assert all(SID_FIRST <= s <= SID_LAST for s in sids)
    by_id = {
        re.search(r"stix_id (\S+?),", r).group(1): int(re.search(r"sid:(\d+);", r).group(1))
        for r in rules_of(first)
    }
    assert all(by_id[i["id"]] == preferred_sid(i["id"]) for i in indicators)


def _colliding_pair() -> tuple[str, str]:
    seen: dict[int, str] = {}
    for n in range(100_000):
        candidate = f"indicator--{uuid.uuid5(NAMESPACE, str(n))}"
        sid = preferred_sid(candidate)
        if sid in seen:
            return seen[sid], candidate
        seen[sid] = candidate
    raise AssertionError("no collision found")


def test_a_sid_collision_moves_the_newer_indicator_and_keeps_the_older() -> None:
    first_id, second_id = _colliding_pair()
    older = {**stix_indicator("[ipv4-addr:value = '192.0.2.1']"), "id": second_id}
    newer = {
        **stix_indicator("[ipv4-addr:value = '192.0.2.2']"),
        "id": first_id,
        "created": "2026-03-03T08:00:00.000Z",
    }
    text, _ = to_suricata([newer, older])
    sids = {
        re.search(r"stix_id (\S+?),", r).group(1): int(re.search(r"sid:(\d+);", r).group(1))
        for r in rules_of(text)
    }
    assert sids[older["id"]] == preferred_sid(older["id"])
    assert sids[newer["id"]] != sids[older["id"]]
    span = SID_LAST - SID_FIRST + 1
    assert sids[newer["id"]] == SID_FIRST + (preferred_sid(older["id"]) - SID_FIRST + 1) % span


def decode_content(text: str) -> bytes:
    """Undo Suricata content escaping: ``|xx xx|`` hex runs and plain characters."""
    out = bytearray()
    for i, part in enumerate(text.split("|")):
        out += bytes.fromhex(part) if i % 2 else part.encode("ascii")
    return bytes(out)


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="%_"),
        min_size=1,
        max_size=40,
    )
)
def test_any_user_agent_roundtrips_through_a_parsable_rule(agent: str) -> None:
    escaped = agent.replace("\\", "\\\\").replace("'", "\\'")
    pattern = (
        f"[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = '{escaped}']"
    )
    text, skipped = to_suricata([stix_indicator(pattern, name=agent)])
    assert skipped == []
    (line,) = rules_of(text)
    ids = idstools.rule.parse(line)
    assert ids is not None
    assert suricataparser.parse_rule(line) is not None
    contents = [o["value"] for o in ids["options"] if o["name"] == "content"]
    assert len(contents) == 1
    assert decode_content(contents[0][1:-1]) == agent.encode("utf-8")


def test_a_long_name_is_cut_in_msg_but_the_id_stays_whole() -> None:
    indicator = stix_indicator("[ipv4-addr:value = '192.0.2.1']", name="x" * 500)
    text, _ = to_suricata([indicator])
    (line,) = rules_of(text)
    msg = check_rule(line)["msg"]
    assert msg == f"GRAPEVINE STIX {'x' * 117}... {indicator['id']}"


def _random_pattern(rng: random.Random) -> str:
    ip = f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randrange(1, 255)}"
    domain = f"{rng.choice(['c2', 'cdn', 'mail', 'x-y'])}{rng.randrange(100)}.example"
    port = rng.choice([22, 53, 80, 443, 8080, 3389])
    templates = [
        f"[ipv4-addr:value = '{ip}']",
        f"[ipv4-addr:value ISSUBSET '{ip.rsplit('.', 1)[0]}.0/24']",
        f"[network-traffic:dst_ref.value = '{ip}' AND network-traffic:dst_port = {port}]",
        f"[network-traffic:src_ref.value = '{ip}' AND network-traffic:protocols[*] = 'udp']",
        f"[domain-name:value = '{domain}'] OR [ipv4-addr:value = '{ip}']",
        f"[domain-name:value LIKE '%.{domain}']",
        f"[url:value = 'http://{domain}/{rng.choice(['a', 'b/c.php', 'd?e=f'])}']",
        "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = "
        f"'{rng.choice(['curl/8.0', 'Evil Bot', 'x;y'])}']",
        f"[network-traffic:dst_port >= {port} AND network-traffic:protocols[*] = 'tcp']",
        f"[domain-name:value = '{domain}'] REPEATS 4 TIMES WITHIN 30 SECONDS",
    ]
    return rng.choice(templates)


def test_a_whole_generated_rules_file_is_valid_rule_by_rule(rng: random.Random) -> None:
    indicators = [stix_indicator(_random_pattern(rng), name=f"generated {n}") for n in range(150)]
    text, skipped = to_suricata(indicators, domain_in=("dns", "tls"))
    rules = rules_of(text)
    assert len(suricataparser.parse_rules(text)) == len(rules)
    assert len({int(re.search(r"sid:(\d+);", r).group(1)) for r in rules}) == len(rules)
    for line in rules:
        check_rule(line)
    translated = {re.search(r"stix_id (\S+?),", r).group(1) for r in rules}
    assert translated | {i for i, _ in skipped} == {i["id"] for i in indicators}
    assert all("REPEATS over alternatives" in reason for _, reason in skipped)
