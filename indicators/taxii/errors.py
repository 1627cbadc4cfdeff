"""TAXII error bodies for everything that can go wrong in a request.

medallion registers its error handlers on its own module-global app, which we do not
use, so without these a medallion ``ProcessingError`` would become an HTML 500. Every
failure here becomes a TAXII 2.1 error message (title, description, http_status)
with media type ``application/taxii+json;version=2.1``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from medallion.exceptions import MedallionError
from werkzeug.exceptions import HTTPException

from indicators.errors import (
    AuthError,
    IndicatorError,
    NotFoundError,
    StixValidationError,
    StoreError,
)
from indicators.store import CursorError, QueryError

MEDIA_TYPE_TAXII_V21 = "application/taxii+json;version=2.1"

log = logging.getLogger(__name__)


class TaxiiError(IndicatorError):
    """An error answer of the server: HTTP status, title, description, headers."""

    def __init__(
        self, status: int, title: str, description: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.title = title
        self.description = description
        self.headers = headers or {}


def error_response(
    status: int, title: str, description: str, headers: dict[str, str] | None = None
) -> Response:
    """A TAXII error message response."""
    body = {"title": title, "description": description, "http_status": str(status)}
    return Response(json.dumps(body), status=status, headers=headers, mimetype=MEDIA_TYPE_TAXII_V21)


def register_error_handlers(app: Flask) -> None:
    """Render every error of ``app`` as a TAXII error message."""

    @app.errorhandler(TaxiiError)
    def _taxii(error: TaxiiError) -> Response:
        return error_response(error.status, error.title, error.description, error.headers)

    @app.errorhandler(MedallionError)
    def _medallion(error: MedallionError) -> Response:
        title = {
            400: "Bad Request",
            403: "Forbidden",
            404: "Not Found",
            406: "Not Acceptable",
            413: "Content Too Large",
            415: "Unsupported Media Type",
            422: "Unprocessable Content",
        }.get(error.status, type(error).__name__)
        description = error.message
        if error.status == 406:
            description += f"; this server answers {MEDIA_TYPE_TAXII_V21} (send it in Accept)"
        return error_response(error.status, title, description, getattr(error, "headers", None))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        code = error.code or 500
        description = error.description or error.name
        if (code == 400 and "JSON" in description) or "json" in description.lower():
            description = f"the request body is not valid JSON: {description}"
        return error_response(code, error.name, description)

    @app.errorhandler(CursorError)
    @app.errorhandler(QueryError)
    def _query(error: StoreError) -> Response:
        return error_response(400, "Bad Request", str(error))

    @app.errorhandler(NotFoundError)
    def _not_found(error: NotFoundError) -> Response:
        return error_response(404, "Not Found", str(error))

    @app.errorhandler(AuthError)
    def _forbidden(error: AuthError) -> Response:
        return error_response(403, "Forbidden", str(error))

    @app.errorhandler(StixValidationError)
    def _invalid(error: StixValidationError) -> Response:
        return error_response(422, "Unprocessable Content", str(error))

    @app.errorhandler(Exception)
    def _internal(error: Exception) -> Response:
        log.exception("internal error while serving a TAXII request")
        return error_response(500, "Internal Server Error", "the server failed; see its log")
