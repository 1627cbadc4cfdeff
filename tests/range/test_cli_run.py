"""range/commands/run.py: ``grapevine run SCENARIO --headless`` as a process.

The scenario is the bots' two-team range (tests/range/bots/data/two-teams.yaml):
7 simulated minutes in which CERT-A detects a scan, shares its indicator and CERT-B
adopts it before the scan reaches it, so every output has something in it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import stix2

from range.cli import main
from tests.range.processes import ROOT

SCENARIO = ROOT / "tests" / "range" / "bots" / "data" / "two-teams.yaml"
SCHEMA = json.loads((ROOT / "tests/range/report/data/navigator-layer-4.5.schema.json").read_text())
RUN_TIMEOUT = 120
TEAMS = ("a", "b")


def command(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "range.cli",
        "run",
        str(SCENARIO),
        "--headless",
        "--out",
        str(out),
        *extra,
    ]


def grapevine_run(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(out, *extra),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=RUN_TIMEOUT,
    )


def start_run(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def straight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run without a stop."""
    out = tmp_path_factory.mktemp("straight") / "run"
    done = grapevine_run(out)
    assert done.returncode == 0, done.stderr
    return out


def test_every_output_is_there_and_valid(straight: Path) -> None:
    names = {p.name for p in straight.iterdir()}
    for name in ("exercise.db", "scoreboard.json", "shared.json", "report.md", "report.html"):
        assert name in names, names
    for team in TEAMS:
        assert f"traffic-{team}.pcapng" in names and f"layer-{team}.json" in names

    board = json.loads((straight / "scoreboard.json").read_text())
    assert board["scenario"] == "Bots range" and board["seed"] == 11
    assert [t["team"] for t in board["teams"]] == list(TEAMS)
    for entry in board["teams"]:
        assert entry["total"] == pytest.approx(sum(line["points"] for line in entry["lines"]))
        for line in entry["lines"]:
            assert set(line) == {"team", "inject", "category", "points", "why", "time"}
    categories = {(t["team"], line["category"]) for t in board["teams"] for line in t["lines"]}
    assert {("a", "detection"), ("a", "sharing"), ("b", "detection")} <= categories

    bundle = stix2.parse((straight / "shared.json").read_text(), allow_custom=True)
    types = [obj.type for obj in bundle.objects]
    assert "indicator" in types and "sighting" in types

    for team in TEAMS:
        layer = json.loads((straight / f"layer-{team}.json").read_text())
        jsonschema.Draft202012Validator(SCHEMA).validate(layer)

    report = (straight / "report.md").read_text()
    assert "Bots range" in report
    assert "Bots range" in (straight / "report.html").read_text()


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_each_team_capture_reads_back_with_label_comments(straight: Path) -> None:
    for team, inject in (("a", "a-scan"), ("b", "b-scan")):
        rows = subprocess.run(
            [
                "tshark",
                "-n",
                "-r",
                str(straight / f"traffic-{team}.pcapng"),
                "-T",
                "fields",
                "-e",
                "frame.comment",
                "-e",
                "ip.addr",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.splitlines()
        comments = [row.split("\t")[0] for row in rows]
        assert len(rows) > 100
        assert all(c.endswith(f" team={team}") for c in comments), set(comments)
        labels = {c.split(" ")[0] for c in comments}
        assert labels == {"benign", inject}
        scanner = [row for row in rows if row.startswith(inject)]
        assert scanner and all("203.0.113.66" in row for row in scanner)


def test_the_same_seed_gives_a_byte_identical_scoreboard(straight: Path, tmp_path: Path) -> None:
    again = grapevine_run(tmp_path / "again", "--seed", "11")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again" / "scoreboard.json").read_bytes() == (
        straight / "scoreboard.json"
    ).read_bytes()


def _logged(db: Path) -> int:
    """Events in the run's log (0 while the store or its table is not there)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM exercise_events").fetchone()[0]
    except sqlite3.Error:
        return 0


def _kill_when_logged(out: Path, events: int) -> None:
    proc = start_run(out)
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while _logged(out / "exercise.db") < events:
            assert proc.poll() is None, f"the run ended before {events} events: {proc.stderr}"
            assert time.monotonic() < deadline, f"no {events} events in {RUN_TIMEOUT} s"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def test_killed_twice_then_resumed_gives_the_unbroken_runs_scoreboard(
    straight: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    _kill_when_logged(out, 30)
    first = _logged(out / "exercise.db")
    _kill_when_logged(out, first + 60)
    assert not (out / "scoreboard.json").exists()
    done = grapevine_run(out)
    assert done.returncode == 0, done.stderr
    assert "resuming" in done.stderr
    assert (out / "scoreboard.json").read_bytes() == (straight / "scoreboard.json").read_bytes()


def test_a_finished_run_is_refused_without_force(
    straight: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "finished"
    shutil.copytree(straight, out)
    before = (out / "exercise.db").read_bytes()
    assert main(["run", str(SCENARIO), "--headless", "--out", str(out)]) == 2
    assert "holds a finished run" in capsys.readouterr().err
    assert (out / "exercise.db").read_bytes() == before
    forced = grapevine_run(out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "running" in forced.stderr and "resuming" not in forced.stderr
    assert (out / "scoreboard.json").read_bytes() == (straight / "scoreboard.json").read_bytes()


def test_a_bad_scenario_file_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.read_text().replace("duration: 7m", "duration: seven minutes"))
    assert main(["run", str(bad), "--headless", "--out", str(tmp_path / "out")]) == 1
    assert f"{bad}:5:" in capsys.readouterr().err


def test_an_unusable_out_dir_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["run", str(SCENARIO), "--headless", "--out", str(blocker / "run")]) == 2
    assert f"--out {blocker / 'run'}: cannot create it" in capsys.readouterr().err


def test_without_headless_it_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(SCENARIO), "--out", str(tmp_path / "out")]) == 2
    assert "--headless" in capsys.readouterr().err
