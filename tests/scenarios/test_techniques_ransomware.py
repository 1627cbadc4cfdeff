"""ransomware-staging: encrypted copies and a ransom note written over SMB2."""

from __future__ import annotations

from tests.scenarios.conftest import frames_of, run_technique
from tests.scenarios.test_techniques_smb import written


def test_encrypted_files_and_note_on_the_egate_share(tshark) -> None:
    frames = frames_of(run_technique("ransomware-staging", files=10, file_size=3000))
    rows = tshark(frames, "smb2.tree", "smb2.filename", "smb2.cmd", display_filter="smb2")
    trees = {r[0] for r in rows if r[0]}
    assert "\\\\gate-1.border.fr.example\\EGATE$" in trees
    created = [r[1] for r in rows if r[2] == "5" and r[1]]
    locked = sorted({n for n in created if n.endswith(".vxcrypt")})
    assert len(locked) == 10
    assert "config\\gate.ini.vxcrypt" in locked and "db\\watchlist.sqlite.vxcrypt" in locked
    assert "README_RESTORE_FILES.txt" in created
    note = written(tshark, frames)["README_RESTORE_FILES.txt"]
    text = note.decode()
    assert "YOUR BORDER CONTROL SYSTEMS ARE ENCRYPTED" in text
    assert "@mail.restore-keys.example" in text
