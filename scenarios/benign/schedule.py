"""When benign sessions happen: one lazy source per host and kind of session.

For every host of a team, its services get sessions from plausible clients at the
rate of the role's :class:`~scenarios.model.BenignProfile` (``sessions_per_minute``
per host, shared among its services by weight, as Poisson processes); DNS from the
team's hosts to the resolver; drones' MAVLink telemetry (two per ground station,
continuous, in chunks of :data:`TELEMETRY_CHUNK` reports); NTP from every host every
256 s; a health check of every plain-HTTP service every 30 s; and, with look-alikes,
the file server's off-site backup once.

Each :class:`Source` yields ``(start, build)`` pairs in start order, lazily: a
:class:`~scenarios.traffic.TrafficStream` pulls the sessions that start before its
horizon and calls ``build`` for their packets, so a long exercise is generated a window
at a time. Every source has its own random source, seeded from the scenario seed,
team, host and kind (:func:`~scenarios.world.stable_seed`), and every session its own,
drawn from that, so the packets do not depend on how far ahead anything was generated.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scenarios.benign import sessions
from scenarios.frames import Endpoint, TimedPacket
from scenarios.model import BenignProfile
from scenarios.protocols.ip import mac_for
from scenarios.protocols.mavlink import telemetry_stream
from scenarios.roles import HostRole
from scenarios.world import TeamWorld, World, stable_seed

TELEMETRY_CHUNK = 60
"""Position reports per chunk of a drone's telemetry (a minute at 1 Hz)."""

SERVICE_WEIGHTS = {"ssh": 0.1, "smb": 0.05, "http": 1.0, "https": 1.0}
"""A host's sessions per minute are shared among its services by these (0.5 otherwise)."""

EXTERNAL_SERVICES = {"http", "https", "smtp", "amqps", "rtsp", "ike"}
"""Services whose benign clients come from outside the team (the rest are internal)."""

Build = Callable[[], list[TimedPacket]]


@dataclass(frozen=True, slots=True)
class Source:
    """A lazily scheduled series of one kind of session (starts never decrease)."""

    name: str
    """``host/kind``, for a reader; the sessions' order does not depend on it."""
    sessions: Iterator[tuple[float, Build]]


def team_sources(world: World, team: TeamWorld) -> list[Source]:
    """Every benign source of ``team``, in a fixed order (hosts as declared, then kinds)."""
    start, end = world.start, world.end
    out: list[Source] = []

    def rng_for(*parts: str) -> random.Random:
        return random.Random(stable_seed(world.seed, "benign", team.id, *parts))

    for name, server in team.hosts.items():
        profile = team.profiles[name]
        services = dict(server.services)
        if profile.services is not None:
            services = {k: v for k, v in services.items() if k in profile.services}
        quiet = {"mavlink", "dns"}
        total = max(1.0, sum(SERVICE_WEIGHTS.get(s, 0.5) for s in services if s not in quiet))
        for service, port in sorted(services.items()):
            rng = rng_for(name, service)
            label = f"{name}/{service}"
            if service == "mavlink":
                for n, drone_ip in enumerate(team.drones_for(server)):
                    drone = Endpoint(ip=drone_ip, mac=mac_for(drone_ip), role="drone")
                    seed = rng.getrandbits(16)
                    out.append(
                        Source(f"{label}/{n}", _telemetry(drone, server, n, seed, start, end))
                    )
                continue
            if service == "dns":
                out.append(Source(label, _dns(team, server, profile, rng, start, end)))
                continue
            build = sessions.session_for(service, port, profile.lookalikes)
            if build is None:
                continue
            rate = profile.sessions_per_minute * SERVICE_WEIGHTS.get(service, 0.5) / total
            external = service in EXTERNAL_SERVICES and server.role != HostRole.LPR_CAMERA
            out.append(
                Source(
                    label,
                    _sessions(
                        team, server, build, rate, profile.clients, external, rng, start, end
                    ),
                )
            )
            if service == "http":
                health_rng = rng_for(name, service, "health")
                out.append(
                    Source(f"{label}/health", _health(team, server, port, health_rng, start, end))
                )
        out.append(Source(f"{name}/ntp", _ntp(team, server, rng_for(name, "ntp"), start, end)))
    backup = next(
        (
            (name, e)
            for name, e in team.hosts.items()
            if e.role == HostRole.FILE_SERVER and team.profiles[name].lookalikes
        ),
        None,
    )
    if backup is not None:
        rng = rng_for(backup[0], "offsite-backup")
        when = start + (end - start) * rng.uniform(0.2, 0.8)
        build = _bind(sessions.offsite_backup, team, backup[1], when, rng)
        out.append(Source(f"{backup[0]}/offsite-backup", iter([(when, build)])))
    return out


