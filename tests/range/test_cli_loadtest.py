"""``grapevine loadtest``: short, bounded runs of the real command on loopback.

The tiny scenario at speed with partners polling TAXII, consoles polling the range
API and publishers POSTing at every TLP level, on SQLite and on PostgreSQL through
gunicorn workers: no 5xx, no object lost or repeated across pages, no TLP breach. The
partners' checks themselves are shown to catch a server that repeats, drops or leaks
objects (a deliberately wrong TAXII server on loopback).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Tlp
from range.load import Client, Partner, Recorder, source_address
from tests.range.conftest import TINY
from tests.range.processes import ROOT


def loadtest(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "range.cli", "loadtest", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def _row(report: str, kind: str) -> list[str]:
    line = next(line for line in report.splitlines() if line.startswith(f"| {kind} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def _check_report(report: str) -> None:
    assert "Checks: 5xx 0, failed requests 0, repeated objects 0, lost objects 0," in report
    assert "TLP breaches 0, refused publications 0 — PASS." in report
    for kind in ("TAXII poll", "TAXII publish", "API events", "API scoreboard"):
        count = int(_row(report, kind)[1].replace(",", ""))
        assert count > 0, (kind, report)
    received = int(report.split("partners received ")[1].split(";")[0].replace(",", ""))
    stored = int(report.split("publishers stored ")[1].split(".")[0].replace(",", ""))
    assert received > 0 and stored > 0, report
    assert "| peak |" in report
    assert re.search(r"tried again after the wait: [\d,]+ time\(s\)\.", report), report


ARGS = ("--partners", "4", "--consoles", "2", "--publishers", "2", "--envelope", "10")


def test_a_short_run_on_sqlite_passes_every_check(tmp_path: Path) -> None:
    report_file = tmp_path / "load.md"
    done = loadtest(
        str(TINY), *ARGS, "--seconds", "6", "--speed", "30", "--report", str(report_file)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    _check_report(done.stdout)
    assert report_file.read_text() == done.stdout
    assert "store SQLite, one process" in done.stdout
    simulated = float(done.stdout.split("advanced ")[1].split(" simulated")[0].replace(",", ""))
    assert simulated > 0


def test_a_short_run_through_two_workers_on_postgresql(postgres) -> None:
    url = postgres.create_database()
    done = loadtest(str(TINY), *ARGS, "--seconds", "6", "--db", url, "--workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    _check_report(done.stdout)
    assert "store PostgreSQL, 2 workers" in done.stdout


def test_the_request_budget_stops_the_run() -> None:
    done = loadtest(str(TINY), *ARGS, "--requests", "40", "--seconds", "120")
    assert done.returncode == 0, done.stdout + done.stderr
    assert int(_row(done.stdout, "all")[1]) <= 40
    assert "Ran " in done.stdout and "(bounds: 120 s, 40 requests)" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--partners", "-1"), "--partners -1: must be between 0 and 1000"),
        (("--seconds", "0"), "--seconds 0: must be above 0"),
        (("--partners", "0", "--consoles", "0", "--publishers", "0"), "no clients"),
        (("--workers", "2"), "--workers 2 needs a PostgreSQL store"),
        (("--speed", "fast"), "--speed fast"),
    ],
)
def test_bad_arguments_are_refused_before_anything_starts(args, message) -> None:
    done = loadtest(str(TINY), *args, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr


def test_a_store_holding_an_exercise_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "used.db"
    first = loadtest(str(TINY), *ARGS, "--requests", "20", "--db", str(db))
    assert first.returncode == 0, first.stdout + first.stderr
    before = db.read_bytes()
    again = loadtest(str(TINY), *ARGS, "--requests", "20", "--db", str(db), timeout=60)
    assert again.returncode == 1
    assert "already holds an exercise: the load test needs a new store" in again.stderr
    assert db.read_bytes() == before
    with Store.open(str(db)) as store:
        assert len([u for u in store.users() if u.name.startswith("load-partner-")]) == 4


# -- the checks catch a wrong server --------------------------------------------------------


def _obj(n: int, level: Tlp = Tlp.GREEN) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-05T08:00:00.000Z",
        "modified": "2026-01-05T08:00:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.1']",
        "pattern_type": "stix",
        "valid_from": "2026-01-05T08:00:00.000Z",
        "object_marking_refs": [TLP2_MARKING_IDS[level]],
    }


class WrongTaxii(BaseHTTPRequestHandler):
    """Pages that repeat an object, leak a RED one, and a full read holding one the
    paged read never returned."""

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        if "next" in query:
            body = {"more": False, "objects": [_obj(2), _obj(3, Tlp.RED)]}  # 2 again; RED
        elif query.get("limit") == ["1000"]:  # the check's full read
            body = {"more": False, "objects": [_obj(1), _obj(2), _obj(4)]}  # 4: never paged
        else:
            body = {"more": True, "next": "page-2", "objects": [_obj(1), _obj(2)]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/taxii+json;version=2.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def wrong_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), WrongTaxii)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_the_partner_checks_catch_repeated_lost_and_leaked_objects(wrong_server: str) -> None:
    client = Client(wrong_server, "partner", "password", source_address(0))
    try:
        partner = Partner(client, [f"{wrong_server}api/collections/c/"], 2)
        recorder = Recorder(budget=10, deadline=float("inf"))
        got = partner.poll(recorder, partner.urls[0])
        partner.check(recorder)
    finally:
        client.close()
    assert got is not None and len(got) == 3
    findings = recorder.findings
    assert (findings.duplicates, findings.tlp_breaches, findings.lost) == (1, 1, 1)
    assert any("TLP:RED" in text for text in findings.examples)
    assert any("never received" in text for text in findings.examples)
    assert recorder.kinds["TAXII poll"].statuses == {"200": 2}


def test_the_server_stops_when_the_load_test_is_killed() -> None:
    """Even by SIGKILL (no clean-up of its own runs): nothing is left listening."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "range.cli", "loadtest", str(TINY), *ARGS, "--seconds", "300"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        server = None
        for line in proc.stderr:
            found = re.search(r"\(pid (\d+)\)", line)
            if found:
                server = int(found.group(1))
                break
        assert server is not None
        assert Path(f"/proc/{server}").exists()
        proc.kill()
        proc.wait(30)
        deadline = time.monotonic() + 30
        while _running(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(server)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def _running(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
