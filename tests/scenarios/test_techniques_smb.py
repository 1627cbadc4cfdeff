"""smb-lateral: an SMB2 session that writes a PE to ADMIN$ and opens svcctl."""

from __future__ import annotations

import hashlib

from tests.scenarios.conftest import ATTACKER, frames_of, run_technique


def written(tshark, frames) -> dict[str, bytes]:
    """File name -> the bytes written to it, joined through the SMB2 file ids."""
    creates = "smb2.cmd == 5 && smb2.flags.response == "
    requested = [r[0] for r in tshark(frames, "smb2.filename", display_filter=creates + "0")]
    opened = [r[0] for r in tshark(frames, "smb2.fid", display_filter=creates + "1")]
    names = dict(zip(opened, requested, strict=True))  # the client waits for each answer
    out: dict[str, bytes] = {}
    for fid, data in tshark(
        frames, "smb2.fid", "data.data", display_filter="smb2.cmd == 9 && smb2.flags.response == 0"
    ):
        out[names[fid]] = out.get(names[fid], b"") + bytes.fromhex(data.replace(":", ""))
    return out


def test_smb2_dialogue_writes_the_service_binary(tshark) -> None:
    emission = run_technique("smb-lateral", service_name="UPDSVC", size=70_000)
    frames = frames_of(emission)
    rows = tshark(
        frames, "ip.src", "smb2.cmd", "smb2.flags.response", "smb2.tree", "smb2.filename",
        "tcp.checksum.status", display_filter="smb2",
    )  # fmt: skip
    requests = [r for r in rows if r[2] == "0"]
    assert {r[0] for r in requests} == {ATTACKER}
    commands = [r[1] for r in requests]
    assert commands[:4] == ["0", "1", "1", "3"], "negotiate, two session setups, tree connect"
    assert commands.count("9") == 3, "70 kB in 64 KiB writes, plus the svcctl write"
    trees = {r[3] for r in rows if r[3]}
    assert trees == {"\\\\gate-1.border.fr.example\\ADMIN$", "\\\\gate-1.border.fr.example\\IPC$"}
    assert {r[5] for r in rows} == {"1"}
    files = written(tshark, frames)
    assert set(files) == {"UPDSVC.exe", "svcctl"}
    payload = files["UPDSVC.exe"]
    assert payload[:2] == b"MZ" and len(payload) == 70_000 + 128 + 4
    truth_file = next(o for o in emission.truth.observables if o["type"] == "file")
    assert truth_file["name"] == "UPDSVC.exe"
    assert hashlib.sha256(payload).hexdigest() == truth_file["hashes"]["SHA-256"]
