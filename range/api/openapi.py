"""The OpenAPI 3.1 document of the range API, generated from the route table and
the pydantic models (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).

Every model's schema goes under ``components/schemas`` (refs
``#/components/schemas/{model}``); each route contributes one operation with its
path and query parameters, its request body, its answer, and every refusal it can
give (all with the :class:`~range.api.errors.ErrorBody` schema). Authentication is
HTTP Basic, the same accounts as TAXII.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from indicators.users import NAME_PATTERN
from range.api.errors import API_PREFIX, ErrorBody, _title
from range.api.routes import Route
from range.events import KINDS

REF = "#/components/schemas/{model}"

_ID = {"type": "string", "minLength": 1, "maxLength": 200}

PATH_PARAMETERS: dict[str, tuple[str, dict[str, Any]]] = {
    "team": ("a team id of the scenario", {"type": "string", "pattern": NAME_PATTERN.pattern}),
    "alert_id": ("an alert of the team", _ID),
    "indicator_id": ("a deployed indicator's STIX id", _ID),
    "rule_id": ("a response rule of the team", _ID),
    "inject_id": ("an inject of the scenario", _ID),
    "sitrep_id": ("a situation report", _ID),
}


STREAM_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "one server-sent event: data is the event as JSON (as in EventPage),"
    " event its kind, id its seq; comment lines are heartbeats",
    "required": ["data", "event", "id"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "event": {"enum": list(KINDS)},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "retry": {"type": "integer"},
    },
}


def openapi_document(routes: Sequence[Route], title: str = "Grapevine range API") -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``routes``."""
    models: list[tuple[type[BaseModel], str]] = [(ErrorBody, "serialization")]
    for route in routes:
        if route.response is not None:
            models.append((route.response, "serialization"))
        if route.body is not None:
            models.append((route.body, "validation"))
        if route.query is not None:
            models.append((route.query, "validation"))
    refs, top = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    schemas: dict[str, Any] = top.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation = _operation(route, refs, schemas)
        paths.setdefault(API_PREFIX + route.path, {})[route.method.lower()] = operation
    paths[API_PREFIX + "/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "tags": ["exercise"],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "401": _refusal(401, refs),
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1",
            "description": "The exercise over JSON: state, events, a team's alerts, indicators"
            " and responses, the director's controls. Same accounts as TAXII (HTTP Basic)."
            " Every refusal is {error: {status, title, field, detail}} naming the field.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        },
        "security": [{"basic": []}],
    }


def _ref(refs: dict[tuple[type[BaseModel], str], Any], model: type[BaseModel], mode: str) -> Any:
    return refs[(model, mode)]


def _refusal(status: int, refs: dict[Any, Any]) -> dict[str, Any]:
    return {
        "description": _title(status),
        "content": {"application/json": {"schema": _ref(refs, ErrorBody, "serialization")}},
    }


def _operation(route: Route, refs: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = []
    for name in route.path_params:
        description, schema = PATH_PARAMETERS[name]
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": description,
                "schema": schema,
            }
        )
    if route.query is not None:
        ref = _ref(refs, route.query, "validation")["$ref"]
        component = schemas[ref.rsplit("/", 1)[1]]
        required = set(component.get("required", ()))
        for name, schema in component["properties"].items():
            schema = dict(schema)
            description = schema.pop("description", None) or schema.get("title", name)
            schema.pop("title", None)
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "description": description,
                    "schema": schema,
                }
            )
    if route.path == "/events/stream":
        parameters.append(
            {
                "name": "Last-Event-ID",
                "in": "header",
                "required": False,
                "description": "resume after this seq (when after is not given)",
                "schema": {"type": "string", "pattern": "^[0-9]{0,18}$"},
            }
        )
    if route.response is not None:
        content = {"application/json": {"schema": _ref(refs, route.response, "serialization")}}
    else:
        content = {route.media_type: {"schema": STREAM_EVENT}}
    operation: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.tag],
        "x-roles": sorted(r.value for r in route.roles),
        "responses": {
            str(route.status): {"description": route.summary, "content": content},
            **{str(code): _refusal(code, refs) for code in route.refusals},
        },
    }
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(refs, route.body, "validation")}},
        }
    return operation
