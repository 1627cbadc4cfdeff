"""Serving a WSGI app with waitress, in the foreground or on a background thread.

What we add to waitress, per server (nothing global is changed):

* TAXII error bodies for the errors waitress answers itself (413, 400);
* bounds on what idle or slow clients can hold (:class:`ConnectionLimits`): open
  connections in all (with ``poll``, so past 1024 descriptors too), per client
  address, and a deadline for a request's headers, so a client dripping one header
  byte at a time cannot keep a slot for ever (waitress's own ``channel_timeout``
  only closes connections that are silent);
* HTTPS: waitress has no TLS, so each accepted connection is wrapped in a
  non-blocking :class:`ssl.SSLSocket` whose handshake, reads and writes the channel
  drives from waitress's own event loop. The same loop, limits and error bodies
  serve HTTP and HTTPS; a thread-per-connection server (cheroot) would let slow
  TLS clients hold worker threads instead.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import json
from waitress import create_server, wasyncore
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from indicators.errors import StoreError
from indicators.taxii.config import ConnectionLimits
from indicators.taxii.errors import MEDIA_TYPE_TAXII_V21

log = logging.getLogger(__name__)


class _TaxiiErrorTask(ErrorTask):
    """waitress answers some errors itself, before the app runs (a body over
    ``max_request_body_size`` gets 413 from the headers alone, a malformed request
    400); give those a TAXII error body too instead of waitress's plain text."""

    def execute(self) -> None:
        error = self.request.error
        body = json.dumps(
            {
                "title": error.reason,
                "description": str(error.body),
                "http_status": str(error.code),
            }
        ).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", MEDIA_TYPE_TAXII_V21))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class AddressCounter:
    """Open connections per client address, refusing past ``per_address``."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, address: str) -> bool:
        """Count one more connection from ``address``, unless it has too many."""
        with self._lock:
            count = self._open.get(address, 0)
            if count >= self.per_address:
                return False
            self._open[address] = count + 1
            return True

    def release(self, address: str) -> None:
        """One connection from ``address`` closed."""
        with self._lock:
            count = self._open.get(address, 0) - 1
            if count > 0:
                self._open[address] = count
            else:
                self._open.pop(address, None)


class _GuardedChannel(HTTPChannel):
    """A waitress channel with TAXII error bodies, connection limits and TLS.

    Subclassed per server (:meth:`for_server`) to carry that server's limits.
    """

    error_task_class = _TaxiiErrorTask
    limits: ConnectionLimits
    counter: AddressCounter
    tls: ssl.SSLContext | None

    @classmethod
    def for_server(
        cls, limits: ConnectionLimits, tls: ssl.SSLContext | None
    ) -> type[_GuardedChannel]:
        counter = AddressCounter(limits.per_address)
        return type(cls.__name__, (cls,), {"limits": limits, "counter": counter, "tls": tls})

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:  # noqa: A002
        self.client_address = str(addr[0] if isinstance(addr, tuple) else addr)
        self._admitted = self.counter.admit(self.client_address)
        self._header_deadline: float | None = time.monotonic() + self.limits.header_timeout
        self._handshaking = False
        self._want_write = False
        self._tls_retry = 0
        if self.tls is not None and self._admitted:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            self._handshaking = True
        super().__init__(server, sock, addr, adj, map)
        if not self._admitted:
            log.warning(
                "refused a connection from %s: it already has %d open (--max-per-address)",
                self.client_address,
                self.counter.per_address,
            )
            self.close()

    def del_channel(self, map: Any = None) -> None:  # noqa: A002
        super().del_channel(map)
        if self._admitted:
            self._admitted = False
            self.counter.release(self.client_address)

    # -- the header deadline ------------------------------------------------------

    def received(self, data: bytes) -> bool:
        outcome = super().received(data)
        partial = self.request
        if partial is None or partial.headers_finished:
            self._header_deadline = None
        elif self._header_deadline is None:  # the first bytes of a new request
            self._header_deadline = time.monotonic() + self.limits.header_timeout
        return outcome

    def _headers_overdue(self) -> bool:
        deadline = self._header_deadline
        if deadline is None or self.requests or self.will_close:
            return False
        if time.monotonic() < deadline:
            return False
        log.info(
            "closed a connection from %s: no complete request headers within %s s",
            self.client_address,
            self.limits.header_timeout,
        )
        self.will_close = True
        return True

    def readable(self) -> bool:
        # Called on every turn of the event loop (at least once a second).
        if self._headers_overdue():
            return False
        if self._handshaking:
            return not self._want_write
        return super().readable()

    def writable(self) -> bool:
        if self._handshaking:
            return self._want_write or self.will_close
        return super().writable()

    # -- TLS ----------------------------------------------------------------------

    def handle_read(self) -> None:
        if self._handshaking:
            self._handshake()
        elif self.tls is not None:
            self._tls_read()
        else:
            super().handle_read()

    def handle_write(self) -> None:
        if self._handshaking and not self.will_close:
            self._handshake()
        elif self._handshaking:
            self.handle_close()
        else:
            super().handle_write()

    def _handshake(self) -> None:
        try:
            self.socket.do_handshake()
        except ssl.SSLWantReadError:
            self._want_write = False
            return
        except ssl.SSLWantWriteError:
            self._want_write = True
            return
        except (ssl.SSLError, OSError) as exc:
            log.info("TLS handshake with %s failed: %s", self.client_address, exc)
            self.handle_close()
            return
        self._handshaking = self._want_write = False
        self.last_activity = time.time()
        self._tls_read()  # the request may have come with the handshake's last flight

    def _tls_read(self) -> None:
        """Read what the socket has, including what OpenSSL already decrypted and
        buffered (``pending``), which ``poll`` would never report."""
        chunks: list[bytes] = []
        closed = False
        while True:
            try:
                data = self.socket.recv(self.adj.recv_bytes)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except ssl.SSLZeroReturnError:
                data = b""
            except (ssl.SSLError, OSError) as exc:
                log.info("TLS connection from %s failed: %s", self.client_address, exc)
                self.handle_close()
                return
            if not data:
                closed = True
                break
            chunks.append(data)
            if not self.socket.pending():
                break
        if chunks:
            self.last_activity = time.time()
            self.received(b"".join(chunks))
        if closed:
            self.connected = False
            self.handle_close()

    def send(self, data: bytes, do_close: bool = True) -> int:
        if self.tls is None:
            return super().send(data, do_close)
        # OpenSSL wants a write it could not finish retried with the same bytes.
        if self._tls_retry:
            data = data[: self._tls_retry]
        try:
            sent = super().send(data, do_close)
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
            self._tls_retry = len(data)
            return 0
        self._tls_retry = 0
        return sent


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server TLS context (TLS 1.2 or later) for a PEM certificate chain and key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise StoreError(f"cannot load --cert {cert} with --key {key}: {exc}") from None
    return context


def settle_heap() -> None:
    """Collect once, then move every object alive (modules, the app, the store's
    engine) where the garbage collector no longer walks it (:func:`gc.freeze`).

    Called once a server process has built its app, before it serves: a full
    collection otherwise walks all of them every few hundred requests, and each such
    pause (100-150 ms, measured on a full read of 100,000 objects) lands on one
    client's page. Objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()


