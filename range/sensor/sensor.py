"""The range's network sensor: Ethernet frames in, STIX 2.1 observations out, incrementally.

::

    sensor = Sensor()
    for frame in frames:                               # in time order
        for obs in sensor.feed(frame.time, frame.data, frame.label):
            matcher.feed(obs.bundle["objects"][0], scos=obs.bundle["objects"][1:])
    ... sensor.advance(now)                            # idle flows end without new frames
    ... sensor.flush()                                 # end of stream

What it reports:

* one observation per flow (TCP connection, UDP conversation, ICMP exchange):
  ``network-traffic`` with ``src_ref``/``dst_ref`` (``ipv4-addr``/``ipv6-addr``), ports,
  ``protocols``, ``start``/``end``, byte (L4 payload) and packet counts per direction and,
  for TCP, ``tcp-ext`` ``src_flags_hex``/``dst_flags_hex`` (the union of flags each side
  sent). A flow ends after ``idle_timeout`` seconds of silence; one older than
  ``active_timeout`` is reported and continues in a new record (as NetFlow does); a TCP
  flow ends on RST, and when both sides have sent FIN and the last FIN is acknowledged
  (or ``close_wait`` seconds after the second FIN). Late non-SYN segments of a TCP flow
  that ended are ignored (counted in ``stats["late"]``) for ``idle_timeout`` seconds.
* application observations as soon as each is complete (:mod:`range.sensor.app`):
  HTTP requests, DNS queries and answers, TLS SNI, SMTP messages, SMB2 CREATEs.

Memory is bounded: flows live in a dict swept at least once a second of traffic time;
only client streams with a parser are buffered, trimmed as they are parsed and capped
(:data:`range.sensor.flows.STREAM_CAP`). The sensor never reads a frame's ``tag``: it
only carries the union of them on each observation.
"""

from __future__ import annotations

import socket
from collections.abc import Hashable, Iterable
from typing import Any, Protocol

from range.sensor import app
from range.sensor.app.dns import answer_observations, query_observations
from range.sensor.decode import TCP, UDP, decode
from range.sensor.flows import Flow, Stream
from range.sensor.observations import (
    Builder,
    Observation,
    SensorObservation,
    event_id,
    family,
    stix_time,
)

IDLE_TIMEOUT = 60.0
"""Seconds of silence after which a flow ends."""
ACTIVE_TIMEOUT = 300.0
"""Seconds after which a long flow is reported and a new record starts."""
CLOSE_WAIT = 5.0
"""Seconds a TCP flow whose both sides sent FIN waits for the last ACK."""
SWEEP_EVERY = 1.0
"""Traffic seconds between two sweeps of the flow table."""

APP_PORTS = {80: "http", 53: "dns", 25: "smtp", 22: "ssh", 445: "smb", 443: "tls"}
_L4_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "ipv6-icmp"}
_MASK = 0xFFFFFFFF


class FrameLike(Protocol):
    """What :func:`observe` reads of a frame (``scenarios``' ``Frame`` is one)."""

    time: float
    data: bytes
    label: str


