"""Password guessing is slowed down and logged; logged-in users keep being served.

Requests come from different loopback addresses (127.0.0.2 and up) so the back-off
per user name and per client address can be told apart, over real HTTP.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from argon2 import PasswordHasher
from requests.adapters import HTTPAdapter

from indicators.store import Store
from indicators.taxii import ServerConfig
from indicators.taxii.auth import Authenticator
from indicators.taxii.config import LoginLimits
from indicators.taxii.errors import TaxiiError
from indicators.users import PasswordPolicy, Role, User
from tests.indicators.conftest import PASSWORD, TAXII, Harness, start_harness

LIMITS = LoginLimits(free_failures=3, backoff=1.0, max_backoff=2.0)


@pytest.fixture
def guarded(store_url: str) -> Iterator[Harness]:
    path = store_url
    harness = start_harness(path, ServerConfig(db=path, logins=LIMITS))
    try:
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()


def get(harness: Harness, user: str, password: str, source: str = "127.0.0.1") -> requests.Response:
    """GET discovery as ``user`` from loopback address ``source``."""
    adapter = HTTPAdapter()
    adapter.init_poolmanager(1, 1, source_address=(source, 0))
    with requests.Session() as session:
        session.mount("http://", adapter)
        return session.get(
            harness.url + "taxii2/", auth=(user, password), headers={"Accept": TAXII}, timeout=10
        )


def assert_backing_off(response: requests.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["Content-Type"] == TAXII
    assert response.headers["Retry-After"] in ("1", "2")
    body = response.json()
    assert body["http_status"] == "429" and "try again" in body["description"]


def test_wrong_passwords_for_one_name_back_off_with_retry_after(guarded: Harness) -> None:
    for n in range(3):
        assert get(guarded, "de-analyst", "wrong", f"127.0.0.{n + 2}").status_code == 401
    assert_backing_off(get(guarded, "de-analyst", PASSWORD, "127.0.0.9"))
    assert get(guarded, "fr-analyst", PASSWORD, "127.0.0.9").status_code == 200
    deadline = time.monotonic() + 10
    while (status := get(guarded, "de-analyst", PASSWORD, "127.0.0.9").status_code) == 429:
        assert time.monotonic() < deadline, "the back-off never ended"
        time.sleep(0.1)
    assert status == 200


def test_wrong_passwords_from_one_address_back_off_for_every_name(guarded: Harness) -> None:
    for name in ("nobody", "noone", "de-analyst"):
        assert get(guarded, name, "wrong", "127.0.0.2").status_code == 401
    assert_backing_off(get(guarded, "fr-analyst", PASSWORD, "127.0.0.2"))
    assert get(guarded, "fr-analyst", PASSWORD, "127.0.0.3").status_code == 200


def test_a_logged_in_user_is_served_while_their_password_is_guessed(guarded: Harness) -> None:
    assert get(guarded, "de-analyst", PASSWORD).status_code == 200
    statuses = [get(guarded, "de-analyst", "guess", "127.0.0.2").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert get(guarded, "de-analyst", PASSWORD).status_code == 200
    assert get(guarded, "de-analyst", PASSWORD, "127.0.0.2").status_code == 200


def test_failures_are_logged_with_name_and_address_never_the_password(
    guarded: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="indicators.taxii.auth"):
        assert get(guarded, "de-analyst", "s3cret-guess", "127.0.0.4").status_code == 401
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "'de-analyst'" in text and "127.0.0.4" in text
    assert "s3cret-guess" not in text


class GatedHasher(PasswordHasher):
    """argon2 whose verification waits until the test lets it finish."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.entered = threading.Event()
        self.release = threading.Event()

    def verify(self, hash: str, password: str | bytes) -> bool:  # noqa: A002
        self.entered.set()
        self.release.wait(10)
        return super().verify(hash, password)


def until_queued(auth: Authenticator, count: int, deadline: float = 10.0) -> None:
    """Wait (polling, :data:`deadline` s at most) until ``count`` logins wait for a slot."""
    end = time.monotonic() + deadline
    while auth._queued < count and time.monotonic() < end:
        time.sleep(0.01)


