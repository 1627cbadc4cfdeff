"""``grapevine users``: add, list, passwd, remove, and their refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from indicators.store import Store
from indicators.users import PasswordPolicy, Role, User
from range.cli import main


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(store_url: str) -> str:
    """A SQLite file path, or a PostgreSQL URL: ``--db`` takes either."""
    return store_url


def test_add_a_team_user_creates_team_identity_and_collection(monkeypatch, capsys, db) -> None:
    code, out, _ = run(
        monkeypatch,
        capsys,
        [
            "users",
            "add",
            "alice",
            "--role",
            "team",
            "--team",
            "cert-de",
            "--password-stdin",
            "--db",
            db,
        ],
        "alice's password\n",
    )
    assert code == 0 and "added alice" in out and "publishes as identity--" in out
    with Store.open(db) as store:
        user, password_hash = store.user("alice")
        assert user == User("alice", Role.TEAM, "cert-de")
        assert "alice's password" not in password_hash
        assert PasswordPolicy().verify(password_hash, "alice's password")
        assert store.team_collection("grapevine", "cert-de") is not None


def test_list_passwd_remove(monkeypatch, capsys, db) -> None:
    run(
        monkeypatch,
        capsys,
        ["users", "add", "dir", "--role", "director", "--password-stdin", "--db", db],
        "first password\n",
    )
    code, out, _ = run(monkeypatch, capsys, ["users", "list", "--db", db])
    assert code == 0 and out.split() == ["dir", "director"]
    code, _, _ = run(
        monkeypatch,
        capsys,
        ["users", "passwd", "dir", "--password-stdin", "--db", db],
        "second password\n",
    )
    assert code == 0
    with Store.open(db) as store:
        assert PasswordPolicy().verify(store.user("dir")[1], "second password")
    code, out, _ = run(monkeypatch, capsys, ["users", "remove", "dir", "--db", db])
    assert code == 0
    code, out, _ = run(monkeypatch, capsys, ["users", "list", "--db", db])
    assert out.strip() == "no users"


@pytest.mark.parametrize(
    ("argv", "stdin", "code", "message"),
    [
        (
            ["users", "add", "x", "--role", "team", "--password-stdin"],
            "password1\n",
            1,
            "needs --team",
        ),
        (
            ["users", "add", "x", "--role", "partner", "--password-stdin"],
            "short\n",
            1,
            "at least 8",
        ),
        (["users", "add", "x", "--role", "partner", "--password-stdin"], "", 2, "no password line"),
        (
            ["users", "add", "x", "--role", "boss", "--password-stdin"],
            "password1\n",
            2,
            "invalid choice",
        ),
        (["users", "remove", "ghost"], "", 1, "user 'ghost' not found"),
        (["users", "passwd", "ghost", "--password-stdin"], "password1\n", 1, "not found"),
    ],
)
def test_refusals(monkeypatch, capsys, db, argv, stdin, code, message) -> None:
    Store.open(db).close()  # an empty store: the refusal is about the user, not the file
    got, _, err = run(monkeypatch, capsys, [*argv, "--db", db], stdin)
    assert got == code and message in err


def test_adding_a_user_twice_is_refused_and_keeps_the_first(monkeypatch, capsys, db) -> None:
    argv = ["users", "add", "p", "--role", "partner", "--password-stdin", "--db", db]
    assert run(monkeypatch, capsys, argv, "first password\n")[0] == 0
    code, _, err = run(monkeypatch, capsys, argv, "second password\n")
    assert code == 2 and "already exists" in err
    with Store.open(db) as store:
        assert PasswordPolicy().verify(store.user("p")[1], "first password")


@pytest.mark.parametrize(
    "argv",
    [["list"], ["remove", "alice"], ["passwd", "alice", "--password-stdin"]],
    ids=["list", "remove", "passwd"],
)
def test_readers_refuse_a_missing_store_and_create_none(
    monkeypatch, capsys, tmp_path: Path, argv: list[str]
) -> None:
    typo = tmp_path / "typo.db"
    code, out, err = run(monkeypatch, capsys, ["users", *argv, "--db", str(typo)], "pw\n")
    assert code == 2 and out == ""
    assert err.strip() == f"error: no store there: {typo}"
    assert not typo.exists()


def test_add_says_it_created_a_new_store(monkeypatch, capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")  # a file (a database server says itself what exists)
    argv = ["users", "add", "dir", "--role", "director", "--password-stdin", "--db", db]
    code, out, _ = run(monkeypatch, capsys, argv, "first password\n")
    assert code == 0 and out.splitlines()[0] == f"created a new store at {db}"
    argv[2] = "dir2"
    code, out, _ = run(monkeypatch, capsys, argv, "second password\n")
    assert code == 0 and "created" not in out
