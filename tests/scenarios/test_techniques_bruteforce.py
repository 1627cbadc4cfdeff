"""ssh-brute-force and web-login-brute-force as tshark decodes them."""

from __future__ import annotations

from tests.scenarios.conftest import ATTACKER, ATTACKER6, TARGET, TARGET6, frames_of, run_technique


def test_ssh_brute_force_is_ssh_with_the_tools_banner(tshark) -> None:
    frames = frames_of(run_technique("ssh-brute-force", connections=4, tries_per_connection=2))
    rows = tshark(frames, "ip.src", "tcp.dstport", "ssh.protocol", "tcp.checksum.status")
    assert {r[3] for r in rows} == {"1"}
    banners = [r[2] for r in rows if r[2]]
    assert banners.count("SSH-2.0-libssh2_1.10.0") == 4
    assert all(r[1] == "22" for r in rows if r[0] == ATTACKER)
    kex = tshark(frames, "ssh.message_code", display_filter="ssh.message_code == 20")
    assert len(kex) == 8, "a KEXINIT from each side of every connection"
    syns = tshark(frames, "tcp.stream", display_filter="tcp.flags == 0x002")
    assert len(syns) == 4


def test_web_login_brute_force_posts_to_login_and_gets_401(tshark) -> None:
    frames = frames_of(run_technique("web-login-brute-force", attempts=7, per_connection=3))
    requests = tshark(
        frames, "http.request.method", "http.request.uri", "http.file_data", "ip.src",
        display_filter="http.request",
    )  # fmt: skip
    assert len(requests) == 7
    assert {(r[0], r[1], r[3]) for r in requests} == {("POST", "/login", ATTACKER)}
    assert all("username=" in r[2] for r in requests)
    responses = tshark(frames, "http.response.code", "ip.src", display_filter="http.response")
    assert [r[0] for r in responses] == ["401"] * 7 and {r[1] for r in responses} == {TARGET}


def test_web_login_success_sets_a_session_cookie(tshark) -> None:
    frames = frames_of(run_technique("web-login-brute-force", attempts=3, succeed=True))
    codes = tshark(frames, "http.response.code", "http.set_cookie", display_filter="http.response")
    assert [r[0] for r in codes] == ["401", "401", "302"]
    assert codes[-1][1].startswith("session=")


def test_ipv6_ssh_brute_force_is_ssh_over_ipv6(tshark) -> None:
    emission = run_technique("ssh-brute-force", connections=3, tries_per_connection=2, ipv6=True)
    frames = frames_of(emission)
    rows = tshark(
        frames, "ipv6.src", "ipv6.dst", "tcp.dstport", "ssh.protocol", "tcp.checksum.status",
        "frame.protocols",
    )  # fmt: skip
    assert len(rows) == len(frames) and {r[4] for r in rows} == {"1"}
    assert all(r[5].startswith("eth:ethertype:ipv6:tcp") for r in rows)
    assert {(r[1], r[2]) for r in rows if r[0] == ATTACKER6} == {(TARGET6, "22")}
    assert [r[3] for r in rows if r[3]].count("SSH-2.0-libssh2_1.10.0") == 3
    assert len(tshark(frames, "tcp.stream", display_filter="tcp.flags == 0x002")) == 3
    assert {"type": "ipv6-addr", "value": ATTACKER6} in emission.truth.observables
