"""Ransomware staging against the e-gate controllers (ATT&CK T1486, over SMB:
T1021.002 and tool transfer T1570): the controllers' files are overwritten with
encrypted copies under a new extension and a ransom note is dropped beside them."""

from __future__ import annotations

import hashlib

from pydantic import Field

from scenarios.frames import address_sco
from scenarios.protocols.smb import SmbDialogue, pe_payload
from scenarios.protocols.tcp import TcpSession
from scenarios.techniques.base import (
    Context,
    Emission,
    GroundTruth,
    Technique,
    TechniqueParams,
    stix_string,
)

CONTROLLER_FILES: tuple[str, ...] = (
    "config\\gate.ini", "config\\biometric_thresholds.json", "logs\\passage-2026-03.log",
    "db\\watchlist.sqlite", "db\\events.sqlite", "firmware\\mrz_reader.bin",
    "certs\\gate-client.pfx", "scripts\\sync_nodes.ps1",
)  # fmt: skip
"""Files an e-gate controller holds (under its ``EGATE$`` share)."""

NOTE = """YOUR BORDER CONTROL SYSTEMS ARE ENCRYPTED.
All files of this controller were encrypted with AES-256 + RSA-4096.
To restore them write to recover-{victim}@mail.restore-keys.example
with your ID: {victim}. Do not rename files, do not power off the gate.
"""


class RansomwareParams(TechniqueParams):
    share: str = "EGATE$"
    extension: str = ".vxcrypt"
    note_name: str = "README_RESTORE_FILES.txt"
    file_size: int = Field(default=40_000, ge=256, le=4_000_000)
    """Bytes per encrypted file."""
    files: int = Field(default=8, ge=1, le=500)
    """Files encrypted (cycling through the controller's usual file names)."""


class RansomwareStaging(Technique):
    """Drop the locker, then write encrypted files and the note through SMB."""

    name = "ransomware-staging"
    attack_ids = ("T1486", "T1021.002", "T1570")
    summary = "Ransomware encrypts e-gate controller files over SMB"
    Params = RansomwareParams

    def generate(self, ctx: Context, params: RansomwareParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        victim = rng.randbytes(8).hex()
        host = ctx.target.name_or_ip
        port = ctx.target.services.get("smb", 445)
        locker = pe_payload(rng.randbytes(60_000))
        session = TcpSession(ctx.attacker, ctx.target, port, ctx.start, rng).handshake()
        smb = SmbDialogue(session).login("egate_svc", "BORDER")
        smb.tree_connect(f"\\\\{host}\\ADMIN$").put("Temp\\gatesync.exe", locker)
        smb.tree_connect(f"\\\\{host}\\{params.share}")
        locked = []
        for i in range(params.files):
            base = CONTROLLER_FILES[i % len(CONTROLLER_FILES)]
            name = base + (f".{i // len(CONTROLLER_FILES)}" if i >= len(CONTROLLER_FILES) else "")
            locked.append(name + params.extension)
            smb.put(name + params.extension, rng.randbytes(params.file_size))
            session.wait(rng.uniform(0.01, 0.05))
        note = NOTE.format(victim=victim).encode()
        smb.put(params.note_name, note)
        session.close()
        truth = GroundTruth(
            observables=(
                address_sco(ctx.attacker.ip),
                {
                    "type": "file",
                    "name": "gatesync.exe",
                    "hashes": {"SHA-256": hashlib.sha256(locker).hexdigest()},
                },
                {"type": "file", "name": params.note_name},
                {"type": "email-addr", "value": f"recover-{victim}@mail.restore-keys.example"},
            ),
            pattern=(
                f"[file:name LIKE {stix_string('%' + params.extension)}] OR "
                f"[file:name = {stix_string(params.note_name)}]"
            ),
            description=f"{params.files} files on {host} encrypted to *{params.extension}",
        )
        return Emission(tuple(session.packets), truth)
