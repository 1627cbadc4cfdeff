"""``grapevine director``: the password from stdin, and the account checked against
the server before the console opens (the console itself: tests/tui/director/)."""

from __future__ import annotations

import io
import os
from types import SimpleNamespace

from range.cli import main
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import api, started, tiny_scenario

__all__ = ["api", "started", "tiny_scenario"]


def run(monkeypatch, capsys, started, user: str, password: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    status = main(["director", "--url", started.server.url, "--user", user, "--password-stdin"])
    return status, capsys.readouterr().err


def test_wrong_password_is_refused_before_the_console_opens(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "director", "wrong")
    assert status == 2
    assert "cannot open the director console" in err and "401" in err and "authorization" in err


def test_a_team_account_is_refused(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "ee-analyst", PASSWORD)
    assert status == 2
    assert "user ee-analyst has role team" in err and "for the director's account" in err


def test_the_right_password_gets_as_far_as_the_terminal(monkeypatch, capsys, started):
    """The director's password from stdin is accepted; with no terminal to run the
    console on (pytest's stdin is not one) the command says so."""
    monkeypatch.setattr("tui.terminal.os", SimpleNamespace(open=_no_tty, O_RDWR=os.O_RDWR))
    status, err = run(monkeypatch, capsys, started, "director", PASSWORD)
    assert status == 2
    assert "the director console needs a terminal" in err


def test_empty_stdin_is_a_usage_error(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "director", "")
    assert status == 2 and "no password line" in err


def _no_tty(path: str, flags: int, *args: object) -> int:
    raise OSError(f"{path}: no terminal in this test")