class TaxiiServer:
    """A waitress server for ``app`` bound to ``host:port`` (``port=0``: any free port).

    ``start()`` serves on a daemon thread (tests, ``grapevine play``); ``serve()``
    blocks (``grapevine serve``); ``stop()`` closes every connection and joins.
    ``tls`` (see :func:`tls_context`) serves HTTPS instead of HTTP.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        max_request_body_size: int = 10 * 1024 * 1024,
        limits: ConnectionLimits | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        limits = limits or ConnectionLimits()
        try:
            self._server = create_server(
                app,
                host=host,
                port=port,
                threads=threads,
                max_request_body_size=max_request_body_size,
                clear_untrusted_proxy_headers=True,
                ident="grapevine",
                connection_limit=limits.connection_limit,
                channel_timeout=limits.idle_timeout,
                cleanup_interval=1,
                asyncore_use_poll=True,
                url_scheme="https" if tls is not None else "http",  # discovery's URLs
            )
        except OSError as exc:
            raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        # Per server, not global: only this server's connections are guarded.
        self._server.channel_class = _GuardedChannel.for_server(limits, tls)
        self.host = host
        self.port: int = self._server.effective_port
        self.scheme = "https" if tls is not None else "http"
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the server, ``http://127.0.0.1:PORT/`` (``https`` with TLS)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/"

    def serve(self) -> None:
        """Serve until :meth:`stop` is called (from another thread) or interrupted."""
        server = self._server
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, use_poll=True, map=server._map, count=1)
        finally:
            # requests still being served finish first (5 s at most): closing the
            # server closes the trigger they pull when they are done (EBADF, logged)
            server.task_dispatcher.shutdown(timeout=5)
            for channel in list(server._map.values()):
                if channel is not server:
                    channel.close()
            server.close()

    def start(self) -> TaxiiServer:
        """Serve on a background daemon thread; returns ``self``."""
        self._thread = threading.Thread(target=self.serve, name="taxii-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close connections and wait for the serving thread."""
        self._stopping.set()
        with contextlib.suppress(OSError):  # the trigger is already closed
            self._server.pull_trigger()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> TaxiiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