def _bind(fn: Callable[..., list[TimedPacket]], *args: object) -> Build:
    return lambda: fn(*args)


def _poisson(rng: random.Random, per_minute: float, start: float, end: float) -> Iterator[float]:
    if per_minute <= 0:
        return
    now = start + rng.expovariate(per_minute / 60.0)
    while now < end:
        yield now
        now += rng.expovariate(per_minute / 60.0)


def _sessions(
    team: TeamWorld,
    server: Endpoint,
    build: sessions.Session,
    rate: float,
    clients: int,
    external: bool,
    rng: random.Random,
    start: float,
    end: float,
) -> Iterator[tuple[float, Build]]:
    for when in _poisson(rng, rate, start, end):
        if external:
            client = team.external(rng.randrange(clients), server.version)
        else:
            client = team.internal(rng, exclude=server)
            if client is None:
                continue
        session_rng = random.Random(rng.getrandbits(64))
        yield when, _bind(build, team, client, server, when, session_rng)


def _dns(
    team: TeamWorld,
    server: Endpoint,
    profile: BenignProfile,
    rng: random.Random,
    start: float,
    end: float,
) -> Iterator[tuple[float, Build]]:
    others = [h for h in team.endpoints if h != server and h.version == server.version]
    if not others:
        return
    lookalikes = profile.lookalikes
    for when in _poisson(rng, profile.sessions_per_minute, start, end):
        client = rng.choice(others)
        session_rng = random.Random(rng.getrandbits(64))

        def build(
            client: Endpoint = client, when: float = when, r: random.Random = session_rng
        ) -> list[TimedPacket]:
            return sessions.dns_lookup(team, client, server, when, r, lookalikes=lookalikes)

        yield when, build


def _health(
    team: TeamWorld, server: Endpoint, port: int, rng: random.Random, start: float, end: float
) -> Iterator[tuple[float, Build]]:
    monitor = team.internal(rng, exclude=server)
    if monitor is None:
        return
    t = start + rng.uniform(0, 30)
    while t < end:
        session_rng = random.Random(rng.getrandbits(64))

        def build(when: float = t, r: random.Random = session_rng) -> list[TimedPacket]:
            return sessions.health(team, monitor, server, when, r, port=port)

        yield t, build
        t += 30.0


def _ntp(
    team: TeamWorld, host: Endpoint, rng: random.Random, start: float, end: float
) -> Iterator[tuple[float, Build]]:
    t = start + rng.uniform(0, 64)
    while t < end:
        yield t, _bind(sessions.ntp, team, host, t, random.Random(rng.getrandbits(64)))
        t += 256.0


def _telemetry(
    drone: Endpoint, gcs: Endpoint, n: int, seed: int, start: float, end: float
) -> Iterator[tuple[float, Build]]:
    """Drone ``n``'s telemetry to ``gcs`` over the exercise, a chunk of reports at a time."""
    first = start + n * 0.13
    total = max(1, int(end - start))  # one report a second
    for i in range(0, total, TELEMETRY_CHUNK):
        steps = range(i, i + TELEMETRY_CHUNK)

        def build(steps: range = steps) -> list[TimedPacket]:
            return telemetry_stream(
                drone,
                gcs,
                first,
                end - start,
                seed,
                sysid=n + 1,
                origin=(43.09 + n * 0.01, 27.88),
                rate=1.0,
                steps=steps,
            )

        yield first + i, build
