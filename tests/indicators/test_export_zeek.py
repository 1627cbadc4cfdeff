"""indicators/export/zeek.py: STIX indicators to a Zeek intel file (exact format)."""

from __future__ import annotations

import pytest

from indicators.export.zeek import HEADER, INTEL_TYPES, to_zeek_intel
from tests.indicators.test_export_intake import stix_indicator


def test_header_is_zeeks_fields_line() -> None:
    assert HEADER == "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url"
    text, skipped = to_zeek_intel([])
    assert text == HEADER + "\n"
    assert skipped == []


def test_the_file_reads_exactly() -> None:
    c2 = stix_indicator(
        "[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'C2.Example.']", name="C2"
    )
    drop = stix_indicator("[url:value = 'http://portal.example:8080/drop.php?id=7#x']", name="")
    text, skipped = to_zeek_intel(
        [c2, drop], source="cert-ee", meta_url="https://taxii.example/objects/{id}/"
    )
    assert skipped == []
    url = "https://taxii.example/objects/{}/".format
    lines = {
        c2["id"]: [
            f"198.51.100.7\tIntel::ADDR\tcert-ee\tC2 ({c2['id']})\t{url(c2['id'])}",
            f"c2.example\tIntel::DOMAIN\tcert-ee\tC2 ({c2['id']})\t{url(c2['id'])}",
        ],
        drop["id"]: [
            f"portal.example:8080/drop.php?id=7\tIntel::URL\tcert-ee\t{drop['id']}\t{url(drop['id'])}"
        ],
    }
    expected = [HEADER] + [line for key in sorted(lines) for line in lines[key]]
    assert text == "\n".join(expected) + "\n"


MAPPINGS = [
    ("[ipv4-addr:value = '192.0.2.1']", [("192.0.2.1", "Intel::ADDR")]),
    ("[ipv4-addr:value = '192.0.2.0/24']", [("192.0.2.0/24", "Intel::SUBNET")]),
    ("[ipv4-addr:value ISSUBSET '198.51.100.0/25']", [("198.51.100.0/25", "Intel::SUBNET")]),
    ("[ipv6-addr:value = '2001:db8::1']", [("2001:db8::1", "Intel::ADDR")]),
    ("[ipv6-addr:value = '2001:db8::/48']", [("2001:db8::/48", "Intel::SUBNET")]),
    (
        "[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]",
        [("192.0.2.1", "Intel::ADDR"), ("192.0.2.2", "Intel::ADDR")],
    ),
    ("[domain-name:value = 'evil.example']", [("evil.example", "Intel::DOMAIN")]),
    ("[url:value = 'https://evil.example/a/b']", [("evil.example/a/b", "Intel::URL")]),
    ("[email-addr:value = 'ceo@portal.example']", [("ceo@portal.example", "Intel::EMAIL")]),
    ("[user-account:account_login = 'svc-backup']", [("svc-backup", "Intel::USER_NAME")]),
    ("[file:name = 'invoice.pdf.exe']", [("invoice.pdf.exe", "Intel::FILE_NAME")]),
    ("[file:hashes.MD5 = '" + "AB" * 16 + "']", [("ab" * 16, "Intel::FILE_HASH")]),
    ("[file:hashes.'SHA-1' = '" + "cd" * 20 + "']", [("cd" * 20, "Intel::FILE_HASH")]),
    ("[file:hashes.'SHA-256' = '" + "ef" * 32 + "']", [("ef" * 32, "Intel::FILE_HASH")]),
    ("[x509-certificate:hashes.'SHA-1' = '" + "01" * 20 + "']", [("01" * 20, "Intel::CERT_HASH")]),
    (
        "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' "
        "= 'EvilBot/1.0']",
        [("EvilBot/1.0", "Intel::SOFTWARE")],
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), MAPPINGS)
def test_each_translatable_property_gets_its_intel_type(
    pattern: str, expected: list[tuple[str, str]]
) -> None:
    indicator = stix_indicator(pattern)
    text, skipped = to_zeek_intel([indicator])
    assert skipped == []
    lines = text.splitlines()
    assert lines[0] == HEADER
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(row) == 5 for row in rows)
    assert [(row[0], row[1]) for row in rows] == expected
    assert all(row[1] in INTEL_TYPES for row in rows)
    assert all(row[2] == "grapevine" and row[4] == "-" for row in rows)
    assert all(row[3] == f"test indicator ({indicator['id']})" for row in rows)


UNTRANSLATABLE = [
    (
        "[network-traffic:dst_ref.value = '192.0.2.1']",
        "wherever it is seen, not only as the destination",
    ),
    (
        "[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = 443]",
        "joined by AND",
    ),
    ("[domain-name:value LIKE '%.evil.example']", "exact values, not LIKE"),
    ("[domain-name:value NOT = 'evil.example']", "not NOT ="),
    ("[domain-name:value MATCHES '^evil']", "not MATCHES"),
    ("[file:hashes.'SHA-512' = '" + "ab" * 64 + "']", "MD5, SHA-1 and SHA-256"),
    ("[x509-certificate:hashes.'SHA-256' = '" + "ab" * 32 + "']", "SHA-1 only"),
    ("[url:value = 'evil.example/path']", "not an absolute URL"),
    ("[file:name = '#notes']", "cannot be written as a Zeek intel field"),
    ("[domain-name:value = 'a.example'] REPEATS 2 TIMES WITHIN 10 SECONDS", "does not count"),
    (
        "[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']",
        "FOLLOWEDBY",
    ),
    ("[software:name = 'curl']", "no type for software"),
    ("[ipv6-addr:value = '192.0.2.1']", "not an ipv6-addr value"),
]


@pytest.mark.parametrize(("pattern", "reason"), UNTRANSLATABLE)
def test_untranslatable_patterns_are_listed_with_the_reason(pattern: str, reason: str) -> None:
    good = stix_indicator("[domain-name:value = 'ok.example']", name="good")
    bad = stix_indicator(pattern, name="bad")
    text, skipped = to_zeek_intel([bad, good])
    assert [i for i, _ in skipped] == [bad["id"]]
    assert reason in skipped[0][1]
    assert text.splitlines()[1].startswith("ok.example\tIntel::DOMAIN\t")


def test_tabs_and_newlines_in_names_do_not_break_the_table() -> None:
    indicator = stix_indicator("[domain-name:value = 'a.example']", name="two\tcolumns\nand lines")
    text, _ = to_zeek_intel([indicator], source="src\twith tab")
    (row,) = [line.split("\t") for line in text.splitlines()[1:]]
    assert len(row) == 5
    assert row[2] == "src with tab"
    assert row[3] == f"two columns and lines ({indicator['id']})"


def test_duplicate_values_in_one_indicator_are_written_once() -> None:
    indicator = stix_indicator(
        "[domain-name:value = 'a.example' OR domain-name:value = 'A.example']"
    )
    text, _ = to_zeek_intel([indicator])
    assert len(text.splitlines()) == 2


def test_meta_url_template_only_replaces_the_id_placeholder() -> None:
    indicator = stix_indicator("[domain-name:value = 'a.example']")
    text, _ = to_zeek_intel([indicator], meta_url="https://x.example/{collection}/{id}")
    assert (
        text.splitlines()[1].split("\t")[4] == f"https://x.example/{{collection}}/{indicator['id']}"
    )
