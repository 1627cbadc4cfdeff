"""The range API in a gunicorn worker: every ``/api/...`` request is forwarded to the
exercise engine's process.

With ``grapevine serve SCENARIO --workers N`` (see :mod:`range.commands.serve_workers`)
one process owns the exercise: the engine, its runner, the event log (it is the
only writer of the log) and the range API over them, served on a private loopback
port. The N workers serve TAXII themselves, straight from the shared store, and pass
the range API through to that process with :func:`forward_blueprint`:

* the method, path, query string, body and end-to-end headers go as they came
  (``Authorization`` and ``Last-Event-ID`` included); hop-by-hop headers do not;
* the answer comes back with its status, headers and body; a body is relayed as it
  arrives, so a long-poll (``GET /api/events?wait=``) answers when the engine's log
  grows and a server-sent event stream (``/api/events/stream``) flows event by event;
* one connection per request (``Connection: close``): a request is never sent twice
  over a keep-alive connection the engine had just closed, so an action happens once.

Authentication runs twice. The worker's TAXII guard checks the credentials before
anything is forwarded (a wrong password never reaches the engine), and the engine
checks them again and applies roles, team and TLP rules as it does when it serves
alone: the private port trusts no header and no caller, so a process on the machine
that reaches it still needs an account. (argon2 verifications are remembered per
process, so the second check costs a hash lookup after a user's first request.)

If the engine cannot be reached the worker answers 502 with the API's error body;
if it does not answer in time, 504.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

from flask import Blueprint, Flask, Response, request

from indicators.store import Store
from indicators.taxii import ServerConfig, create_app
from range.api.errors import API_PREFIX, ApiError, install_error_handlers
from range.api.routes import ApiSettings

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers that belong to one connection, not to the request (RFC 9110, 7.6.1)."""

NOT_FORWARDED = HOP_BY_HOP | {"content-length", "expect"}
"""Request headers the worker does not pass on (it sends the body it has read, with
its own length, at once)."""

NOT_RELAYED = HOP_BY_HOP | {"content-length", "server", "date"}
"""Response headers the worker's server sets itself (the length only when the
engine sent none: see :func:`_response_headers`)."""

CHUNK = 64 * 1024
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]  # Flask adds HEAD and OPTIONS


def forward_blueprint(engine_url: str, settings: ApiSettings | None = None) -> Blueprint:
    """A blueprint passing every request under ``/api`` to the range API at
    ``engine_url`` (``http://127.0.0.1:PORT/``).

    A socket wait longer than ``settings``' longest long-poll plus a stream's heartbeat
    means the engine is stuck: the worker gives up with 504.
    """
    settings = settings or ApiSettings()
    target = urlsplit(engine_url)
    if target.scheme != "http" or not target.hostname or not target.port:
        raise ValueError(f"the engine's URL must be http://HOST:PORT/, not {engine_url!r}")
    host, port = target.hostname, target.port
    timeout = settings.max_wait + settings.heartbeat + 15.0
    bp = Blueprint("range_api_forward", __name__, url_prefix=API_PREFIX)

    def forward(path: str = "") -> Response:
        return _forward(host, port, timeout)

    bp.add_url_rule("", "forward_root", forward, methods=METHODS)
    bp.add_url_rule("/", "forward_index", forward, methods=METHODS)
    bp.add_url_rule("/<path:path>", "forward", forward, methods=METHODS)
    return bp


def create_worker_app(
    config: ServerConfig,
    engine_url: str,
    store: Store | None = None,
    settings: ApiSettings | None = None,
) -> Flask:
    """A worker's app: TAXII 2.1 over the store at ``config.db`` (or ``store``), and
    the range API forwarded to the engine at ``engine_url``, its errors rendered as
    the engine renders them."""
    app = create_app(config, store, blueprints=[forward_blueprint(engine_url, settings)])
    install_error_handlers(app)
    return app


def _forward(host: str, port: int, timeout: float) -> Response:
    method = request.environ["REQUEST_METHOD"]  # HEAD, although the TAXII guard says GET
    body = request.get_data(cache=True) if method in ("POST", "PUT", "PATCH", "DELETE") else b""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, _target(), skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers.items():
            if name.lower() not in NOT_FORWARDED:
                conn.putheader(name, value)
        conn.putheader("Connection", "close")
        if body or method not in ("GET", "HEAD"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        upstream = conn.getresponse()
    except TimeoutError:
        conn.close()
        raise ApiError(504, None, "the exercise engine did not answer in time") from None
    except OSError as exc:
        conn.close()
        raise ApiError(
            502, None, f"the exercise engine is not reachable ({exc.strerror or exc})"
        ) from None
    response = Response(
        _relay(upstream, conn),
        status=f"{upstream.status} {upstream.reason}",
        headers=_response_headers(upstream),
        direct_passthrough=True,
    )
    response.call_on_close(conn.close)  # also when the body is not sent (HEAD, a client gone)
    return response


def _target() -> str:
    """The request's path and query string, as the client sent them."""
    path = quote(request.script_root + request.path, safe="/:@!$&'()*+,;=-._~%")
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def _response_headers(upstream: http.client.HTTPResponse) -> list[tuple[str, str]]:
    headers = [(k, v) for k, v in upstream.getheaders() if k.lower() not in NOT_RELAYED]
    length = upstream.getheader("Content-Length")
    if length is not None and upstream.getheader("Transfer-Encoding") is None:
        headers.append(("Content-Length", length))
    return headers


def _relay(upstream: http.client.HTTPResponse, conn: http.client.HTTPConnection) -> Iterator[bytes]:
    """The body as it arrives (an event stream chunk by chunk), then the connection
    closed; a stalled engine ends the body early rather than holding the worker."""
    try:
        while True:
            try:
                chunk = upstream.read1(CHUNK)
            except (OSError, http.client.HTTPException):
                return
            if not chunk:
                return
            yield chunk
    finally:
        conn.close()
