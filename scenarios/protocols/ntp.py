"""An NTPv4 client request and a stratum-2 server's reply, timestamps from ``start``. Pure."""

from __future__ import annotations

from scapy.layers.ntp import NTPHeader

NTP_ERA_OFFSET = 2_208_988_800
"""Seconds from the NTP era 0 (1900) to the Unix epoch."""


def ntp_exchange(start: float) -> tuple[NTPHeader, NTPHeader]:
    """The client's mode-3 request sent at ``start`` and the server's mode-4 reply."""
    t0 = start + NTP_ERA_OFFSET
    request = NTPHeader(mode=3, version=4, sent=t0, orig=0, recv=0, ref=0)
    reply = NTPHeader(
        mode=4,
        version=4,
        stratum=2,
        ref_id=0xC0000201,
        ref=t0 - 30,
        orig=t0,
        recv=t0 + 0.011,
        sent=t0 + 0.0112,
    )
    return request, reply
