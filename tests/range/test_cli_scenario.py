"""range/commands/scenario.py: ``grapevine scenario list|validate|timeline|schema|pcap``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from range.cli import main
from scenarios import library

BROKEN = Path(__file__).parents[1] / "scenarios" / "data" / "broken"

# Two minutes, two teams, two injects, little benign traffic: quick to export.
SMALL = """\
title: Small export
duration: 2m
seed: 99
teams:
  - id: aa
    name: CERT-AA
    country: AT
    domain: aa.example
    networks: [192.0.2.0/26]
    hosts:
      - {name: ns1, role: dns, ip: 192.0.2.10}
      - {name: www, role: visa-portal, ip: 192.0.2.20}
  - id: bb
    name: CERT-BB
    country: BE
    domain: bb.example
    networks: [198.51.100.0/26]
    hosts:
      - {name: ns1, role: dns, ip: 198.51.100.10}
      - {name: gate, role: egate-controller, ip: 198.51.100.30}
benign:
  dns: {sessions_per_minute: 2, clients: 2}
  visa-portal: {sessions_per_minute: 2, clients: 2}
  egate-controller: {sessions_per_minute: 2, clients: 2}
injects:
  - id: scan-aa
    at: 10s
    technique: network-scan
    target: {team: aa, host: www}
    attacker: 203.0.113.5
    params: {ports: [22, 80, 443], rate: 10}
    impact: 30s
  - id: brute-bb
    at: 20s
    technique: ssh-brute-force
    target: {team: bb, host: gate}
    attacker: 203.0.113.6
    params: {connections: 3, interval: 1}
    impact: 1m
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_list_shows_every_builtin(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "list"]) == 0
    out = capsys.readouterr().out
    for name in library.names():
        assert re.search(rf"^{re.escape(name)}\s", out, re.MULTILINE), name
    assert "Tutorial: first watch at the border" in out
    assert re.search(r"^tutorial\s+15m\s+1\s+3\s", out, re.MULTILINE)


def test_validate_accepts_files_and_builtin_names(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scenario", "validate", str(small), "tutorial"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{small}: ok - 'Small export', 2m, 2 teams")
    assert out[1].startswith("tutorial: ok")


def test_validate_reports_every_error_for_an_editor(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = BROKEN / "several-errors.yaml"
    assert main(["scenario", "validate", str(small), str(broken)]) == 1
    captured = capsys.readouterr()
    assert f"{small}: ok" in captured.out
    lines = captured.err.splitlines()
    assert lines[-1] == "9 errors"
    issues = lines[:-1]
    assert len(issues) == 9
    for line in issues:
        assert re.match(rf"^{re.escape(str(broken))}:\d+:\d+: \S+: .+", line), line
    assert f"{broken}:25:30: injects[0].target.host: team 'bb' has no host 'portal'" in captured.err


def test_validate_yaml_syntax_error(capsys: pytest.CaptureFixture[str]) -> None:
    broken = BROKEN / "yaml-syntax.yaml"
    assert main(["scenario", "validate", str(broken)]) == 1
    assert capsys.readouterr().err.startswith(f"{broken}:7:14: <yaml>: mapping values")


def test_validate_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "validate", str(tmp_path / "nope.yaml")]) == 1
    assert "no such scenario file" in capsys.readouterr().err
    assert main(["scenario", "validate", "no-such-builtin"]) == 1
    assert "no built-in scenario of that name" in capsys.readouterr().err


def test_timeline_lists_injects_in_order_with_attack_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scenario", "timeline", "tutorial"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^\d+:\d\d:\d\d  \S", line)]
    injects = [r for r in rows if "message to" not in r]
    assert [r.split()[1] for r in injects] == ["recon-scan", "gate-ssh-brute", "portal-exploit"]
    assert "T1046" in injects[0]
    assert "T1110" in injects[1]
    assert "T1190" in injects[2]
    assert "scanner (203.0.113.66)" in injects[0]
    assert any("message to all teams: Welcome" in r for r in rows)


