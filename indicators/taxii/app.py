"""The TAXII 2.1 server as a Flask application factory.

``create_app(config)`` builds a new app every call: no module-global app, nothing
of ours happens at import. (Importing medallion's views imports the ``medallion``
package, which builds its own module-global Flask app and ``HTTPBasicAuth``; we never
use that app, and never change that auth object, see :mod:`indicators.taxii.auth`.)

The HTTP surface is medallion's blueprints (discovery,
collections, objects, manifest) over :class:`~indicators.taxii.backend.GrapevineBackend`;
what medallion gets wrong for us is replaced at the edges of the request:

* authentication: ``before_request`` against argon2 hashes, no default users
  (see :mod:`indicators.taxii.auth`);
* errors: TAXII error bodies for every failure, including Flask's own 404/405 and
  malformed JSON (see :mod:`indicators.taxii.errors`);
* body size: refused with 413 from the ``Content-Length`` header before the body is
  read, and Flask's ``MAX_CONTENT_LENGTH`` stops reading a body that lies about it;
* ``HEAD``: answered as ``GET`` without the body (medallion's views give a 500);
* ``limit``: medallion clamps any positive value to the page size; a value no
  client could mean (above 2**31-1, or not plain ASCII digits) is refused with 400;
* JSON depth: a body nested deeper than ``max_json_depth`` is refused with 400
  before any parser recurses into it (see :func:`~indicators.taxii.backend.check_body_depth`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from flask import Blueprint, Flask, Request, request
from medallion.views import collections, discovery, manifest, objects

from indicators.clock import Clock
from indicators.store import Store
from indicators.taxii.auth import Authenticator, RequestUsers
from indicators.taxii.backend import GrapevineBackend, check_body_depth
from indicators.taxii.config import MAX_LIMIT, ServerConfig
from indicators.taxii.envelope import EnvelopeJSONProvider
from indicators.taxii.errors import TaxiiError, register_error_handlers


def create_app(
    config: ServerConfig,
    store: Store | None = None,
    clock: Clock | None = None,
    blueprints: Iterable[Blueprint] = (),
) -> Flask:
    """A new TAXII 2.1 app over ``store`` (or the store at ``config.db``).

    The configured API root is created if the store has none of that name; users
    are never created here. ``blueprints`` are registered after TAXII's and share its
    authentication and body-size guard (the range API is one: layers above
    ``indicators`` add their HTTP surface without this package importing them).
    """
    store = store or Store.open(config.db, clock)
    store.ensure_api_root(
        config.api_root,
        config.title,
        description=config.description,
        max_content_length=config.max_content_length,
    )
    app = Flask("indicators.taxii")
    app.request_class = TaxiiRequest
    app.json = EnvelopeJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = config.max_content_length
    app.json.sort_keys = False
    # medallion's views read these three attributes of current_app.
    app.taxii_config = {"max_page_size": config.max_page_size}
    app.medallion_backend = GrapevineBackend(store, config)
    app.users_backend = RequestUsers()
    authenticator = Authenticator(store, limits=config.logins)
    app.extensions["grapevine"] = {"store": store, "config": config}

    @app.before_request
    def _guard() -> None:
        if request.method == "HEAD":
            # medallion's views branch on GET/POST/DELETE and return nothing for HEAD
            # (a 500); run them as GET. The environ still says HEAD, so werkzeug sends
            # the GET answer's status and headers without its body.
            request.method = "GET"
        authenticator.authenticate_request()
        _check_limit()
        if request.method in ("POST", "PUT"):
            _check_length(config.max_content_length)
            check_body_depth(config.max_json_depth)

    register_error_handlers(app)
    for blueprint in (
        discovery.discovery_bp,
        collections.collections_bp,
        manifest.manifest_bp,
        objects.objects_bp,
        *blueprints,
    ):
        app.register_blueprint(blueprint)
    return app


class TaxiiRequest(Request):
    """A request whose malformed JSON body is a TAXII 400 saying where it broke
    (Flask's default message does not say what was wrong)."""

    def on_json_loading_failed(self, e: ValueError | None) -> NoReturn:
        where = f": {e}" if e is not None else ""
        raise TaxiiError(400, "Bad Request", f"the request body is not valid JSON{where}")


def _check_limit() -> None:
    value = request.args.get("limit")
    if value is None:
        return
    # ASCII digits only: str.isdigit() and int() also take " 10", full-width digits and "²".
    ascii_digits = value.isascii() and value.isdigit() and len(value) <= 12
    if not ascii_digits or not 0 < int(value) <= MAX_LIMIT:
        raise TaxiiError(
            400,
            "Bad Request",
            f"limit={value!r} is invalid: give a whole number from 1 to {MAX_LIMIT} in ASCII"
            " digits (the server returns at most its page size)",
        )


def _check_length(maximum: int) -> None:
    length = request.content_length
    if length is not None and length > maximum:
        raise TaxiiError(
            413,
            "Content Too Large",
            f"the request body has {length} bytes; this server accepts at most {maximum}",
        )
