"""The route table: one :class:`Route` per endpoint, the single source of both the
Flask URL rules (:mod:`range.api.blueprint`) and the OpenAPI document
(:mod:`range.api.openapi`).

A route says who may call it (``roles``), what it reads (``query`` and ``body``
models), what it answers (``response`` model, or a media type for streams), and its
handler, a function of one :class:`Call`. A path with ``{team}`` is a team's own:
a team user may use it only for their own team (another team's gets 403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response
from pydantic import BaseModel

from indicators.users import Role, User
from range.api.service import RangeService

EVERYONE = frozenset(Role)
TEAMS = frozenset({Role.TEAM, Role.DIRECTOR})
DIRECTOR = frozenset({Role.DIRECTOR})


@dataclass(frozen=True)
class ApiSettings:
    """How the API serves: where team collections live, and how long streams last."""

    api_root: str = "grapevine"
    max_wait: float = 30.0
    """Longest long-poll (``wait``), seconds."""
    stream_seconds: float = 60.0
    """How long one server-sent event stream lasts before the client reconnects."""
    heartbeat: float = 10.0
    """Seconds between comment lines on a quiet stream."""


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: who, which path values, the validated
    query and body."""

    user: User
    service: RangeService
    settings: ApiSettings
    params: dict[str, str]
    query: Any = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def team(self) -> str:
        return self.params["team"]

    @property
    def is_director(self) -> bool:
        return self.user.role is Role.DIRECTOR


Handler = Callable[[Call], BaseModel | Response]


@dataclass(frozen=True)
class Route:
    """One endpoint (see the module docstring)."""

    method: str
    path: str
    handler: Handler
    summary: str
    roles: frozenset[Role]
    response: type[BaseModel] | None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    status: int = 200
    media_type: str = "application/json"
    conflicts: bool = False
    """Whether the exercise's state may refuse the call (409)."""
    tag: str = "exercise"

    @property
    def operation_id(self) -> str:
        return self.handler.__name__.strip("_")

    @property
    def path_params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]

    @property
    def flask_rule(self) -> str:
        parts = [f"<{p[1:-1]}>" if p.startswith("{") else p for p in self.path.split("/")]
        return "/".join(parts)

    @property
    def refusals(self) -> list[int]:
        """Every 4xx status this route can answer."""
        codes = {400, 401}
        if self.roles != EVERYONE or "{team}" in self.path:
            codes.add(403)
        if self.path_params or self.body is not None:
            codes.add(404)  # an unknown id in the path, or named in the body
        if self.body is not None:
            codes.add(422)
        if self.body is not None:
            codes.add(413)
        if self.conflicts:
            codes.add(409)
        return sorted(codes)
