"""Users, roles and passwords of the TAXII server.

Three roles (DESIGN.md):

* ``team``: a member-state CERT. Writes its own team's collection, reads the others.
* ``partner``: an outside organisation's tool. Reads only, and only what TLP allows
  partners (CLEAR, GREEN).
* ``director``: the exercise director (white cell). Reads and writes everything.

A collection's own ``can_read``/``can_write`` flags apply on top of the role.
Passwords are hashed with argon2 (argon2-cffi); there is no default account: a server
without users starts but refuses every request until one is added.

The users themselves are rows of the object store (:mod:`indicators.store`); this
module holds the pure parts: the role model, name rules, hashing, and the
permission table.
"""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from indicators.errors import AuthError
from indicators.tlp import Reader

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
"""User and team names: lower case letters, digits, ``.``, ``_``, ``-``; 1-64 chars."""

TEAM_IDENTITY_NAMESPACE = uuid.UUID("6f1b0f1e-3c5d-4f7a-9b2e-5d8c7a6e4b31")
"""Namespace of the deterministic identity ids of teams (uuid5 of the team name)."""

MIN_PASSWORD_LENGTH = 8


class Role(enum.StrEnum):
    """What a user is in the exercise."""

    TEAM = "team"
    DIRECTOR = "director"
    PARTNER = "partner"


@dataclass(frozen=True)
class User:
    """An account of the TAXII server (the password hash never leaves the store)."""

    name: str
    role: Role
    team: str | None = None

    @property
    def reader(self) -> Reader:
        """This user as a TLP reader."""
        return Reader(
            is_director=self.role is Role.DIRECTOR,
            is_partner=self.role is Role.PARTNER,
            team=self.team if self.role is Role.TEAM else None,
        )


@dataclass(frozen=True)
class Access:
    """What a user may do with one collection."""

    can_read: bool
    can_write: bool


def check_name(name: str, what: str = "user name") -> str:
    """Return ``name`` if it is a valid user or team name, else raise :class:`AuthError`."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise AuthError(
            f"{what} {name!r} is invalid: use 1-64 lower-case letters, digits, '.', '_' or '-',"
            " starting with a letter or digit"
        )
    return name


def check_user(name: str, role: Role | str, team: str | None) -> User:
    """Validate a new user's fields and return the :class:`User`."""
    check_name(name)
    try:
        role = Role(role)
    except ValueError:
        raise AuthError(
            f"role {role!r} is invalid; expected one of {', '.join(r.value for r in Role)}"
        ) from None
    if role is Role.TEAM:
        if not team:
            raise AuthError(f"user {name!r} has role team and needs --team")
        check_name(team, "team name")
    elif team:
        raise AuthError(f"user {name!r} has role {role.value}, which belongs to no team")
    return User(name=name, role=role, team=team if role is Role.TEAM else None)


def team_identity_id(team: str) -> str:
    """The STIX identity id a team publishes as (stable: uuid5 of the team name)."""
    return f"identity--{uuid.uuid5(TEAM_IDENTITY_NAMESPACE, check_name(team, 'team name'))}"


def access(
    user: User, owner_team: str | None, collection_can_read: bool, collection_can_write: bool
) -> Access:
    """The permission table: ``user`` on a collection owned by ``owner_team``."""
    if user.role is Role.DIRECTOR:
        return Access(collection_can_read, collection_can_write)
    if user.role is Role.PARTNER:
        return Access(collection_can_read, False)
    own = owner_team is not None and owner_team == user.team
    return Access(collection_can_read, collection_can_write and own)


class PasswordPolicy:
    """Hashes and verifies passwords with argon2id (argon2-cffi defaults)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        """The argon2 hash of ``password``; refuses empty and short ones."""
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
            raise AuthError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; never raises on a mismatch."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's."""
        return self._hasher.check_needs_rehash(password_hash)
