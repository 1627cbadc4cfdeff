"""An SSH login on a :class:`TcpSession`: banners, KEXINIT, opaque encrypted records.

Record sizes follow OpenSSH's; contents come from the session's ``rng``. Pure.
"""

from __future__ import annotations

import random
import struct

from scenarios.protocols.tcp import TcpSession


def _ssh_binary_packet(payload: bytes, rng: random.Random) -> bytes:
    pad = 4 + (-(len(payload) + 9) % 8)
    length = 1 + len(payload) + pad
    return struct.pack("!IB", length, pad) + payload + rng.randbytes(pad)


def _ssh_kexinit(rng: random.Random) -> bytes:
    lists = [
        b"curve25519-sha256,ecdh-sha2-nistp256",
        b"ssh-ed25519,rsa-sha2-512",
        b"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
        b"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
        b"hmac-sha2-256-etm@openssh.com",
        b"hmac-sha2-256-etm@openssh.com",
        b"none,zlib@openssh.com",
        b"none,zlib@openssh.com",
        b"",
        b"",
    ]
    body = b"\x14" + rng.randbytes(16)
    body += b"".join(struct.pack("!I", len(x)) + x for x in lists)
    body += b"\x00" + b"\x00\x00\x00\x00"
    return _ssh_binary_packet(body, rng)


def ssh_login(
    session: TcpSession,
    *,
    client_banner: str = "SSH-2.0-OpenSSH_9.2p1 Debian-2",
    server_banner: str = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
    success: bool,
    tries: int = 1,
    linger: float = 0.0,
) -> TcpSession:
    """An SSH connection: banners, KEXINIT, key exchange, ``tries`` password attempts.

    After key exchange everything is encrypted, so attempts are opaque records whose
    sizes follow OpenSSH's; ``linger`` seconds of interactive traffic follow a success.
    """
    rng = session.rng
    session.exchange(client_banner.encode() + b"\r\n", server_banner.encode() + b"\r\n")
    session.exchange(_ssh_kexinit(rng), _ssh_kexinit(rng))
    session.exchange(rng.randbytes(48), rng.randbytes(564))  # ECDH init / reply + NEWKEYS
    session.exchange(rng.randbytes(64), rng.randbytes(64))  # service request / accept
    for attempt in range(tries):
        ok = success and attempt == tries - 1
        session.exchange(rng.randbytes(128), rng.randbytes(32 if ok else 64), think=0.05)
        if not ok:
            session.wait(rng.uniform(1.5, 2.5))  # sshd's failure delay
    if success:
        elapsed = 0.0
        while elapsed < linger:
            gap = rng.uniform(0.2, 3.0)
            session.wait(gap)
            session.exchange(rng.randbytes(36), rng.randbytes(rng.randint(36, 600)))
            elapsed += gap
    return session.close()
