"""``grapevine indicators test``: a pattern against a scenario's traffic, via the sensor.

Runs through the real dispatcher on the built-in tutorial scenario (generated traffic,
range.sensor, StreamMatcher); nothing is mocked.
"""

from __future__ import annotations

import re

import pytest

from range.cli import main

SSH_BRUTE = (
    "[network-traffic:src_ref.value = '198.51.100.200' AND "
    "network-traffic:dst_ref.value = '192.0.2.30' AND network-traffic:dst_port = 22]"
)


def test_a_matching_pattern_lists_its_matches_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["indicators", "test", SSH_BRUTE, "--scenario", "tutorial", "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    summary = re.fullmatch(r"(\d+) match\(es\) in (\d+) observations \(first 2 shown\)", out[-1])
    assert summary and int(summary[1]) > 2
    flows = [line for line in out[:-1] if not line.startswith(" ")]
    assert len(flows) == 2
    assert all(
        re.fullmatch(r"2026-01-05 \S+  tcp/ssh 198\.51\.100\.200:\d+ -> 192\.0\.2\.30:22", f)
        for f in flows
    )
    assert "ipv4-addr:value=198.51.100.200" in out[1]


def test_an_http_pattern_shows_the_request_and_url(capsys: pytest.CaptureFixture[str]) -> None:
    pattern = "[network-traffic:extensions.'http-request-ext'.request_value MATCHES '^/cgi-bin/']"
    assert main(["indicators", "test", pattern, "--scenario", "tutorial", "--team", "ee"]) == 0
    out = capsys.readouterr().out
    assert "http:POST /cgi-bin/" in out and "url:value=http://portal.border.ee.example/cgi" in out


def test_a_pattern_matching_nothing_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    pattern = "[domain-name:value = 'never.invalid']"
    assert main(["indicators", "test", pattern, "--scenario", "tutorial"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"0 match\(es\) in \d+ observations", out[-1])
    assert len(out) == 1


def test_a_bad_pattern_exits_2_with_its_position(capsys: pytest.CaptureFixture[str]) -> None:
    pattern = "[domain-name:value = ]"
    assert main(["indicators", "test", pattern, "--scenario", "tutorial"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("invalid pattern at position 21: ")
    assert err[1:] == ["  " + pattern, "  " + " " * 21 + "^"]
