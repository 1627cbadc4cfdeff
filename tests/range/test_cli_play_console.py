"""``grapevine play tutorial`` in a real terminal: tmux at 80x24, keys sent as a player
types them, results read off the captured pane.

The player writes, tests, deploys and shares an indicator for the tutorial's scanner
(the workbench), sees its alert, blocks the brute-forcer's address (responses) and
reads the score; quitting then writes the after-action report, whose path the
command prints once the console has closed. tmux runs on a private socket with no
configuration, and its server is killed afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui.play import FINISHED_TEXT

TMUX = shutil.which("tmux")
GRAPEVINE = Path(sys.executable).with_name("grapevine")
SCANNER = "203.0.113.66"  # scenarios/library/tutorial.yaml: attackers.scanner
BRUTE_FORCER = "198.51.100.200"  # the gate-ssh-brute inject's attacker
PATTERN = f"[ipv4-addr:value = '{SCANNER}']"
DEADLINE = 20.0
"""Seconds to wait for one thing to show on the pane."""
HELP = "Your first indicator"
"""A line of the help overlay a first-time player is shown once, after the briefing."""

pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="needs tmux"),
    pytest.mark.skipif(not GRAPEVINE.exists(), reason="needs the installed grapevine command"),
]


class Terminal:
    """A tmux session on a private server, 80x24, running one command."""

    def __init__(self, command: str, cwd: Path) -> None:
        self.socket = f"grapevine-test-{uuid.uuid4().hex[:8]}"
        # a config directory of the test's own: the player is a first-timer every run
        config = cwd / "config"
        # the shell keeps the pane open after the command, to read what it printed last
        self.tmux(
            "new-session", "-d", "-x", "80", "-y", "24", "-c", str(cwd),
            "-e", f"XDG_CONFIG_HOME={config}",
            f"{command}; echo \"exit status $?\"; sleep 600",
        )  # fmt: skip

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def screen(self, *, joined: bool = False) -> str:
        """What the pane shows now (``joined``: wrapped lines joined)."""
        return self.tmux("capture-pane", "-p", *(["-J"] if joined else []))

    def keys(self, *keys: str) -> None:
        """Send tmux key names (``F3``, ``C-t``, ``Enter``)."""
        self.tmux("send-keys", *keys)

    def type(self, text: str) -> None:
        """Send ``text`` literally."""
        self.tmux("send-keys", "-l", text)

    def until(
        self,
        found: Callable[[str], object],
        what: str,
        *,
        joined: bool = False,
        deadline: float = DEADLINE,
    ) -> object:
        """Poll the pane until ``found(screen)`` is truthy (its value), dismissing a
        known overlay on the way; fail after ``deadline`` seconds showing the pane."""
        give_up = time.monotonic() + deadline
        while True:
            screen = self.screen(joined=joined)
            result = found(screen)
            if result:
                return result
            if time.monotonic() > give_up:
                raise AssertionError(f"waited {deadline}s for {what}; the pane:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", "kill-server"],
            capture_output=True,
            timeout=10,
        )


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[[str], Terminal]]:
    made: list[Terminal] = []

    def start(command: str) -> Terminal:
        made.append(Terminal(command, tmp_path))
        return made[-1]

    yield start
    for t in made:
        t.close()


def shows(*needles: str) -> Callable[[str], bool]:
    return lambda screen: all(n in screen for n in needles)


def line_with(*needles: str) -> Callable[[str], str | None]:
    """The first pane line holding every needle."""
    return lambda screen: next(
        (line for line in screen.splitlines() if all(n in line for n in needles)), None
    )


def test_play_the_tutorial_in_a_terminal(terminal, tmp_path: Path) -> None:
    out = tmp_path / "run"
    term = terminal(f"{GRAPEVINE} play tutorial --speed 30 --out {out}")

    # a new run opens on the briefing
    term.until(shows("Tutorial: first watch", "CERT-EE on duty", " ●"), "the briefing")

    # leaving the briefing, a first-time player is shown the keys once
    term.keys("F3")
    term.until(shows(HELP, "ctrl+g  deploy"), "the help overlay")
    term.keys("Escape")

    # the workbench: write (validated as typed), test, deploy, share
    term.until(
        lambda s: "^t Test" in s and HELP not in s, "the workbench to take the focus"
    )  # its keys in the footer
    term.type(PATTERN)
    term.until(shows("✓ valid"), "the pattern to validate")
    term.keys("C-t")
    tested = term.until(lambda s: re.search(r"(\d+) hit\(s\) in (\d+) recent", s), "the test")
    assert int(tested.group(2)) > 0, term.screen()
    term.keys("C-g")
    shown = term.until(lambda s: re.search(r"deployed (indicator--[0-9a-f]{8})", s), "the deploy")
    short = shown.group(1)  # unnamed: shown by its short id
    # its row in the deployed table (at 80 columns the name column is cut to what fits:
    # the id's first 12 characters at least)
    deployed = term.until(line_with(short[:12], " ee ", "TLP:"), "the deployed indicator row")
    assert re.match(rf"\s*\d\d:\d\d:\d\d\s+{short[:12]}\S*\s+ee\s+TLP:AMBER", deployed)
    term.keys("C-s")
    term.until(shows("published indicator--"), "the publish (TLP:GREEN)")

    # the alert feed: the scanner's traffic matched our indicator
    term.keys("F1")
    alert = term.until(line_with("NEW", short[:12], SCANNER), "the alert row")
    assert re.search(r"\d\d:\d\d:\d\d", alert), alert

    # responses: block the brute-forcer's address
    term.keys("F5")
    term.until(shows("^b Apply rule"), "the responses tab to take the focus")
    term.type(BRUTE_FORCER)
    term.keys("Enter")
    rule = term.until(line_with("block-ip", BRUTE_FORCER), "the rule row")
    assert re.search(r"\bee-r\d+|\br\d+", rule), rule

    # the score: a total and the detection line explained
    term.keys("F6")
    detected = term.until(line_with("+100", "detection", "recon-scan"), "the detection line")
    assert "detected inject recon-scan" in detected, detected
    term.until(shows("Score 100"), "the total")

    # the exercise's end (15 simulated minutes, 30 s here) leaves the console open
    term.until(shows(FINISHED_TEXT), "the exercise-finished line", deadline=40.0)
    term.keys("F2")
    term.until(shows("^r Search"), "the console to still answer (the traffic tab)")

    # quit: the report is written and its path printed once the console has closed
    term.keys("C-q")
    done = term.until(
        lambda s: re.search(r"after-action report: (\S+)", s), "the report path", joined=True
    )
    report = Path(done.group(1))
    assert report.parent == out and report.exists(), term.screen(joined=True)
    assert "Tutorial" in report.read_text()
    term.until(shows("exit status 0"), "the command to end", joined=True)
    assert (tmp_path / "config" / "grapevine" / "team-console-guided").exists()


def _play_pid(term: Terminal) -> int:
    """The ``grapevine play`` process: the child of the pane's shell."""
    shell = int(term.tmux("list-panes", "-F", "#{pane_pid}").split()[0])
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == shell:
            return int(stat.parent.name)
    raise AssertionError(f"no child of the pane's shell {shell}")


