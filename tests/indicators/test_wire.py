"""The raw-HTTP test helper reads a reply whole however the server splits it."""

from __future__ import annotations

import socket
import threading

from tests.indicators.wire import read_response


def test_a_reply_in_two_segments_is_read_whole() -> None:
    head = b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 20\r\n\r\n"
    body = b'{"http_status":"413"'
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            conn.sendall(head)
            if conn.recv(2) == b"go":  # the body only once the client is reading
                conn.sendall(body)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with listener, socket.create_connection(listener.getsockname(), timeout=10) as sock:
        sock.sendall(b"go")
        reply = read_response(sock)
    thread.join(10)
    assert reply == head + body
