"""Serving a WSGI app with waitress, in the foreground or on a background thread."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from flask import json
from waitress import create_server, wasyncore
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from indicators.errors import StoreError
from indicators.taxii.errors import MEDIA_TYPE_TAXII_V21


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


class _TaxiiChannel(HTTPChannel):
    error_task_class = _TaxiiErrorTask


class TaxiiServer:
    """A waitress server for ``app`` bound to ``host:port`` (``port=0``: any free port).

    ``start()`` serves on a daemon thread (tests, ``grapevine play``); ``serve()``
    blocks (``grapevine serve``); ``stop()`` closes every connection and joins.
    """

    def __init__(
        self,
        app: Callable[..., Any],
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        max_request_body_size: int = 10 * 1024 * 1024,
    ) -> None:
        try:
            self._server = create_server(
                app,
                host=host,
                port=port,
                threads=threads,
                max_request_body_size=max_request_body_size,
                clear_untrusted_proxy_headers=True,
                ident="grapevine",
            )
        except OSError as exc:
            raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        # Per server, not global: only this server's connections use TAXII error bodies.
        self._server.channel_class = _TaxiiChannel
        self.host = host
        self.port: int = self._server.effective_port
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the server, ``http://127.0.0.1:PORT/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def serve(self) -> None:
        """Serve until :meth:`stop` is called (from another thread) or interrupted."""
        server = self._server
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=server._map, count=1)
        finally:
            for channel in list(server._map.values()):
                if channel is not server:
                    channel.close()
            server.close()
            server.task_dispatcher.shutdown(timeout=5)

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
