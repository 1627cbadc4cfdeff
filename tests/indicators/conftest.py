"""A running TAXII server on an ephemeral loopback port, with users per role.

``taxii`` is module-scoped: one store, one app, one waitress thread per test module
and database kind (every test using it runs on SQLite and on PostgreSQL), stopped
cleanly at the end. Teams ``cert-de`` and ``cert-fr`` each have a user and a
collection; ``partner`` and ``director`` have one user each.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import requests
from argon2 import PasswordHasher
from taxii2client.v21 import ApiRoot, Collection, Server

from indicators.clock import ManualClock
from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.users import PasswordPolicy, Role, User
from tests.conftest import BACKENDS, EPOCH, new_database

TAXII = "application/taxii+json;version=2.1"
API_ROOT = "grapevine"
PASSWORD = "correct horse battery"

# Cheap argon2 parameters for tests: the hashing is argon2 all the same.
FAST_POLICY = PasswordPolicy(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Harness:
    """A store, the app over it, and the server serving it."""

    store: Store
    server: TaxiiServer
    clock: ManualClock
    config: ServerConfig
    collections: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def add_user(self, name: str, role: Role, team: str | None = None) -> None:
        if team:
            self.collections[team] = self.store.provision_team(team, API_ROOT).id
        self.store.add_user(User(name, role, team), FAST_POLICY.hash(PASSWORD))

    def client(self, user: str, password: str = PASSWORD) -> Server:
        return Server(self.url + "taxii2/", user=user, password=password)

    def api_root(self, user: str) -> ApiRoot:
        return ApiRoot(f"{self.url}{API_ROOT}/", user=user, password=PASSWORD)

    def collection(self, user: str, team: str) -> Collection:
        return Collection(
            f"{self.url}{API_ROOT}/collections/{self.collections[team]}/",
            user=user,
            password=PASSWORD,
        )

    def objects_url(self, team: str) -> str:
        return f"{self.url}{API_ROOT}/collections/{self.collections[team]}/objects/"

    def http(self, user: str | None, password: str = PASSWORD) -> requests.Session:
        session = requests.Session()
        session.headers["Accept"] = TAXII
        if user is not None:
            session.auth = (user, password)
        return session


def start_harness(
    path: str, config: ServerConfig | None = None, tls: ssl.SSLContext | None = None
) -> Harness:
    clock = ManualClock(EPOCH, tick=timedelta(milliseconds=1))
    config = config or ServerConfig(db=path, max_page_size=1000)
    store = Store.open(path, clock)
    app = create_app(config, store=store)
    server = TaxiiServer(
        app,
        max_request_body_size=config.max_content_length,
        limits=config.connections,
        tls=tls,
    ).start()
    harness = Harness(store=store, server=server, clock=clock, config=config)
    harness.add_user("de-analyst", Role.TEAM, "cert-de")
    harness.add_user("fr-analyst", Role.TEAM, "cert-fr")
    harness.add_user("partner", Role.PARTNER)
    harness.add_user("director", Role.DIRECTOR)
    return harness


@pytest.fixture(scope="module", params=BACKENDS)
def taxii(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Harness]:
    """A running server with the four standard users (see the module docstring)."""
    directory = tmp_path_factory.mktemp("taxii")
    harness = start_harness(new_database(request, request.param, directory, "grapevine"))
    try:
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()
