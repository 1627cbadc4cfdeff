"""The range's network sensor: frames in, STIX 2.1 observations out (see :mod:`.sensor`).

Modules: :mod:`.decode` (L2-L4 headers), :mod:`.flows` (flow records, TCP
reassembly), :mod:`.app` (HTTP, DNS, TLS, SMTP, SMB parsers), :mod:`.observations`
(STIX building), :mod:`.sensor` (the flow table, timeouts and the batch form).
"""

from __future__ import annotations

from range.sensor.observations import Observation, SensorObservation, as_bundle, stix_time
from range.sensor.sensor import ACTIVE_TIMEOUT, IDLE_TIMEOUT, Sensor, observe

__all__ = [
    "ACTIVE_TIMEOUT",
    "IDLE_TIMEOUT",
    "Observation",
    "Sensor",
    "SensorObservation",
    "as_bundle",
    "observe",
    "stix_time",
]
