"""``grapevine scoreboard``: the account checked before the scoreboard opens, and the
real command in a terminal (a pseudo-terminal at 80x24) showing the ranking until
``q`` (the scoreboard itself: tests/tui/scoreboard/)."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import select
import struct
import subprocess
import sys
import termios
import time

from range.cli import main
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import api, started, tiny_scenario
from tests.range.processes import ROOT
from tests.tui.web import ANSI

__all__ = ["api", "started", "tiny_scenario"]

DEADLINE = 30.0


def run(monkeypatch, capsys, started, user: str, password: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    argv = ["scoreboard", "--url", started.server.url, "--user", user, "--password-stdin"]
    status = main(argv)
    return status, capsys.readouterr().err


def test_wrong_password_is_refused_before_the_scoreboard_opens(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "partner", "wrong")
    assert status == 2
    assert "cannot open the scoreboard" in err and "401" in err


def test_empty_stdin_is_a_usage_error(monkeypatch, capsys, started):
    status, err = run(monkeypatch, capsys, started, "partner", "")
    assert status == 2 and "no password line" in err


def test_an_account_is_required(capsys):
    assert main(["scoreboard", "--url", "http://127.0.0.1:1/"]) == 2
    assert "--user" in capsys.readouterr().err


def test_a_partner_sees_the_ranking_in_a_terminal_and_quits_with_q(started):
    ok_ = started.post(
        "ee-analyst", "/teams/ee/indicators", {"pattern": "[ipv4-addr:value = '203.0.113.66']"}
    )
    assert ok_.status_code == 201
    started.step(60)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    argv = ["scoreboard", "--url", started.server.url, "--user", "partner", "--password-stdin"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "range.cli", *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        start_new_session=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    os.close(slave)
    seen = b""

    def until(words: str) -> None:
        nonlocal seen
        deadline = time.monotonic() + DEADLINE
        while words not in ANSI.sub("", seen.decode("utf-8", "replace")):
            left = deadline - time.monotonic()
            assert left > 0 and proc.poll() is None, (words, seen[-2000:])
            if select.select([master], [], [], min(left, 0.5))[0]:
                with contextlib.suppress(OSError):  # the child closed the terminal
                    seen += os.read(master, 65536)

    try:
        os.write(master, (PASSWORD + "\n").encode())
        until("CERT-EE")
        until("● live")
        total = started.get("partner", "/scoreboard").json()["teams"][0]["total"]
        until(f"{total:g}")
        os.write(master, b"q")
        # keep reading the terminal while it closes: a full terminal buffer would
        # block the app's last writes (and so its exit)
        deadline = time.monotonic() + DEADLINE
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 65536)
        assert proc.wait(timeout=1) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
