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
keyed by an HMAC of the password under a per-process random key, and only as long as
the stored hash stays the same: a password change or a removed user takes effect on
the next request.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator, Mapping

from flask import g, request

from indicators.store import StoreReader
from indicators.taxii.errors import TaxiiError
from indicators.users import PasswordPolicy, User

REALM = "Grapevine TAXII"


class Authenticator:
    """Checks Basic credentials of requests against the store."""

    def __init__(self, store: StoreReader, policy: PasswordPolicy | None = None) -> None:
        self._store = store
        self._policy = policy or PasswordPolicy()
        self._key = secrets.token_bytes(32)
        self._verified: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()

    def check(self, name: str, password: str) -> User | None:
        """The user, if ``password`` is right for ``name``; else ``None``."""
        found = self._store.user(name)
        if found is None:
            self._policy.verify(_dummy_hash(), password)  # same time as a wrong password
            return None
        user, password_hash = found
        token = hmac.new(self._key, password.encode(), hashlib.sha256).digest()
        with self._lock:
            cached = self._verified.get(name)
        if (
            cached is not None
            and cached[0] == password_hash
            and hmac.compare_digest(cached[1], token)
        ):
            return user
        if not self._policy.verify(password_hash, password):
            return None
        with self._lock:
            self._verified[name] = (password_hash, token)
        return user

    def authenticate_request(self) -> None:
        """``before_request`` hook: set ``g.grapevine_user`` or raise a TAXII 401."""
        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            raise _unauthorized("this server needs HTTP Basic credentials (user name, password)")
        name, password = credentials.username or "", credentials.password or ""
        user = self.check(name, password)
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
