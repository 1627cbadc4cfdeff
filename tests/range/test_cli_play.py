"""range/commands/play.py: ``grapevine play`` as a process, reached over HTTP.

The exercise is the bots' two-team range (tests/range/bots/data/two-teams.yaml): the
player plays CERT-A, a bot CERT-B.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests
from taxii2client.v21 import Collection

from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Tlp
from indicators.users import PasswordPolicy, Role, User
from range.cli import main
from tests.range.processes import ROOT, default_sigint, launch, stop

SCENARIO = str(ROOT / "tests" / "range" / "bots" / "data" / "two-teams.yaml")
DEADLINE = 60.0


def play(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, list[str]]:
    """``grapevine play`` on the two-team range as team a, its run in tmp_path/run."""
    out = str(tmp_path / "run")
    return launch("play", SCENARIO, "--team", "a", "--out", out, *extra)


def _example(lines: list[str]) -> str:
    """The Python example play printed (the indented block after its heading)."""
    start = next(i for i, line in enumerate(lines) if "publish an indicator" in line) + 1
    block = []
    for line in lines[start:]:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def test_the_printed_publish_example_runs_and_the_indicator_reads_back(tmp_path: Path) -> None:
    proc, lines = play(tmp_path)
    try:
        text = "\n".join(lines)
        assert "Ctrl-C" in text, text
        assert "standard output" in text and "not a terminal, so no team console" in text
        identity = re.search(r"your team publishes as (identity--\S+)", text).group(1)
        url = re.search(r"your collection: (\S+)", text).group(1)
        password = re.search(r"user player, password (\S+)", text).group(1)
        example = _example(lines)
        assert "from taxii2client.v21 import Collection" in example
        namespace: dict = {}
        exec(compile(example, "<play example>", "exec"), namespace)
        indicator = namespace["indicator"]
        assert namespace["status"].success_count == 1
        back = Collection(url, user="player", password=password).get_object(indicator["id"])
        (obj,) = back["objects"]
        assert obj["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.GREEN]]
        assert obj["created_by_ref"] == identity
    finally:
        assert stop(proc) == 0


def test_sigterm_stops_cleanly_and_leaves_the_report(tmp_path: Path) -> None:
    proc, lines = play(tmp_path)
    try:
        text = "\n".join(lines)
        assert "Ctrl-C" in text, text
        assert f"(store {tmp_path / 'run' / 'exercise.db'})" in text
    finally:
        code = stop(proc, signal.SIGTERM)
    assert code == 0, proc.stderr.read()
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert {"exercise.db", "report.md", "report.html", "scoreboard.json"} <= names
    assert not [n for n in names if n.endswith(".part")]


class Lines:
    """A child's stdout, line by line, read on a thread (bounded waits)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(proc,), daemon=True).start()

    def _pump(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def until(self, pattern: str, deadline: float = DEADLINE) -> re.Match[str]:
        """The first line (from here on) matching ``pattern``."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                line = self._queue.get(timeout=max(0.05, end - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.seen))


def test_the_player_deploys_through_the_range_api_and_sees_the_alert(tmp_path: Path) -> None:
    args = ["play", SCENARIO, "--team", "a", "--speed", "10", "--out", str(tmp_path / "run")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "range.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        preexec_fn=default_sigint,
    )
    try:
        out = Lines(proc)
        api = out.until(r"range API: (\S+) ").group(1)
        password = out.until(r"you play team a: user player, password (\S+)").group(1)
        out.until("Ctrl-C")
        # the scan on a starts 30 simulated seconds in: the deploy comes before it, so
        # the live matcher finds it when the sensor reports the scan's flows
        pattern = "[ipv4-addr:value = '203.0.113.66']"
        session = requests.Session()
        session.auth = ("player", password)
        reply = session.post(
            f"{api}teams/a/indicators", json={"pattern": pattern, "name": "scanner"}, timeout=10
        )
        assert reply.status_code < 300, reply.text
        deployed = out.until(r"deployed (indicator--\S+): ").group(1)
        alert = out.until(r"ALERT a-a\d+ .*indicator (indicator--\S+) \(own\) matched: (.*)")
        assert alert.group(1) == deployed
        assert "203.0.113.66" in alert.group(2)
        assert re.match(r"\[\d\d:\d\d:\d\d\] ALERT", alert.string)
    finally:
        code = stop(proc)
    assert code == 0, proc.stderr.read()
    report = Path(out.until(r"after-action report: (\S+)").group(1))
    assert report.exists() and report.parent == tmp_path / "run"
    assert "Bots range" in report.read_text()


def _store_with_player(path: Path, team: str | None, role: Role = Role.TEAM) -> str:
    with Store.open(path) as store:
        store.add_user(User("player", role, team), PasswordPolicy().hash("a long password"))
    return str(path)


def test_a_player_of_another_team_is_refused_naming_its_team(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _store_with_player(tmp_path / "p.db", "cert-de")
    assert main(["play", "--db", db, "--team", "cert-fr"]) == 2
    err = capsys.readouterr().err
    assert f"user 'player' in {db} plays team cert-de" in err
    assert "--team cert-de" in err
    with Store.open(db) as store:
        assert store.user("player")[0].team == "cert-de"
        assert "cert-fr" not in store.teams().values()


def test_a_player_who_is_not_a_team_user_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _store_with_player(tmp_path / "p.db", None, Role.DIRECTOR)
    assert main(["play", "--db", db]) == 2
    assert "user 'player' in" in capsys.readouterr().err


def test_play_refuses_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "typo.db"
    assert main(["play", "--db", str(typo)]) == 2
    assert f"no store there: {typo}" in capsys.readouterr().err
    assert not typo.exists()
