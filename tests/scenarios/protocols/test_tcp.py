"""scenarios.protocols.tcp: a TCP session is a conversation tshark finds nothing wrong with."""

from __future__ import annotations

import random

from scenarios.protocols.ip import MSS
from scenarios.protocols.tcp import TcpSession
from scenarios.protocols.tls import tls_client_hello
from tests.scenarios.conftest import endpoint, frames_of


def test_tcp_session_is_a_clean_conversation(tshark) -> None:
    client, server = endpoint("198.51.100.7"), endpoint("192.0.2.20")
    session = TcpSession(client, server, 443, 100.0, random.Random(9)).handshake()
    session.exchange(tls_client_hello("portal.example", random.Random(1)), bytes(20_000))
    session.close()
    from scenarios.techniques.base import Emission, GroundTruth

    frames = frames_of(Emission(tuple(session.packets), GroundTruth((), "[x:y = 1]")))
    rows = tshark(frames, "tcp.stream", "tcp.analysis.flags", "tcp.checksum.status", "tcp.len")
    assert {r[0] for r in rows} == {"0"}, "one TCP stream"
    assert [r for r in rows if r[1]] == [], "no retransmission, lost segment or bad ack"
    assert {r[2] for r in rows} == {"1"}
    assert max(int(r[3]) for r in rows) == MSS
    tls = tshark(
        frames, "tls.handshake.extensions_server_name", display_filter="tls.handshake.type == 1"
    )
    assert tls == [["portal.example"]]
