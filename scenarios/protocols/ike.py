"""IKEv2 IKE_SA_INIT messages (UDP 500) for IPsec tunnels; random fields from ``rng``. Pure."""

from __future__ import annotations

import random

from scapy.contrib.ikev2 import (
    IKEv2,
    IKEv2_KE,
    IKEv2_Nonce,
    IKEv2_Proposal,
    IKEv2_SA,
    IKEv2_Transform,
)


def ike_sa_init(init_spi: bytes, resp_spi: bytes, rng: random.Random, *, responder: bool) -> bytes:
    """An IKE_SA_INIT request (or the responder's reply): AES-GCM-256, SHA-256 PRF,
    Curve25519, with a key share and a nonce from ``rng``."""
    transforms = (
        IKEv2_Transform(transform_type="Encryption", transform_id=20, key_length=256)
        / IKEv2_Transform(transform_type="PRF", transform_id=5)
        / IKEv2_Transform(transform_type="GroupDesc", transform_id=31)
    )
    header = IKEv2(
        init_SPI=init_spi,
        resp_SPI=resp_spi if responder else b"\0" * 8,
        exch_type=34,
        flags="Response" if responder else "Initiator",
        id=0,
    )
    body = IKEv2_SA(prop=IKEv2_Proposal(trans=transforms)) / IKEv2_KE(
        group=31, ke=rng.randbytes(32)
    )
    return bytes(header / body / IKEv2_Nonce(nonce=rng.randbytes(32)))
