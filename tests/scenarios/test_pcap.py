"""scenarios.pcap: pcapng with label comments tshark reads back, and the JSON sidecar."""

from __future__ import annotations

import json
import subprocess

import pytest

from scenarios.errors import ScenarioError
from scenarios.frames import Frame
from scenarios.pcap import write_pcapng
from tests.scenarios.conftest import frames_of, run_technique


def mixed_frames() -> list[Frame]:
    attack = frames_of(run_technique("dga-lookups", lookups=3), "inject-dga")
    scan = frames_of(run_technique("network-scan", ports=[22, 80], rate=1000), "inject-scan")
    benign = [Frame(attack[0].time - 0.5, attack[0].data, "benign", "fr")]
    return sorted(benign + attack + scan, key=lambda f: f.time)


def test_comments_times_and_bytes_read_back(tmp_path, tshark_path) -> None:
    frames = mixed_frames()
    out = tmp_path / "out.pcapng"
    counts = write_pcapng(frames, out)
    assert counts == {"benign": 1, "inject-dga": 6, "inject-scan": 6}
    done = subprocess.run(
        [tshark_path, "-r", str(out), "-T", "fields", "-e", "frame.comment",
         "-e", "frame.time_epoch", "-e", "frame.len"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert [r[0] for r in rows] == [f"{f.label} team=fr" for f in frames]
    assert [round(float(r[1]), 6) for r in rows] == [round(f.time, 6) for f in frames]
    assert [int(r[2]) for r in rows] == [len(f.data) for f in frames]
    raw = subprocess.run(
        [tshark_path, "-r", str(out), "-x"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert frames[1].data[:16].hex(" ") in raw


def test_labels_are_not_in_the_packet_bytes(tmp_path) -> None:
    frames = mixed_frames()
    out = tmp_path / "out.pcapng"
    write_pcapng(frames, out)
    assert all(b"inject" not in f.data for f in frames)
    assert out.read_bytes().count(b"inject-dga") == 6, "only in the comment options"


def test_sidecar_holds_labels_counts_and_truth(tmp_path) -> None:
    frames = mixed_frames()
    emission = run_technique("dga-lookups", lookups=3)
    sidecar = tmp_path / "out.json"
    write_pcapng(frames, tmp_path / "out.pcapng", sidecar, {"inject-dga": emission.truth})
    doc = json.loads(sidecar.read_text())
    assert doc["version"] == 1 and doc["pcap"] == "out.pcapng" and doc["frames"] == 13
    assert doc["labels"] == [f.label for f in frames]
    assert doc["counts"] == {"benign": 1, "inject-dga": 6, "inject-scan": 6}
    assert doc["ground_truth"]["inject-dga"]["pattern"] == emission.truth.pattern
    assert doc["ground_truth"]["inject-dga"]["observables"] == list(emission.truth.observables)


def test_out_of_order_frames_are_refused_and_nothing_is_left(tmp_path) -> None:
    frames = mixed_frames()
    out = tmp_path / "out.pcapng"
    out.write_bytes(b"an earlier export")
    with pytest.raises(
        ScenarioError, match=r"frame 2 \(.*\) at .* is earlier than the frame before it"
    ):
        write_pcapng([frames[0], frames[-1], frames[1]], out)
    assert out.read_bytes() == b"an earlier export", "the earlier file survives"
    assert list(tmp_path.iterdir()) == [out], "no partial file left behind"


def test_empty_capture_is_a_valid_pcapng(tmp_path, tshark_path) -> None:
    out = tmp_path / "empty.pcapng"
    assert write_pcapng([], out) == {}
    done = subprocess.run([tshark_path, "-r", str(out)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == ""


def test_an_unlabelled_copy_has_no_comments_and_refuses_a_sidecar(tmp_path, tshark_path) -> None:
    frames = mixed_frames()
    out = tmp_path / "team.pcapng"
    assert write_pcapng(frames, out, labels=False) == {
        "benign": 1,
        "inject-dga": 6,
        "inject-scan": 6,
    }
    assert b"inject" not in out.read_bytes() and b"benign" not in out.read_bytes()
    done = subprocess.run(
        [tshark_path, "-r", str(out), "-T", "fields", "-e", "frame.comment", "-e", "frame.len"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert [r[0] for r in rows] == [""] * len(frames)
    assert [int(r[1]) for r in rows] == [len(f.data) for f in frames]
    with pytest.raises(ScenarioError, match="no sidecar"):
        write_pcapng(frames, tmp_path / "x.pcapng", tmp_path / "x.json", labels=False)
    assert not (tmp_path / "x.pcapng").exists() and not (tmp_path / "x.json").exists()
