"""scenarios.protocols.mavlink: a telemetry stream built in slices is the whole stream."""

from __future__ import annotations

import pytest

from scenarios.protocols.mavlink import telemetry_stream
from tests.scenarios.conftest import endpoint


@pytest.mark.parametrize("rate", [1.0, 4.0, 2.5])
def test_slices_of_a_stream_are_the_whole_stream(rate: float) -> None:
    drone, gcs = endpoint("192.0.2.60"), endpoint("192.0.2.30")
    kw = {"sysid": 3, "origin": (43.1, 27.9), "rate": rate, "first_seq": 250, "boot_ms": 7}
    whole = telemetry_stream(drone, gcs, 100.0, 90.0, 0xFFF0, **kw)
    parts = []
    for i in range(0, 400, 37):
        parts += telemetry_stream(drone, gcs, 100.0, 90.0, 0xFFF0, steps=range(i, i + 37), **kw)
    assert [(p.time, p.data) for p in parts] == [(p.time, p.data) for p in whole]
    assert len(whole) > 90, "heartbeats and positions"
