"""Serving a WSGI app as several gunicorn worker processes (``grapevine serve --workers N``).

:class:`WorkerServer` is a custom :class:`gunicorn.app.base.BaseApplication`: its
settings come from a :class:`WorkerOptions` (never from ``sys.argv`` or a config
file), and the app is built by a factory **in each worker**, after the fork
(``preload_app`` stays off): every worker opens its own store and its own database
connections, and no Flask app exists at module level or in the arbiter.

The workers are gunicorn's ``gthread`` kind: a worker serves ``threads`` requests at
once, so a long-poll or an event stream holds one thread, not a whole process (a
``sync`` worker would be busy, and killed after ``timeout``, for a 30 s long-poll).

What waitress gave the embedded server maps onto gunicorn's own settings: the
connection limit is split over the workers (``worker_connections``), idle keep-alive
connections are closed after a few seconds, and a client that sends no request is
handed back to the poller instead of holding a thread. The per-address limit and the
header deadline of :mod:`indicators.taxii.serving` are waitress's and do not apply
here; on a hostile network put a reverse proxy in front. HTTPS uses the same
:func:`~indicators.taxii.serving.tls_context` (TLS 1.2 or later) as the embedded server.
Each worker counts wrong passwords for its login back-off on its own (it keeps no
state in the store), so a guesser spread over N workers gets N times the free
failures before the back-off starts. The control socket of gunicorn (``gunicornc``)
is disabled: two servers on one machine would fight over its path.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gunicorn.app.base import BaseApplication

from indicators.taxii.config import ConnectionLimits
from indicators.taxii.serving import settle_heap, tls_context

GRACEFUL_TIMEOUT = 5
"""Seconds a stopping worker gets to finish its requests before it is killed."""

KEEPALIVE = 5
"""Seconds an idle keep-alive connection stays open."""


@dataclass(frozen=True)
class WorkerOptions:
    """Where and how the workers serve."""

    host: str = "127.0.0.1"
    port: int = 0
    """``0``: any free port (the bound URL is passed to ``on_ready``)."""
    workers: int = 2
    threads: int = 8
    """Requests one worker serves at once (long-polls and streams included)."""
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    cert: str | None = None
    key: str | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.cert else "http"

    @property
    def bind(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


class WorkerServer(BaseApplication):
    """gunicorn with ``options``, serving ``factory()`` (called once in each worker).

    ``on_ready`` is called in the arbiter with the base URL
    (``http://127.0.0.1:PORT/``) once it listens and before the first worker boots.
    :meth:`run` blocks until the arbiter stops (SIGINT, SIGTERM) and then exits the
    process (gunicorn's arbiter ends with ``sys.exit``).
    """

    def __init__(
        self,
        factory: Callable[[], Callable[..., Any]],
        options: WorkerOptions,
        on_ready: Callable[[str], None] | None = None,
    ) -> None:
        self._factory = factory
        self._options = options
        self._on_ready = on_ready
        super().__init__(prog="grapevine")

    def init(self, parser: Any, opts: Any, args: Any) -> None:  # gunicorn's abstract hook
        return None

    def load_config(self) -> None:
        options = self._options
        limits = options.limits
        settings: dict[str, Any] = {
            "bind": [options.bind],
            "workers": options.workers,
            "worker_class": "gthread",
            "threads": options.threads,
            "worker_connections": max(
                limits.connection_limit // options.workers, options.threads + 1
            ),
            "keepalive": KEEPALIVE,
            "graceful_timeout": GRACEFUL_TIMEOUT,
            "preload_app": False,
            "proc_name": "grapevine",
            "when_ready": self._ready,
            "control_socket_disable": True,
        }
        if options.cert and options.key:
            cert, key = options.cert, options.key
            context = tls_context(cert, key)  # refuses a bad pair before any worker starts
            settings |= {
                "certfile": cert,
                "keyfile": key,
                "ssl_context": _fixed_context(context),
            }
        for name, value in settings.items():
            self.cfg.set(name, value)

    def load(self) -> Callable[..., Any]:
        app = self._factory()
        settle_heap()  # in the worker, once its app is built
        return app

    def _ready(self, arbiter: Any) -> None:
        if self._on_ready is None:
            return
        sock = arbiter.LISTENERS[0].sock
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        self._on_ready(f"{self._options.scheme}://{shown}:{port}/")


def _fixed_context(context: ssl.SSLContext) -> Callable[[Any, Any], ssl.SSLContext]:
    def ssl_context(config: Any, default_factory: Any) -> ssl.SSLContext:
        return context

    return ssl_context