def test_timeline_json_and_team_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "timeline", "ransomware-campaign", "--team", "lv", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    injects = [r for r in doc["timeline"] if r["kind"] == "inject"]
    assert {r["team"] for r in injects} == {"lv"}
    assert [r["at"] for r in doc["timeline"]] == sorted(r["at"] for r in doc["timeline"])
    ransom = next(r for r in injects if r["technique"] == "ransomware-staging")
    assert "T1486" in ransom["attack_ids"]


def test_timeline_unknown_team_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "timeline", "tutorial", "--team", "zz"]) == 2
    assert "no such team (teams: ee)" in capsys.readouterr().err


def test_schema_prints_or_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].endswith("2020-12/schema")
    out = tmp_path / "scenario.schema.json"
    assert main(["scenario", "schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == schema


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def _comments(pcap: Path) -> list[str]:
    return subprocess.run(
        ["tshark", "-r", str(pcap), "-T", "fields", "-e", "frame.comment"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.splitlines()


def test_pcap_writes_labelled_pcapng_and_sidecar(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "small.pcapng"
    assert main(["scenario", "pcap", str(small), "-o", str(out), "--labels"]) == 0
    assert "labelled" in capsys.readouterr().out
    sidecar = json.loads((tmp_path / "small.json").read_text())
    assert set(sidecar["ground_truth"]) == {"scan-aa", "brute-bb"}
    assert sidecar["ground_truth"]["scan-aa"]["attack_ids"] == ["T1046"]
    comments = _comments(out)
    assert len(comments) == sidecar["frames"]
    labels = [c.split(" team=")[0] for c in comments]
    assert labels == sidecar["labels"]
    assert {"benign", "scan-aa", "brute-bb"} <= set(labels)


def test_pcap_for_one_team(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "bb.pcapng"
    sidecar = tmp_path / "bb-labels.json"
    assert main(["scenario", "pcap", str(small), "-o", str(out), "--team", "bb", "--labels",
                 "--sidecar", str(sidecar)]) == 0  # fmt: skip
    doc = json.loads(sidecar.read_text())
    assert set(doc["ground_truth"]) == {"brute-bb"}
    assert "scan-aa" not in doc["counts"]
    assert doc["counts"]["brute-bb"] > 0
    assert out.stat().st_size > 0


def test_a_teams_pcap_carries_no_labels_and_no_sidecar(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bb.pcapng"
    assert main(["scenario", "pcap", str(small), "-o", str(out), "--team", "bb"]) == 0
    assert "no labels" in capsys.readouterr().out
    comments = _comments(out)
    assert len(comments) > 10 and set(comments) == {""}
    assert not (tmp_path / "bb.json").exists()
    assert b"brute-bb" not in out.read_bytes() and b"benign" not in out.read_bytes()
    labelled = tmp_path / "director" / "bb.pcapng"
    labelled.parent.mkdir()
    assert (
        main(["scenario", "pcap", str(small), "-o", str(labelled), "--team", "bb", "--labels"]) == 0
    )
    assert len(_comments(labelled)) == len(comments) and "" not in set(_comments(labelled))
    assert (labelled.parent / "bb.json").exists()


def test_pcap_sidecar_needs_labels(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pcapng"
    argv = ["scenario", "pcap", str(small), "-o", str(out), "--sidecar", str(tmp_path / "x.json")]
    assert main(argv) == 2
    assert "--sidecar goes with --labels" in capsys.readouterr().err
    assert not out.exists()


def test_pcap_refuses_a_broken_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pcapng"
    assert main(["scenario", "pcap", str(BROKEN / "unknown-host.yaml"), "-o", str(out)]) == 1
    assert "injects[0].target.host" in capsys.readouterr().err
    assert not out.exists()


def test_pcap_needs_an_output(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", "pcap", str(small)]) == 2
    assert "-o/--output" in capsys.readouterr().err


def test_pcap_into_a_missing_directory_is_a_usage_error(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no-such-dir" / "x.pcapng"
    assert main(["scenario", "pcap", str(small), "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
