"""An SMB 3.1.1 client conversation on a :class:`~scenarios.protocols.tcp.TcpSession`.

:class:`SmbDialogue` drives negotiate, NTLM session setup, tree connect, create, write
and close with Scapy's SMB2 layers (benign file writes, lateral movement, ransomware
staging); :func:`pe_payload` is a file that starts like a Windows executable. Pure.
"""

from __future__ import annotations

from scapy.layers.netbios import NBTSession
from scapy.layers.smb2 import (
    SMB2_FILEID,
    SMB2_Close_Request,
    SMB2_Close_Response,
    SMB2_Create_Request,
    SMB2_Create_Response,
    SMB2_Header,
    SMB2_Negotiate_Protocol_Request,
    SMB2_Negotiate_Protocol_Response,
    SMB2_Session_Setup_Request,
    SMB2_Session_Setup_Response,
    SMB2_Tree_Connect_Request,
    SMB2_Tree_Connect_Response,
    SMB2_Write_Request,
    SMB2_Write_Response,
)
from scapy.packet import Packet

from scenarios.protocols.tcp import TcpSession

WRITE_CHUNK = 65536
"""Bytes per SMB2 WRITE (what Windows clients use on SMB 3.x without large MTU)."""


class SmbDialogue:
    """An SMB 3.1.1 client session on top of a TCP session (requests and responses)."""

    def __init__(self, session: TcpSession) -> None:
        self.session = session
        self.mid = 0
        self.session_id = 0
        self.tid = 0

    def _call(self, command: int, request: Packet, response: Packet, status: int = 0) -> None:
        rng = self.session.rng
        hdr = {"Command": command, "MID": self.mid, "SessionId": self.session_id, "TID": self.tid}
        req = NBTSession() / SMB2_Header(CreditRequest=31, **hdr) / request
        rsp = (
            NBTSession()
            / SMB2_Header(Flags="SMB2_FLAGS_SERVER_TO_REDIR", CreditRequest=1, Status=status, **hdr)
            / response
        )
        self.session.exchange(bytes(req), bytes(rsp), think=rng.uniform(0.0005, 0.003))
        self.mid += 1

    def _times(self) -> dict[str, int]:
        """File times from the session clock (Scapy would read the wall clock)."""
        now = int(self.session.now)
        return {
            "CreationTime": now,
            "LastAccessTime": now,
            "LastWriteTime": now,
            "ChangeTime": now,
        }

    def login(self, user: str, domain: str) -> SmbDialogue:
        """NEGOTIATE and a two-leg NTLM SESSION_SETUP (blobs are opaque here)."""
        rng = self.session.rng
        self._call(
            0,
            SMB2_Negotiate_Protocol_Request(Dialects=[0x0202, 0x0210, 0x0300, 0x0302, 0x0311]),
            SMB2_Negotiate_Protocol_Response(
                DialectRevision=0x0311,
                GUID=rng.randbytes(16),
                MaxTransactionSize=8388608,
                MaxReadSize=8388608,
                MaxWriteSize=8388608,
                ServerTime=int(self.session.now),
                ServerStartTime=int(self.session.now) - 3 * 86400,
            ),
        )
        self._call(1, SMB2_Session_Setup_Request(), SMB2_Session_Setup_Response(), 0xC0000016)
        self.session_id = rng.getrandbits(63) | 1
        self._call(1, SMB2_Session_Setup_Request(), SMB2_Session_Setup_Response())
        self.user, self.domain = user, domain
        return self

    def tree_connect(self, share: str) -> SmbDialogue:
        """Connect to ``share`` (a UNC path such as ``\\\\host\\ADMIN$``)."""
        self._call(
            3, SMB2_Tree_Connect_Request(Path=share), SMB2_Tree_Connect_Response(ShareType=1)
        )
        self.tid = self.session.rng.randint(1, 0xFFFF)
        return self

    def put(self, name: str, data: bytes) -> SmbDialogue:
        """CREATE (overwrite-if) ``name``, WRITE ``data`` in chunks, CLOSE."""
        rng = self.session.rng
        fid = SMB2_FILEID(Persistent=rng.getrandbits(32), Volatile=rng.getrandbits(32))
        self._call(
            5,
            SMB2_Create_Request(Name=name, DesiredAccess=0x0012019F, CreateDisposition=5),
            SMB2_Create_Response(FileId=fid, **self._times()),
        )
        for offset in range(0, len(data), WRITE_CHUNK):
            chunk = data[offset : offset + WRITE_CHUNK]
            self._call(
                9,
                SMB2_Write_Request(Offset=offset, FileId=fid, Data=chunk),
                SMB2_Write_Response(Count=len(chunk)),
            )
        self._call(6, SMB2_Close_Request(FileId=fid), SMB2_Close_Response(**self._times()))
        return self


def pe_payload(rng_bytes: bytes) -> bytes:
    """A file that starts like a Windows PE (``MZ`` ... ``PE\\0\\0``) followed by noise."""
    header = b"MZ" + b"\x90\x00" + bytes(56) + (128).to_bytes(4, "little") + bytes(64)
    return header + b"PE\x00\x00" + rng_bytes
