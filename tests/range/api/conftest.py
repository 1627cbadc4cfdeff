"""A running range server (TAXII + range API) on an ephemeral loopback port over the
tiny two-team scenario, with a user per role.

Teams ``ee`` and ``lv`` have one analyst each (``ee-analyst``, ``lv-analyst``);
``director`` and ``partner`` have one user each. The exercise's clock runs as fast as
possible and nothing steps it by itself: a test moves simulated time with
:meth:`RangeHarness.step` (what the runner does in a server), so every state the
test reads back is the one it made.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer
from indicators.users import Role, User
from range.api.app import create_range_app
from range.api.routes import ApiSettings
from range.api.service import RangeService
from range.clock import ExerciseClock
from range.engine import Exercise
from scenarios.loader import load
from scenarios.model import Scenario
from tests.indicators.conftest import FAST_POLICY, PASSWORD
from tests.range.conftest import TINY

USERS = {
    "ee-analyst": (Role.TEAM, "ee"),
    "lv-analyst": (Role.TEAM, "lv"),
    "director": (Role.DIRECTOR, None),
    "partner": (Role.PARTNER, None),
}


@dataclass
class RangeHarness:
    """The store, the exercise, its service and the server over them."""

    store: Store
    exercise: Exercise
    service: RangeService
    server: TaxiiServer

    @property
    def url(self) -> str:
        return self.server.url + "api"

    def http(self, user: str | None, password: str = PASSWORD) -> requests.Session:
        session = requests.Session()
        if user is not None:
            session.auth = (user, password)
        return session

    def get(self, user: str, path: str, **params: Any) -> requests.Response:
        return self.http(user).get(self.url + path, params=params, timeout=30)

    def post(self, user: str, path: str, body: Any = None) -> requests.Response:
        return self.http(user).post(self.url + path, json=body, timeout=30)

    def delete(self, user: str, path: str) -> requests.Response:
        return self.http(user).delete(self.url + path, timeout=30)

    def step(self, seconds: float) -> None:
        """Run the exercise to ``seconds`` after the scenario's start."""
        self.service.step(self.exercise.scenario.epoch(seconds))


def refused(response: requests.Response, status: int, field: str | None) -> dict[str, Any]:
    """Assert ``response`` is the API's refusal ``status`` naming ``field``; its detail."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"status", "title", "field", "detail"}
    assert error["status"] == status
    assert error["field"] == field, error
    assert error["detail"]
    return error


def ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="session")
def tiny_scenario() -> Scenario:
    return load(TINY)


def start_range(db: Path, scenario: Scenario, settings: ApiSettings | None = None) -> RangeHarness:
    store = Store.open(db)
    clock = ExerciseClock(scenario.epoch(0), None)
    exercise = Exercise(scenario, store, clock)
    service = RangeService(exercise)
    config = ServerConfig(db=str(db))
    app = create_range_app(config, store, service, settings)
    for name, (role, team) in USERS.items():
        store.add_user(User(name, role, team), FAST_POLICY.hash(PASSWORD))
    server = TaxiiServer(app).start()
    return RangeHarness(store, exercise, service, server)


@pytest.fixture
def api(tmp_path: Path, tiny_scenario: Scenario) -> Iterator[RangeHarness]:
    """A fresh range server, exercise not yet started."""
    harness = start_range(tmp_path / "range.db", tiny_scenario)
    try:
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()


@pytest.fixture
def started(api: RangeHarness) -> RangeHarness:
    """The same, started by the director over the API."""
    ok(api.post("director", "/director/start"))
    return api


@pytest.fixture
def short_streams(tmp_path: Path, tiny_scenario: Scenario) -> Iterator[RangeHarness]:
    """A started range server whose streams last 3 s with a heartbeat every 0.2 s (a
    stream whose client left ends on the next beat)."""
    settings = ApiSettings(stream_seconds=3.0, heartbeat=0.2)
    harness = start_range(tmp_path / "range.db", tiny_scenario, settings)
    try:
        ok(harness.post("director", "/director/start"))
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()