def test_sigterm_closes_the_console_and_the_report_is_written(terminal, tmp_path: Path) -> None:
    out = tmp_path / "run"
    term = terminal(f"{GRAPEVINE} play tutorial --speed 30 --out {out}")
    term.until(shows("CERT-EE on duty", " ●"), "the console")
    os.kill(_play_pid(term), signal.SIGTERM)
    done = term.until(
        lambda s: re.search(r"after-action report: (\S+)", s), "the report path", joined=True
    )
    assert Path(done.group(1)).exists()
    term.until(shows("exit status 0"), "the command to end", joined=True)
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "report.html", "scoreboard.json", "play.log"} <= names


def test_no_console_prints_the_events_on_a_terminal(terminal, tmp_path: Path) -> None:
    out = tmp_path / "run"
    term = terminal(f"{GRAPEVINE} play tutorial --speed 30 --no-console --out {out}")
    term.until(shows("MESSAGE from the director: Welcome on shift"), "the first event")
    assert "Ctrl-C stops the exercise" in term.screen(joined=True)
    term.keys("C-c")
    term.until(shows("after-action report:"), "the report path", joined=True)
    term.until(shows("exit status 0"), "the command to end", joined=True)


def test_a_range_that_cannot_start_is_an_error_before_the_console(terminal, tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        term = terminal(f"{GRAPEVINE} play tutorial --port {port} --out {tmp_path / 'run'}")
        term.until(shows(f"error: cannot listen on 127.0.0.1:{port}"), "the error", joined=True)
        term.until(shows("exit status 1"), "the command to end", joined=True)