def test_password_checks_beyond_the_bound_and_queue_are_refused_at_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "grapevine.db")
    hasher = GatedHasher()
    policy = PasswordPolicy(hasher)
    store.add_user(User("director", Role.DIRECTOR), policy.hash(PASSWORD))
    auth = Authenticator(store, policy, LoginLimits(concurrent_checks=1, queued_checks=0))
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(auth.check("director", PASSWORD, "a")))
    first.start()
    try:
        assert hasher.entered.wait(10)
        with pytest.raises(TaxiiError) as refused:
            auth.check("director", "another guess", "b")
        assert refused.value.status == 503 and refused.value.headers["Retry-After"] == "1"
    finally:
        hasher.release.set()
        first.join(10)
        store.close()
    assert [getattr(r, "name", r) for r in results] == ["director"]


def test_a_login_waits_in_the_bounded_queue_for_a_check_slot(tmp_path: Path) -> None:
    """A burst of first logins (partners and consoles starting together) is served:
    one beyond the busy slot waits for it; one beyond the queue too is refused."""
    store = Store.open(tmp_path / "grapevine.db")
    hasher = GatedHasher()
    policy = PasswordPolicy(hasher)
    store.add_user(User("director", Role.DIRECTOR), policy.hash(PASSWORD))
    store.add_user(User("partner", Role.PARTNER), policy.hash(PASSWORD))
    auth = Authenticator(store, policy, LoginLimits(concurrent_checks=1, queued_checks=1))
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(auth.check("director", PASSWORD, "a")))
    queued = threading.Thread(target=lambda: results.append(auth.check("partner", PASSWORD, "b")))
    first.start()
    try:
        assert hasher.entered.wait(10)
        queued.start()
        until_queued(auth, 1)
        assert auth._queued == 1
        with pytest.raises(TaxiiError) as refused:
            auth.check("partner", "another guess", "c")
        assert refused.value.status == 503
    finally:
        hasher.release.set()
        first.join(10)
        queued.join(10)
        store.close()
    assert sorted(getattr(r, "name", r) for r in results) == ["director", "partner"]


def test_logins_of_one_user_waiting_together_verify_the_password_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "grapevine.db")
    hasher = GatedHasher()
    policy = PasswordPolicy(hasher)
    store.add_user(User("partner", Role.PARTNER), policy.hash(PASSWORD))
    calls: list[str] = []
    verify = hasher.verify
    hasher.verify = lambda h, p: calls.append(p) or verify(h, p)  # type: ignore[method-assign]
    limits = LoginLimits(concurrent_checks=1, queued_checks=4, queued_per_address=4)
    auth = Authenticator(store, policy, limits)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(auth.check("partner", PASSWORD, "a")))
        for _ in range(3)
    ]
    threads[0].start()
    try:
        assert hasher.entered.wait(10)
        for thread in threads[1:]:
            thread.start()
        until_queued(auth, 2)
        assert auth._queued == 2
    finally:
        hasher.release.set()
        for thread in threads:
            thread.join(10)
        store.close()
    assert [getattr(r, "name", r) for r in results] == ["partner"] * 3
    assert calls == [PASSWORD]


def test_one_address_holds_few_places_in_the_queue(tmp_path: Path) -> None:
    """Someone guessing from one address cannot fill the queue (and hold the server's
    threads): beyond its places a login from that address is refused at once, while
    one from another address still waits its turn."""
    store = Store.open(tmp_path / "grapevine.db")
    hasher = GatedHasher()
    policy = PasswordPolicy(hasher)
    for name in ("director", "partner", "other"):
        store.add_user(User(name, Role.PARTNER), policy.hash(PASSWORD))
    limits = LoginLimits(concurrent_checks=1, queued_checks=4, queued_per_address=1)
    auth = Authenticator(store, policy, limits)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(auth.check("director", PASSWORD, "a"))),
        threading.Thread(target=lambda: results.append(auth.check("partner", PASSWORD, "b"))),
        threading.Thread(target=lambda: results.append(auth.check("other", PASSWORD, "c"))),
    ]
    threads[0].start()
    try:
        assert hasher.entered.wait(10)
        threads[1].start()
        until_queued(auth, 1)
        with pytest.raises(TaxiiError) as refused:
            auth.check("partner", "a guess", "b")  # b already waits
        assert refused.value.status == 503
        threads[2].start()  # c has a place of its own
        until_queued(auth, 2)
        assert auth._queued == 2
    finally:
        hasher.release.set()
        for thread in threads:
            thread.join(10)
        store.close()
    assert sorted(getattr(r, "name", r) for r in results) == ["director", "other", "partner"]
