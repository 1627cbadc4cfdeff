"""Back-off after wrong passwords: free failures, doubling waits, forgetting."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from indicators.store import Store
from indicators.taxii.config import LoginLimits
from indicators.taxii.throttle import Backoff, StoredBackoff
from tests.dbdump import sql

LIMITS = LoginLimits(free_failures=3, backoff=1.0, max_backoff=8.0, forget_after=100.0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_free_failures_cost_nothing_then_waits_double_up_to_the_maximum() -> None:
    clock = Clock()
    assert_policy(Backoff(LIMITS, clock), clock)


def assert_policy(backoff: Backoff | StoredBackoff, clock: Clock) -> None:
    """Free failures, then waits doubling up to the maximum; keys apart."""
    for _ in range(2):
        backoff.failed("x")
        assert backoff.retry_after("x") == 0
    waits = []
    for _ in range(6):
        backoff.failed("x")
        waits.append(backoff.retry_after("x"))
        clock.now += waits[-1]
        assert backoff.retry_after("x") == 0
    assert waits == [1, 2, 4, 8, 8, 8]
    assert backoff.retry_after("y") == 0


def test_old_failures_are_forgotten_and_success_clears() -> None:
    clock = Clock()
    backoff = Backoff(LIMITS, clock)
    for _ in range(3):
        backoff.failed("x")
    clock.now += 101
    assert backoff.failed("x") == 1
    backoff.failed("x")
    backoff.succeeded("x")
    assert backoff.failed("x") == 1


def test_the_table_is_bounded() -> None:
    backoff = Backoff(LIMITS, Clock(), max_keys=10)
    for n in range(100):
        for _ in range(3):
            backoff.failed(f"name-{n}")
    assert backoff.retry_after("name-99") == 1
    assert backoff.retry_after("name-0") == 0


# -- the counts in the store, shared by the processes serving it ----------------------------


@pytest.fixture
def stores(store_url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores open on one database, as two gunicorn workers have."""
    with Store.open(store_url) as one, Store.open(store_url) as two:
        yield one, two


def test_stored_counts_follow_the_same_policy(stores: tuple[Store, Store]) -> None:
    clock = Clock()
    clock.now = 1_800_000_000.0
    backoff = StoredBackoff(stores[0], "name", LIMITS, clock)
    assert_policy(backoff, clock)
    clock.now += 101
    assert backoff.failed("x") == 1  # forgotten
    backoff.succeeded("x")
    assert backoff.failed("x") == 1


def test_two_processes_count_one_allowance(stores: tuple[Store, Store]) -> None:
    """Failures alternating between two workers reach the back-off after the same
    number of wrong passwords as in one process; a name and an address are apart."""
    clock = Clock()
    clock.now = 1_800_000_000.0
    one = StoredBackoff(stores[0], "name", LIMITS, clock)
    two = StoredBackoff(stores[1], "name", LIMITS, clock)
    address = StoredBackoff(stores[1], "address", LIMITS, clock)
    assert [one.failed("x"), two.failed("x"), one.failed("x")] == [1, 2, 3]
    assert one.retry_after("x") == two.retry_after("x") == 1
    assert address.retry_after("x") == 0


def test_stored_keys_are_digests_and_old_ones_go(stores: tuple[Store, Store]) -> None:
    clock = Clock()
    clock.now = 1_800_000_000.0
    backoff = StoredBackoff(stores[0], "name", LIMITS, clock)
    strange = "\x00" + "é" * 50_000  # a client chooses the name: any length, any character
    backoff.failed(strange)
    backoff.failed("plain")
    clock.now += 101
    backoff.failed("later")  # drops what is older than forget_after
    keys = [row[0] for row in sql(stores[0], "SELECT key FROM login_failures")]
    assert keys == [hashlib.sha256(b"later").hexdigest()]
