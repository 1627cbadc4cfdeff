"""The TAXII 2.1 server with the range API beside it: one Flask app, one set of
accounts (``indicators`` knows nothing of the range; the range adds its blueprint
through :func:`indicators.taxii.app.create_app`'s ``blueprints`` hook)."""

from __future__ import annotations

from flask import Flask

from indicators.clock import Clock
from indicators.store import Store
from indicators.taxii import ServerConfig, create_app
from range.api.blueprint import range_blueprint
from range.api.errors import install_error_handlers
from range.api.routes import ApiSettings
from range.api.service import RangeService


def create_range_app(
    config: ServerConfig,
    store: Store,
    service: RangeService,
    settings: ApiSettings | None = None,
    clock: Clock | None = None,
) -> Flask:
    """A new app serving TAXII 2.1 and the range API over ``service``."""
    settings = settings or ApiSettings(api_root=config.api_root)
    app = create_app(config, store, clock, blueprints=[range_blueprint(service, settings)])
    install_error_handlers(app)
    return app
