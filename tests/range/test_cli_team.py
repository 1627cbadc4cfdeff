"""``grapevine team``: the password from stdin, and the account checked against the
server before the console opens (the console itself: tests/tui/team/)."""

from __future__ import annotations

import io

from range.cli import main
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import api, started, tiny_scenario

__all__ = ["api", "started", "tiny_scenario"]


def run(monkeypatch, capsys, started, user: str, password: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    status = main(["team", "--url", started.server.url, "--user", user, "--password-stdin"])
    return status, capsys.readouterr().err


def test_wrong_password_is_refused_before_the_console_opens(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "ee-analyst", "wrong")
    assert status == 2
    assert "cannot open the team console" in err and "401" in err and "authorization" in err


def test_an_account_without_a_team_is_refused(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "director", PASSWORD)
    assert status == 2
    assert "role director and plays no team" in err


def test_empty_stdin_is_a_usage_error(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "ee-analyst", "")
    assert status == 2 and "no password line" in err
