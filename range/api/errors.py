"""Refusals of the range API: one JSON body for every 4xx (and the rare 5xx).

::

    {"error": {"status": 403, "title": "Forbidden", "field": "team",
               "detail": "user de-analyst plays cert-de, not cert-fr"}}

``field`` names the part of the request at fault: a path parameter (``team``,
``alert_id``), a query parameter (``limit``), a body field as a dotted path
(``recipients`` or ``speed``), or a header (``authorization``); ``null`` when the
request as a whole is refused (the exercise has finished). A pattern error also
carries ``position``, the 0-based offset in the pattern.

:func:`install_error_handlers` renders errors this way for every path under the
API's prefix and leaves the TAXII server's own error bodies alone elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json, request
from pydantic import BaseModel, ConfigDict, ValidationError
from werkzeug.exceptions import HTTPException

from indicators.errors import AuthError, NotFoundError, PatternError, StixValidationError
from indicators.taxii.errors import TaxiiError
from range.errors import RangeError

log = logging.getLogger(__name__)

API_PREFIX = "/api"


class ErrorDetail(BaseModel):
    """What was refused and why."""

    model_config = ConfigDict(extra="forbid")

    status: int
    title: str
    field: str | None
    detail: str
    position: int | None = None


class ErrorBody(BaseModel):
    """The body of every refusal."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


class ApiError(RangeError):
    """A refusal: HTTP status, the field at fault (or ``None``) and why."""

    def __init__(
        self,
        status: int,
        field: str | None,
        detail: str,
        *,
        position: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.status = status
        self.field = field
        self.detail = detail
        self.position = position
        self.headers = headers or {}


def forbidden(field: str | None, detail: str) -> ApiError:
    return ApiError(403, field, detail)


def not_found(field: str | None, detail: str) -> ApiError:
    return ApiError(404, field, detail)


def invalid(field: str | None, detail: str, position: int | None = None) -> ApiError:
    return ApiError(422, field, detail, position=position)


def conflict(field: str | None, detail: str) -> ApiError:
    return ApiError(409, field, detail)


def from_validation(error: ValidationError, where: str = "", status: int = 422) -> ApiError:
    """The first problem pydantic found, naming the field (dotted path): 422 for a
    body, 400 for query parameters (as the TAXII guard answers a bad ``limit``)."""
    first = error.errors(include_url=False)[0]
    # pydantic puts the member of a union it tried into the location
    # ("speed.constrained-float"); field names are identifiers, member tags are not
    parts = [p for p in first["loc"] if isinstance(p, int) or p.isidentifier()]
    loc = ".".join(str(part) for part in parts if part != "__root__")
    field = f"{where}{loc}" if loc else (where.rstrip(".") or "body")
    message = first["msg"]
    more = len(error.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ApiError(status, field, message)


def from_pattern(error: PatternError, field: str = "pattern") -> ApiError:
    return invalid(field, str(error), position=error.position)


def error_response(error: ApiError) -> Response:
    body = ErrorBody(
        error=ErrorDetail(
            status=error.status,
            title=_title(error.status),
            field=error.field,
            detail=error.detail,
            position=error.position,
        )
    )
    return Response(
        json.dumps(body.model_dump(mode="json")),
        status=error.status,
        headers=error.headers,
        mimetype="application/json",
    )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _taxii_field(error: TaxiiError) -> str | None:
    """The field of an error the TAXII guard raised before the API saw the request."""
    if error.status == 401:
        return "authorization"
    if error.status == 413:
        return "body"
    if error.description.startswith("limit="):
        return "limit"
    return None


def as_api_error(error: Exception) -> ApiError:
    """Any exception raised while serving an API request, as an :class:`ApiError`."""
    match error:
        case ApiError():
            return error
        case TaxiiError():
            return ApiError(
                error.status, _taxii_field(error), error.description, headers=error.headers
            )
        case PatternError():
            return from_pattern(error)
        case ValidationError():
            return from_validation(error)
        case NotFoundError():
            return not_found(None, str(error))
        case AuthError():
            return forbidden(None, str(error))
        case StixValidationError():
            return invalid(None, str(error))
        case HTTPException():
            return ApiError(error.code or 500, None, error.description or error.name)
        case RangeError() if hasattr(error, "field"):
            return invalid(error.field, getattr(error, "reason", str(error)))
        case RangeError():
            return conflict(None, str(error))
    log.exception("internal error while serving a range API request", exc_info=error)
    return ApiError(500, None, "the server failed; see its log")


def install_error_handlers(app: Flask, prefix: str = API_PREFIX) -> None:
    """Render errors of requests under ``prefix`` as API errors; other paths keep the
    handlers the app already had (TAXII error messages)."""
    previous: dict[type[Exception], Callable[[Any], Any]] = {}
    for handlers in app.error_handler_spec[None].values():
        previous.update(handlers)

    def fallback(error: Exception) -> Any:
        for cls in type(error).__mro__:
            handler = previous.get(cls)
            if handler is not None:
                return handler(error)
        raise error

    def handle(error: Exception) -> Any:
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return error_response(as_api_error(error))
        return fallback(error)

    for cls in {Exception, HTTPException, *previous}:
        app.register_error_handler(cls, handle)
