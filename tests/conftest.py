"""Fixtures shared by every test package: a fixed clock, a seeded random source, the
hypothesis profile, and the store's two databases.

Store tests take ``store_url`` (or ``new_db`` for several stores) and run once on
SQLite and once on PostgreSQL: a server of the run's own, started the first time a
PostgreSQL test needs it (:mod:`tests.postgres`). ``GRAPEVINE_TEST_BACKENDS=sqlite``
runs only SQLite (a quick local loop; the full run tests both).

Hypothesis runs derandomized by default (the profile ``grapevine``), so the same
commit draws the same examples in CI and on every machine; set
``HYPOTHESIS_PROFILE=explore`` to search with fresh randomness locally.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from indicators.clock import ManualClock
from tests.postgres import PostgresServer

settings.register_profile("grapevine", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "grapevine"))

EPOCH = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
"""The fixed start of time in tests."""


def stamp(seconds: float) -> str:
    """The STIX timestamp ``seconds`` after EPOCH (microsecond precision)."""
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def clock() -> ManualClock:
    """A clock fixed at EPOCH that advances one millisecond per read."""
    return ManualClock(EPOCH, tick=timedelta(milliseconds=1))


@pytest.fixture
def rng() -> random.Random:
    """A random source with a fixed seed."""
    return random.Random(20260302)


BACKENDS = [
    name
    for name in os.environ.get("GRAPEVINE_TEST_BACKENDS", "sqlite,postgresql").split(",")
    if name in ("sqlite", "postgresql")
]
"""The databases store tests run on (ids of the parametrized tests)."""


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test session (one per xdist worker), stopped at the end."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


def new_database(
    request: pytest.FixtureRequest, backend: str, directory: Path, name: str, migrated: bool = True
) -> str:
    """A new store location: a SQLite file ``name``.db in ``directory`` (none yet), or a
    new database on the session's PostgreSQL server, with the store's schema or empty
    (``migrated=False``: for the tests of the schema revisions)."""
    if backend == "sqlite":
        return str(directory / f"{name}.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(migrated)


def on_backends(
    name: str, values: list[object], on_postgresql: list[object]
) -> pytest.MarkDecorator:
    """Parametrize ``backend`` and ``name`` together: every one of ``values`` on SQLite,
    only ``on_postgresql`` (a few that touch the store differently) on PostgreSQL, for
    tests too slow to run whole twice."""
    pairs = [("sqlite", v) for v in values] + [("postgresql", v) for v in on_postgresql]
    return pytest.mark.parametrize(
        ("backend", name), [(b, v) for b, v in pairs if b in BACKENDS], indirect=["backend"]
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: the test runs once on each."""
    return request.param


@pytest.fixture
def new_db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Callable[[str], str]:
    """``new_db(name)``: a new empty store location on this test's database kind."""
    return lambda name="store": new_database(request, backend, tmp_path, name)


@pytest.fixture
def store_url(new_db: Callable[[str], str]) -> str:
    """A new empty store location (SQLite file path or PostgreSQL URL)."""
    return new_db("store")


@pytest.fixture(scope="session", autouse=True)
def no_neighbour_lookups() -> Iterator[None]:
    """Traffic never leaves memory: a frame built without its destination MAC would
    make Scapy look the address up by ARP (or neighbour discovery) on the machine's real
    interface, so in tests such a lookup fails the test instead."""
    from scapy.config import conf
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6

    def refuse(l2: object, l3: object) -> str:
        raise AssertionError(
            f"a {type(l2).__name__} frame to {getattr(l3, 'dst', '?')} was built without "
            "its destination MAC: Scapy would look it up on a real interface"
        )

    saved = dict(conf.neighbor.resolvers)
    for l2, l3 in saved:
        if l3 in (IP, IPv6):  # the lookups that go to the network (ARP, NDP)
            conf.neighbor.resolvers[l2, l3] = refuse
    yield
    conf.neighbor.resolvers.clear()
    conf.neighbor.resolvers.update(saved)
