"""http-exfil and dns-exfil carry the bytes they claim."""

from __future__ import annotations

from tests.scenarios.conftest import ATTACKER, TARGET, frames_of, run_technique


def test_http_exfil_posts_all_bytes_to_the_drop_server(tshark) -> None:
    frames = frames_of(run_technique("http-exfil", size=250_000, chunk=100_000))
    rows = tshark(
        frames, "ip.src", "ip.dst", "http.host", "http.request.uri", "http.content_length",
        display_filter="http.request.method == POST",
    )  # fmt: skip
    assert len(rows) == 3
    assert {(r[0], r[1], r[2]) for r in rows} == {(TARGET, ATTACKER, "files.share-drop.example")}
    assert sum(int(r[4]) for r in rows) == 250_000
    assert [r[3].rsplit("part=", 1)[1] for r in rows] == ["0", "1", "2"]
    bad = tshark(
        frames,
        "tcp.analysis.flags",
        display_filter="tcp.analysis.flags && !tcp.analysis.window_update",
    )
    assert bad == [], "no retransmissions, gaps or other TCP anomalies in the upload"


def test_dns_exfil_names_carry_the_data(tshark) -> None:
    frames = frames_of(run_technique("dns-exfil", size=100))
    rows = tshark(frames, "dns.qry.name", display_filter="dns.flags.response == 0")
    assert len(rows) == 4  # 30 bytes per name
    chunks = [r[0].split(".") for r in rows]
    assert all(".".join(c[3:]) == "x.data-sync.example" for c in chunks)
    assert [int(c[1]) for c in chunks] == [0, 1, 2, 3]
    data = b"".join(bytes.fromhex(c[0]) for c in chunks)
    assert len(data) == 100