def _text(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


class Sensor:
    """Decodes frames one at a time into :class:`SensorObservation` (module docstring)."""

    def __init__(
        self,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        active_timeout: float = ACTIVE_TIMEOUT,
        namespace: str = "",
        close_wait: float = CLOSE_WAIT,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.active_timeout = active_timeout
        self.close_wait = min(close_wait, idle_timeout)
        self.namespace = namespace
        self._ns = f"{namespace}|" if namespace else ""
        self._flows: dict[tuple, Flow] = {}
        self._ended: dict[tuple, float] = {}
        """Key of a TCP flow that ended on FIN/RST -> when."""
        self._closing: set[tuple] = set()
        self._next_sweep = float("-inf")
        self.stats: dict[str, int] = {
            "frames": 0,
            "non-ip": 0,
            "truncated": 0,
            "fragment": 0,
            "other-protocol": 0,
            "late": 0,
            "stream-overflow": 0,
        }
        """Frames seen and why some were not used (fragments are counted, not reassembled)."""

    @property
    def open_flows(self) -> int:
        """Flows currently open (a property, not ``__len__``: an idle sensor stays truthy)."""
        return len(self._flows)

    # -- input ----------------------------------------------------------------------------

    def feed(self, time: float, data: bytes, tag: Hashable = None) -> list[SensorObservation]:
        """Decode one frame (frames come in time order); the observations it decided."""
        stats = self.stats
        stats["frames"] += 1
        out: list[SensorObservation] = []
        if time >= self._next_sweep:
            out = self._sweep(time)
        d = decode(data)
        if d.__class__ is str:
            stats[d] += 1  # type: ignore[index]
            return out
        src, sport, dst, dport, proto, flags, payload, seq, ack = d  # type: ignore[misc]
        key = (src, sport, dst, dport, proto)
        flows = self._flows
        flow = flows.get(key)
        side = 0
        if flow is None:
            flow = flows.get((dst, dport, src, sport, proto))
            side = 1
        if flow is not None:
            if time - flow.last > self.idle_timeout:
                out.append(self._end(flow))
                flow = None
            elif time - flow.first > self.active_timeout:
                out.append(self._flow_observation(flow))
                flow.restart(time)
        if flow is None:
            if proto == TCP and self._ended and flags & 0x12 != 0x02:
                ended = self._ended.get(key) or self._ended.get((dst, dport, src, sport, proto))
                if ended is not None and time - ended <= self.idle_timeout:
                    stats["late"] += 1
                    return out
            flow = Flow(key, (_text(src), _text(dst)), time)
            flows[key] = flow
            side = 0
        flow.last = time
        flow.packets[side] += 1
        size = len(payload)
        if size:
            flow.bytes[side] += size
        if tag is not None:
            flow.tags.add(tag)
        if proto == TCP:
            flow.flags[side] |= flags
            if side == 0:
                if flags & 0x12 == 0x02:
                    flow.isn = (seq + 1) & _MASK
                if size and flow.app is not False:
                    out += self._client_bytes(flow, seq, payload, time, tag)
            if flags & 0x05:
                if flags & 0x04:  # RST
                    out.append(self._end(flow, ended=True))
                else:
                    flow.fin[side] = (seq + size) & _MASK
                    if flow.fin[1 - side] is not None:
                        self._closing.add(flow.key)
            elif (
                flow.fin[0] is not None
                and flow.fin[1] is not None
                and flags & 0x10
                and ack == (flow.fin[1 - side] + 1) & _MASK  # type: ignore[operator]
            ):
                out.append(self._end(flow, ended=True))
        elif proto == UDP and size and (dport == 53 or sport == 53):
            tags = frozenset(() if tag is None else (tag,))
            if side == 0:
                out += query_observations(flow, payload, time, self._ns, tags)
            names = flow.names if side == 0 else (flow.names[1], flow.names[0])
            out += answer_observations(names[0], names[1], payload, time, self._ns, tags)
        return out

    def _client_bytes(
        self, flow: Flow, seq: int, payload: bytes, time: float, tag: Hashable
    ) -> list[SensorObservation]:
        stream = flow.client
        if stream is None:
            stream = flow.client = Stream()
            stream.next_seq = flow.isn
        added = stream.add(seq, payload, time)
        if added < 0:
            self.stats["stream-overflow"] += 1
            flow.app = False
            flow.client = None
            return []
        if tag is not None:
            stream.tags.add(tag)
        if not added:
            return []
        parser = flow.app
        if parser is None:
            parser = flow.app = app.pick(bytes(stream.buf[: app.SNIFF_BYTES]), flow.key[3])
            if parser is None:
                return []
            if parser is False:
                flow.client = None
                return []
        found, keep = parser.parse(flow, stream, time, self._ns)
        if not keep:
            flow.app = False
            flow.client = None
        elif not stream.buf:
            stream.tags = set()
        return found

    # -- time -----------------------------------------------------------------------------

    def advance(self, now: float) -> list[SensorObservation]:
        """End the flows idle (or closing) for too long at ``now``; their observations."""
        return self._sweep(now)

    def flush(self) -> list[SensorObservation]:
        """End of stream: every open flow's observation, in order of flow start."""
        flows = sorted(self._flows.values(), key=lambda f: (f.first, f.key))
        out = [self._end(f) for f in flows]
        self._ended.clear()
        return out

    def _sweep(self, now: float) -> list[SensorObservation]:
        self._next_sweep = now + SWEEP_EVERY
        idle_before = now - self.idle_timeout
        stale = [f for f in self._flows.values() if f.last < idle_before]
        closing_before = now - self.close_wait
        for key in list(self._closing):
            flow = self._flows.get(key)
            if flow is None:
                self._closing.discard(key)
            elif flow.last < closing_before and flow.last >= idle_before:
                stale.append(flow)
        stale.sort(key=lambda f: (f.first, f.key))
        out = [self._end(f, ended=f.key in self._closing) for f in stale]
        ended = self._ended
        if ended:  # ends are recorded in time order: the old ones lead
            old = []
            for k, t in ended.items():
                if t >= idle_before:
                    break
                old.append(k)
            for k in old:
                del ended[k]
        return out

    def _end(self, flow: Flow, *, ended: bool = False) -> SensorObservation:
        del self._flows[flow.key]
        self._closing.discard(flow.key)
        if ended:
            self._ended[flow.key] = flow.last
        return self._flow_observation(flow)

    # -- output ---------------------------------------------------------------------------

    def _flow_observation(self, flow: Flow) -> SensorObservation:
        src, dst = flow.names
        _, sport, _, dport, proto = flow.key
        b = Builder()
        traffic: dict[str, Any] = {
            "src_ref": b.address(src),
            "dst_ref": b.address(dst),
        }
        protocols = [family(src), _L4_NAMES[proto]]
        if proto in (TCP, UDP):
            traffic["src_port"] = sport
            traffic["dst_port"] = dport
            if dport in APP_PORTS:
                protocols.append(APP_PORTS[dport])
        traffic |= {
            "protocols": protocols,
            "start": stix_time(flow.first),
            "end": stix_time(flow.last),
            "src_byte_count": flow.bytes[0],
            "dst_byte_count": flow.bytes[1],
            "is_active": False,
            "src_packets": flow.packets[0],
            "dst_packets": flow.packets[1],
        }
        if proto == TCP:
            traffic["extensions"] = {
                "tcp-ext": {
                    "src_flags_hex": f"{flow.flags[0]:02x}",
                    "dst_flags_hex": f"{flow.flags[1]:02x}",
                }
            }
        key = f"{self._ns}flow|{src}|{sport}|{dst}|{dport}|{proto}|{flow.first:.6f}"
        traffic["id"] = event_id("network-traffic", key)
        traffic["type"] = "network-traffic"
        b.add(traffic)
        return b.observation(flow.first, flow.last, key, frozenset(flow.tags))


def observe(frames: Iterable[FrameLike]) -> list[Observation]:
    """Batch form: the bundles a fresh :class:`Sensor` gives for ``frames`` (objects with
    ``time``, ``data`` and ``label``, in time order), in the order it decides them."""
    sensor = Sensor()
    out: list[Observation] = []
    for frame in frames:
        out += [o.bundle for o in sensor.feed(frame.time, frame.data, frame.label)]
    out += [o.bundle for o in sensor.flush()]
    return out
