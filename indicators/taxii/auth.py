"""HTTP Basic authentication against the store's argon2 password hashes.

medallion's blueprints are decorated with ``medallion.auth.login_required``, a
module-global ``HTTPBasicAuth`` whose password lookup reads
``current_app.users_backend.get(username)`` and compares in clear. We leave that
global alone (so several apps in one process, ours or medallion's, never interfere)
and instead:

1. authenticate every request in a ``before_request`` hook of our own app, checking
   the password against the argon2 hash in the store; a failure is a TAXII 401;
2. give the app a ``users_backend`` that only knows the user this request has
   already proven to be, so medallion's check repeats ours and passes.

argon2 is slow on purpose (tens of milliseconds). A client paging a collection sends
the same credentials on every request, so a successful verification is remembered,
keyed by an HMAC of the password under a per-process random key (never the password
itself), and only as long as the stored hash stays the same: a password change or a
removed user takes effect on the next request.

Password guessing is slowed down (see :mod:`indicators.taxii.throttle`): after
repeated failures for a user name or from a client address, attempts are refused
with 429 and ``Retry-After`` without running argon2, and at most
``LoginLimits.concurrent_checks`` argon2 verifications run at once (a login beyond
that gets 503 at once), so wrong passwords cannot occupy every worker thread.
Remembered credentials skip both: a user already logged in keeps being served while
someone guesses their password. Failures are logged with user name and address,
never the password.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping

from flask import g, request

from indicators.store import Store, StoreReader
from indicators.taxii.config import LoginLimits
from indicators.taxii.errors import TaxiiError
from indicators.taxii.throttle import Backoff, StoredBackoff
from indicators.users import PasswordPolicy, User

REALM = "Grapevine TAXII"

log = logging.getLogger(__name__)


class Authenticator:
    """Checks Basic credentials of requests against the store."""

    def __init__(
        self,
        store: StoreReader,
        policy: PasswordPolicy | None = None,
        limits: LoginLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        limits = limits or LoginLimits()
        self._store = store
        self._policy = policy or PasswordPolicy()
        self._key = secrets.token_bytes(32)
        self._verified: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()
        self._names: Backoff | StoredBackoff
        self._addresses: Backoff | StoredBackoff
        if limits.shared and isinstance(store, Store):
            self._names = StoredBackoff(store, "name", limits)
            self._addresses = StoredBackoff(store, "address", limits)
        else:
            self._names = Backoff(limits, clock)
            self._addresses = Backoff(limits, clock)
        self._checks = threading.BoundedSemaphore(limits.concurrent_checks)
        self._limits = limits
        self._queued = 0
        self._queued_from: Counter[str] = Counter()

    def check(self, name: str, password: str, address: str = "") -> User | None:
        """The user, if ``password`` is right for ``name``; else ``None``.

        Raises a TAXII 429 while ``name`` or ``address`` is backing off, and a 503
        when every argon2 check slot is busy and the queue for one is full (or the
        wait for one ran out).
        """
        found = self._store.user(name)
        token = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        if found is not None and self._known(found, name, token):
            return found[0]
        wait = max(self._names.retry_after(name), self._addresses.retry_after(address))
        if wait:
            raise TaxiiError(
                429,
                "Too Many Requests",
                f"too many wrong passwords for user {name!r} or from {address or 'this address'};"
                f" try again in {wait} s",
                {"Retry-After": str(wait)},
            )
        self._slot(address)
        try:
            if found is None:
                self._policy.verify(_dummy_hash(), password)  # same time as a wrong password
                right = False
            elif self._known(found, name, token):  # verified while this login waited
                return found[0]
            else:
                right = self._policy.verify(found[1], password)
        finally:
            self._checks.release()
        if found is None or not right:
            failures = self._names.failed(name)
            self._addresses.failed(address)
            log.warning(
                "failed TAXII login for user %r from %s (%d in a row for this name%s)",
                name,
                address or "an unknown address",
                failures,
                "" if found else "; no such user",
            )
            return None
        user, password_hash = found
        self._names.succeeded(name)
        with self._lock:
            self._verified[name] = (password_hash, token)
        return user

    def _known(self, found: tuple[User, str], name: str, token: bytes) -> bool:
        """Whether ``name``'s password was verified before, with this hash and token."""
        with self._lock:
            cached = self._verified.get(name)
        return (
            cached is not None and cached[0] == found[1] and hmac.compare_digest(cached[1], token)
        )

    def _slot(self, address: str) -> None:
        """Take an argon2 check slot: at once, or after waiting in the bounded queue,
        where one client address holds at most ``queued_per_address`` places (someone
        guessing from one address cannot fill it, and so hold the server's threads,
        while partners logging in from their own addresses wait their turn); a TAXII
        503 when neither is possible."""
        if self._checks.acquire(blocking=False):
            return
        limits = self._limits
        with self._lock:
            queue = (
                self._queued < limits.queued_checks
                and self._queued_from[address] < limits.queued_per_address
            )
            if queue:
                self._queued += 1
                self._queued_from[address] += 1
        if queue:
            try:
                if self._checks.acquire(timeout=limits.check_wait):
                    return
            finally:
                with self._lock:
                    self._queued -= 1
                    self._queued_from[address] -= 1
                    if not self._queued_from[address]:
                        del self._queued_from[address]
        raise TaxiiError(
            503,
            "Service Unavailable",
            "the server is busy checking other passwords; try again in 1 s",
            {"Retry-After": "1"},
        )

    def authenticate_request(self) -> None:
        """``before_request`` hook: set ``g.grapevine_user`` or raise a TAXII 401."""
        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            raise _unauthorized("this server needs HTTP Basic credentials (user name, password)")
        name, password = credentials.username or "", credentials.password or ""
        user = self.check(name, password, request.remote_addr or "")
        if user is None:
            raise _unauthorized("wrong user name or password")
        g.grapevine_user = user
        g.grapevine_password = password


class RequestUsers(Mapping[str, str]):
    """medallion's ``users_backend``: knows only the user this request authenticated as."""

    def _current(self) -> tuple[str, str] | None:
        user = g.get("grapevine_user")
        return (user.name, g.grapevine_password) if user is not None else None

    def __getitem__(self, name: str) -> str:
        current = self._current()
        if current is None or current[0] != name:
            raise KeyError(name)
        return current[1]

    def __iter__(self) -> Iterator[str]:
        current = self._current()
        return iter([current[0]] if current else [])

    def __len__(self) -> int:
        return 1 if self._current() else 0


def current_user() -> User:
    """The user of the request being served (set by :class:`Authenticator`)."""
    return g.grapevine_user


def _unauthorized(description: str) -> TaxiiError:
    return TaxiiError(
        401, "Unauthorized", description, {"WWW-Authenticate": f'Basic realm="{REALM}"'}
    )


@functools.cache
def _dummy_hash() -> str:
    return PasswordPolicy().hash(secrets.token_hex(16))
