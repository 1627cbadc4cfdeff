"""The server keeps answering logged-in clients while others hold connections open.

Slow clients come from other loopback addresses (127.0.0.2 and up: Linux routes all
of 127/8 to ``lo``), so the per-address limit can be seen apart from the client
that must still be served, on 127.0.0.1. Every socket is closed at the end.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indicators.taxii import ServerConfig
from indicators.taxii.config import ConnectionLimits
from tests.indicators.conftest import Harness, start_harness
from tests.indicators.wire import closed_by_peer

PARTIAL = b"GET /taxii2/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
"""A request whose headers never end."""


@contextlib.contextmanager
def harness_with(tmp_path: Path, limits: ConnectionLimits) -> Iterator[Harness]:
    path = str(tmp_path / "grapevine.db")
    harness = start_harness(path, ServerConfig(db=path, connections=limits))
    try:
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()


@contextlib.contextmanager
def slow_clients(harness: Harness, sources: list[str], each: int) -> Iterator[list[socket.socket]]:
    """``each`` connections from every source address, each with a half-sent request."""
    socks: list[socket.socket] = []
    try:
        for source in sources:
            for _ in range(each):
                sock = socket.create_connection(
                    (harness.server.host, harness.server.port),
                    timeout=5,
                    source_address=(source, 0),
                )
                socks.append(sock)
                with contextlib.suppress(OSError):  # already refused and closed
                    sock.sendall(PARTIAL)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def discovery_title(harness: Harness, within: float = 10.0) -> str | None:
    """The discovery title as taxii2-client gets it, or ``None`` if no answer came."""
    found: list[str] = []
    client = harness.client("de-analyst")

    def fetch() -> None:
        found.append(client.title)

    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    thread.join(within)
    return found[0] if found else None


def test_hundreds_of_slow_connections_do_not_lock_out_a_logged_in_client(
    tmp_path: Path,
) -> None:
    with harness_with(tmp_path, ConnectionLimits()) as harness:
        assert discovery_title(harness) == harness.config.title  # logged in before
        sources = [f"127.0.0.{n}" for n in range(2, 8)]
        with slow_clients(harness, sources, each=50) as socks:
            assert len(socks) == 300
            assert discovery_title(harness) == harness.config.title


def test_connections_past_the_per_address_limit_are_closed(tmp_path: Path) -> None:
    limits = ConnectionLimits(per_address=4, header_timeout=30)
    with (
        harness_with(tmp_path, limits) as harness,
        slow_clients(harness, ["127.0.0.2"], each=7) as socks,
        slow_clients(harness, ["127.0.0.3"], each=1) as other,
    ):
        # each socket is watched for 3 s, all at once (one after the other took 12 s)
        with ThreadPoolExecutor(len(socks)) as pool:
            closed = list(pool.map(lambda sock: closed_by_peer(sock, timeout=3), socks))
        assert closed == [False] * 4 + [True] * 3
        assert not closed_by_peer(other[0], timeout=0.5)
        assert discovery_title(harness) == harness.config.title


def test_headers_dripped_a_byte_at_a_time_are_cut_off(tmp_path: Path) -> None:
    with (
        harness_with(tmp_path, ConnectionLimits(header_timeout=1)) as harness,
        slow_clients(harness, ["127.0.0.2"], each=1) as (sock,),
    ):
        deadline = time.monotonic() + 15
        cut = False
        while not cut and time.monotonic() < deadline:
            try:
                sock.sendall(b"X")  # one byte of a header line: the connection is active
            except OSError:
                cut = True
                break
            cut = closed_by_peer(sock, timeout=0.2)
        assert cut, "the server kept a connection whose headers never ended"
        assert discovery_title(harness) == harness.config.title


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    tmp_path: Path,
) -> None:
    with (
        harness_with(tmp_path, ConnectionLimits(header_timeout=1)) as harness,
        socket.create_connection((harness.server.host, harness.server.port), timeout=5) as sock,
    ):
        assert closed_by_peer(sock, timeout=10)


@pytest.mark.parametrize("value", [0, -1])
def test_limits_must_be_positive(value: int) -> None:
    with pytest.raises(Exception, match="per_address"):
        ConnectionLimits(per_address=value)
