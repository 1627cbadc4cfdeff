"""web-exploit: the CVE-2021-41773 requests and the victim's second-stage download."""

from __future__ import annotations

from tests.scenarios.conftest import ATTACKER, TARGET, frames_of, run_technique


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
