"""Lateral movement over SMB admin shares (ATT&CK T1021.002).

The SMB conversation itself is :class:`~scenarios.protocols.smb.SmbDialogue`.
"""

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


class SmbLateralParams(TechniqueParams):
    share: str = "ADMIN$"
    """The admin share written to."""
    service_name: str | None = None
    """Name of the dropped service binary (without ``.exe``); random if unset."""
    size: int = Field(default=180_000, ge=512, le=16_000_000)
    user: str = "svc_backup"
    domain: str = "BORDER"


class SmbLateral(Technique):
    """PsExec-style: write a service binary to ADMIN$ and open the svcctl pipe on IPC$."""

    name = "smb-lateral"
    attack_ids = ("T1021.002", "T1570")
    summary = "Lateral movement: service binary copied over SMB admin share"
    Params = SmbLateralParams

    def generate(self, ctx: Context, params: SmbLateralParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        port = ctx.target.services.get("smb", 445)
        name = params.service_name or "".join(
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8)
        )
        binary = pe_payload(rng.randbytes(params.size))
        host = ctx.target.name_or_ip
        session = TcpSession(ctx.attacker, ctx.target, port, ctx.start, rng).handshake()
        smb = SmbDialogue(session).login(params.user, params.domain)
        smb.tree_connect(f"\\\\{host}\\{params.share}").put(f"{name}.exe", binary)
        smb.tree_connect(f"\\\\{host}\\IPC$").put("svcctl", b"\x05\x00\x0b\x03" + bytes(68))
        session.close()
        truth = GroundTruth(
            observables=(
                address_sco(ctx.attacker.ip),
                {
                    "type": "file",
                    "name": f"{name}.exe",
                    "hashes": {"SHA-256": hashlib.sha256(binary).hexdigest()},
                },
            ),
            pattern=f"[file:name = {stix_string(name + '.exe')}]",
            description=f"{name}.exe copied to \\\\{host}\\{params.share} from {ctx.attacker.ip}",
        )
        return Emission(tuple(session.packets), truth)
