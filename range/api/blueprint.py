"""The range API as a Flask blueprint, built from the route table.

Authentication has already happened (the TAXII app's ``before_request``); here each
request is checked against its route: the caller's role, the team in the path (a
team user only for their own team; the director for any team of the scenario), the
query parameters and the JSON body against the route's models. Then the handler
runs and its model is sent as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, json, request
from pydantic import BaseModel, ValidationError

from indicators.taxii.auth import current_user
from indicators.users import Role, User
from range.api.errors import API_PREFIX, ApiError, forbidden, from_validation, not_found
from range.api.openapi import openapi_document
from range.api.routes import ApiSettings, Call, Route
from range.api.service import RangeService
from range.api.table import ROUTES


def range_blueprint(
    service: RangeService,
    settings: ApiSettings | None = None,
    routes: Sequence[Route] = ROUTES,
) -> Blueprint:
    """A new blueprint serving ``routes`` under ``/api`` over ``service``."""
    settings = settings or ApiSettings()
    bp = Blueprint("range_api", __name__, url_prefix=API_PREFIX)
    document = openapi_document(routes)

    @bp.get("/openapi.json")
    def _openapi() -> Response:
        return _json(document, 200)

    for route in routes:
        bp.add_url_rule(
            route.flask_rule,
            endpoint=route.operation_id,
            view_func=_view(route, service, settings),
            methods=[route.method],
        )
    return bp


def _view(route: Route, service: RangeService, settings: ApiSettings) -> Any:
    def view(**params: str) -> Response:
        user = current_user()
        _check_access(route, user, params, service)
        call = Call(
            user=user,
            service=service,
            settings=settings,
            params=params,
            query=_query(route.query),
            body=_body(route.body),
            headers={"Last-Event-ID": request.headers.get("Last-Event-ID", "")},
        )
        result = route.handler(call)
        if isinstance(result, Response):
            return result
        return _json(result.model_dump(mode="json"), route.status)

    view.__name__ = route.operation_id
    return view


def _check_access(route: Route, user: User, params: dict[str, str], service: RangeService) -> None:
    if user.role not in route.roles:
        allowed = " or ".join(sorted(r.value for r in route.roles))
        raise forbidden(
            None,
            f"user {user.name} has role {user.role.value}; {route.method} {API_PREFIX}{route.path}"
            f" is for {allowed}",
        )
    team = params.get("team")
    if team is None:
        return
    if user.role is Role.TEAM and team != user.team:
        raise forbidden("team", f"user {user.name} plays {user.team}, not {team}")
    if team not in service.scenario.team_ids():
        raise not_found("team", f"{team!r} is not a team of this exercise")


def _query(model: type[BaseModel] | None) -> Any:
    if model is None:
        return None
    values = {k: v for k, v in request.args.items() if k in model.model_fields}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise from_validation(exc, status=400) from None


def _body(model: type[BaseModel] | None) -> Any:
    if model is None:
        return None
    data = request.get_data(cache=False)
    if not data.strip():
        data = b"{}"
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise ApiError(400, "body", f"the body is not valid JSON: {first['msg']}") from None
        raise from_validation(exc) from None


def _json(body: Any, status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
