"""The TAXII 2.1 server: medallion's blueprints in our own Flask app, over our store.

``create_app(ServerConfig(...))`` builds the WSGI app; :class:`TaxiiServer` serves it
with waitress.
"""

from __future__ import annotations

from indicators.taxii.app import create_app
from indicators.taxii.config import ServerConfig
from indicators.taxii.serving import TaxiiServer

__all__ = ["ServerConfig", "TaxiiServer", "create_app"]
