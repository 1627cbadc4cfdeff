"""indicators/users.py: names, roles, the permission table, argon2 passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from indicators.errors import AuthError
from indicators.users import (
    Access,
    PasswordPolicy,
    Role,
    User,
    access,
    check_user,
    team_identity_id,
)

FAST = PasswordPolicy(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_check_user_accepts_each_role() -> None:
    assert check_user("alice", "team", "cert-de") == User("alice", Role.TEAM, "cert-de")
    assert check_user("bob", "partner", None) == User("bob", Role.PARTNER)
    assert check_user("carol", Role.DIRECTOR, None).role is Role.DIRECTOR


@pytest.mark.parametrize(
    ("name", "role", "team", "message"),
    [
        ("Alice", "team", "t", "user name 'Alice'"),
        ("a b", "team", "t", "invalid"),
        ("", "partner", None, "invalid"),
        ("alice", "admin", None, "role 'admin'"),
        ("alice", "team", None, "needs --team"),
        ("alice", "team", "Bad Team", "team name"),
        ("alice", "partner", "t", "belongs to no team"),
    ],
)
def test_check_user_refusals_say_what(name: str, role: str, team: str | None, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        check_user(name, role, team)


@pytest.mark.parametrize(
    ("user", "owner", "flags", "expected"),
    [
        (User("a", Role.TEAM, "de"), "de", (True, True), Access(True, True)),
        (User("a", Role.TEAM, "de"), "fr", (True, True), Access(True, False)),
        (User("a", Role.TEAM, "de"), None, (True, True), Access(True, False)),
        (User("a", Role.TEAM, "de"), "de", (False, True), Access(False, True)),
        (User("p", Role.PARTNER), None, (True, True), Access(True, False)),
        (User("p", Role.PARTNER), None, (False, True), Access(False, False)),
        (User("d", Role.DIRECTOR), "fr", (True, True), Access(True, True)),
        (User("d", Role.DIRECTOR), "fr", (True, False), Access(True, False)),
    ],
)
def test_permission_table(user: User, owner: str | None, flags: tuple, expected: Access) -> None:
    assert access(user, owner, *flags) == expected


def test_reader_of_each_role() -> None:
    assert User("a", Role.TEAM, "de").reader.team == "de"
    assert User("p", Role.PARTNER).reader.is_partner
    assert User("d", Role.DIRECTOR).reader.is_director


def test_passwords_are_argon2_and_verify() -> None:
    hashed = FAST.hash("long enough")
    assert hashed.startswith("$argon2id$") and "long enough" not in hashed
    assert FAST.verify(hashed, "long enough")
    assert not FAST.verify(hashed, "long enougH")
    assert not FAST.verify("not a hash", "long enough")
    assert FAST.hash("long enough") != hashed  # salted


def test_short_passwords_are_refused() -> None:
    with pytest.raises(AuthError, match="at least 8"):
        FAST.hash("short")


def test_team_identity_is_stable_and_distinct() -> None:
    assert team_identity_id("cert-de") == team_identity_id("cert-de")
    assert team_identity_id("cert-de") != team_identity_id("cert-fr")
    assert team_identity_id("cert-de").startswith("identity--")
