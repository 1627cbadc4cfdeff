"""Benign background traffic per host role, with look-alikes that invite false positives.

For every host of a team, its services get sessions from plausible clients at the
rate of the role's :class:`~scenarios.model.BenignProfile` (``sessions_per_minute``
per host, shared among its services by weight, as Poisson processes): travellers'
HTTP and TLS to the visa portal, partner nodes' AMQPS feeds, checkpoint PostgreSQL
look-ups, gRPC/MQTT over TLS, inbound mail, mailbox TLS, administrators' SSH, SMB file
writes, remote officers' IPsec (IKEv2 + ESP in UDP), drones' MAVLink telemetry (two
per ground station, continuous), DNS from every host to the team resolver, NTP from
every host every 256 s, and a health check of every plain-HTTP service every 30 s.
Services without a builder here (RTSP, plain ``ipsec-nat-t`` listeners) stay quiet.

Look-alikes (``lookalikes: true``, the default): administrators who mistype their SSH
password once, CDN host names that look machine-generated (``d3k9x2q7.cdn-edge...``),
large legitimate uploads (visa applicants' scans, the file server's off-site backup),
and logins to the portal's ``/login``.

Pure: a scenario, a team and a seeded ``random.Random`` in; time-ordered
:class:`~scenarios.techniques.base.TimedPacket` out.
"""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Callable, Iterator

from scapy.contrib.ikev2 import (
    IKEv2,
    IKEv2_KE,
    IKEv2_Nonce,
    IKEv2_Proposal,
    IKEv2_SA,
    IKEv2_Transform,
)
from scapy.layers.ntp import NTPHeader

from scenarios.errors import ScenarioError
from scenarios.fields import DOCUMENTATION_NETWORKS, IPNetwork
from scenarios.model import Host, Scenario, Team
from scenarios.packets import (
    TcpSession,
    dns_exchange,
    email_message,
    http_request,
    http_response,
    http_session,
    mac_for,
    smtp_dialogue,
    ssh_login,
    tls_session,
    udp_packet,
)
from scenarios.roles import HostRole
from scenarios.techniques.base import Endpoint, TimedPacket, record_type
from scenarios.techniques.drone import telemetry_stream
from scenarios.techniques.smb import SmbDialogue

PARTNER_NAMES = (
    "www.europa.example", "api.frontex-exchange.example", "updates.os-vendor.example",
    "time.ntp-pool.example", "ocsp.trust-ca.example", "maps.tiles-provider.example",
)  # fmt: skip
CDN_ZONES = ("cdn-edge.example", "static-cloudfront.example", "akamai-edge.example")

Session = Callable[["World", Endpoint, Endpoint, float, random.Random], list[TimedPacket]]


class World:
    """The addresses benign traffic is drawn from for one team."""

    def __init__(self, scenario: Scenario, team: Team, rng: random.Random) -> None:
        self.team = team
        self.gateway = team.gateway_endpoint()
        hosts = [h.endpoint(team.domain) for h in team.hosts]
        self.hosts = hosts
        self.workstations = [e for e in hosts if e.role == HostRole.WORKSTATION] or hosts
        self.resolver = team.resolver.endpoint(team.domain) if team.resolver else None
        taken = set(team.networks)
        taken |= {n for t in scenario.teams for n in t.networks}
        attackers = self._attacker_addresses(scenario)
        for addr in attackers:
            prefix = 24 if ":" not in addr else 64
            taken.add(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))
        space = [ip for net in DOCUMENTATION_NETWORKS if net.version == 4 for ip in net.hosts()]
        pool = [ip for ip in space if not any(ip.version == n.version and ip in n for n in taken)]
        if not pool:  # every documentation /24 is taken: any non-team address will do
            pool = [
                ip
                for ip in space
                if not any(ip in n for n in team.networks) and str(ip) not in attackers
            ]
        self._external = {4: [str(ip) for ip in rng.sample(pool, min(64, len(pool)))]}
        if any(n.version == 6 for n in team.networks):
            self._external[6] = _ipv6_pool(taken, team, rng)
        used = {h.ip for h in team.hosts} | {team.gateway_ip}
        self._drones: dict[int, list[str]] = {}
        for network in team.networks:
            if network.version not in self._drones:
                self._drones[network.version] = _last_free(network, used, 2)

    @staticmethod
    def _attacker_addresses(scenario: Scenario) -> list[str]:
        found = [str(a.ip) for a in scenario.attackers]
        for inject in scenario.injects:
            try:
                found.append(str(ipaddress.ip_address(inject.attacker)))
            except ValueError:
                continue
        return found

    def external(self, index: int, version: int = 4) -> Endpoint:
        """An outside client of IP ``version`` (that of the host it talks to): its frames
        reach the team through the border router."""
        pool = self._external.get(version)
        if not pool:
            raise ScenarioError(
                f"team {self.team.id!r}: no IPv{version} outside address for benign traffic"
            )
        return self.via_gateway(pool[index % len(pool)])

    def drones_for(self, server: Endpoint) -> list[str]:
        """The drones flying for a ground station: free addresses at the top of the
        team's first network of the station's family."""
        return self._drones.get(version_of(server), [])

    def internal(self, rng: random.Random, exclude: Endpoint | None = None) -> Endpoint | None:
        """A client inside the team other than ``exclude`` and of its address family (a
        workstation when there is one); None when the team has no such host, so no host
        talks to itself."""
        version = version_of(exclude) if exclude is not None else None
        peers = [h for h in self.hosts if version is None or version_of(h) == version]
        workstations = [w for w in self.workstations if w in peers]
        choices = [w for w in workstations if w != exclude] or [h for h in peers if h != exclude]
        return rng.choice(choices) if choices else None

    def via_gateway(self, ip: str, name: str = "") -> Endpoint:
        """A server outside the team (frames to it go to the router's MAC)."""
        return Endpoint(ip=ip, mac=self.gateway.mac, hostname=name, role="external")


def version_of(endpoint: Endpoint) -> int:
    """4 or 6: the IP version of ``endpoint``'s address."""
    return 6 if ":" in endpoint.ip else 4


def _ipv6_pool(taken: set[IPNetwork], team: Team, rng: random.Random) -> list[str]:
    """64 outside IPv6 clients, ``2001:db8:XXXX::YYYY``, none inside ``taken`` (every team
    network and the attackers' /64s); ScenarioError if the teams leave no room."""
    base = int(ipaddress.ip_address("2001:db8::"))
    nets = [n for n in taken if n.version == 6]
    found: list[str] = []
    for _ in range(64 * 64):
        ip = ipaddress.IPv6Address(base + (rng.getrandbits(16) << 80) + rng.randint(1, 0xFFFF))
        if not any(ip in n for n in nets) and str(ip) not in found:
            found.append(str(ip))
            if len(found) == 64:
                break
    if not found:
        raise ScenarioError(
            f"team {team.id!r}: the scenario's networks leave no room in 2001:db8::/32 "
            "for outside IPv6 clients of benign traffic"
        )
    return found


def _last_free(network: IPNetwork, used: set, count: int) -> list[str]:
    """The last ``count`` host addresses of ``network`` not in ``used`` (highest first)."""
    if network.version == 4:
        return [str(ip) for ip in reversed(list(network.hosts())) if ip not in used][:count]
    out: list[str] = []
    ip = network.broadcast_address  # IPv6 has no broadcast: the last address is a host
    while len(out) < count and ip > network.network_address:
        if ip not in used:
            out.append(str(ip))
        ip -= 1
    return out


# -- one function per kind of session ----------------------------------------------------
def _web(
    world: World,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
    lookalikes: bool,
) -> list[TimedPacket]:
    host = server.name_or_ip
    pages = [
        ("/", 5200),
        ("/static/app.js", 48000),
        ("/static/style.css", 9000),
        ("/api/v1/status", 310),
        ("/apply", 7300),
        ("/faq", 12000),
    ]
    exchanges = []
    for _ in range(rng.randint(1, 4)):
        path, size = rng.choice(pages)
        exchanges.append((http_request("GET", path, host), http_response(200, rng.randbytes(size))))
    if lookalikes and rng.random() < 0.25:
        body = b"username=" + rng.choice([b"m.tamm", b"k.ivanova", b"j.smith"]) + b"&password=x"
        exchanges.append(
            (
                http_request(
                    "POST",
                    "/login",
                    host,
                    body=body,
                    headers=[("Content-Type", "application/x-www-form-urlencoded")],
                ),
                http_response(302, headers=[("Location", "/account")]),
            )
        )
    if lookalikes and rng.random() < 0.1:  # a visa applicant uploads passport scans
        scan = b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randint(150_000, 400_000))
        exchanges.append(
            (
                http_request(
                    "POST",
                    "/apply/documents",
                    host,
                    body=scan,
                    headers=[("Content-Type", "image/jpeg")],
                ),
                http_response(201, b'{"stored":true}', content_type="application/json"),
            )
        )
    return http_session(client, server, port, start, rng, exchanges).packets


def _health(
    world: World, client: Endpoint, server: Endpoint, start: float, rng: random.Random, *, port: int
) -> list[TimedPacket]:
    request = http_request("GET", "/health", server.name_or_ip, user_agent="kube-probe/1.29")
    return http_session(
        client, server, port, start, rng, [(request, http_response(200, b"ok"))]
    ).packets


def _tls(
    world: World,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
    heavy: bool = False,
) -> list[TimedPacket]:
    size = rng.randint(8_000, 40_000) if heavy else rng.randint(600, 12_000)
    return tls_session(
        client,
        server,
        server.name_or_ip,
        start,
        rng,
        port=port,
        request_size=rng.randint(200, 900),
        response_size=size,
    ).packets


def _ssh(
    world: World,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
    lookalikes: bool,
) -> list[TimedPacket]:
    session = TcpSession(client, server, port, start, rng).handshake()
    tries = 2 if lookalikes and rng.random() < 0.3 else 1  # a mistyped password first
    return ssh_login(session, success=True, tries=tries, linger=rng.uniform(5, 30)).packets


def _smtp(
    world: World, client: Endpoint, server: Endpoint, start: float, rng: random.Random, *, port: int
) -> list[TimedPacket]:
    domain = world.team.domain
    partner = rng.choice(["mail.frontex-exchange.example", "smtp.europa.example"])
    sender = f"{rng.choice(['liaison', 'duty', 'newsletter'])}@{partner.split('.', 1)[1]}"
    rcpt = f"{rng.choice(['duty.officer', 'gate.supervisor', 'it.admin', 'analyst'])}@{domain}"
    message = email_message(
        sender=sender,
        recipient=rcpt,
        subject=rng.choice(["Shift handover notes", "Weekly situation report", "Meeting minutes"]),
        body=f"Hello,\n\nplease find the update at https://intranet.{domain}/reports/latest\n",
        message_id=f"{rng.randbytes(8).hex()}@{partner}",
        date="Mon, 02 Mar 2026 08:00:00 +0000",
    )
    session = TcpSession(client, server, port, start, rng).handshake()
    return smtp_dialogue(
        session,
        server_name=server.hostname or "mx",
        helo=partner,
        mail_from=sender,
        rcpt_to=[rcpt],
        message=message,
    ).packets


def _postgres(
    world: World, client: Endpoint, server: Endpoint, start: float, rng: random.Random, *, port: int
) -> list[TimedPacket]:
    params = b"user\x00checkpoint\x00database\x00wanted\x00\x00"
    startup = struct.pack("!II", 8 + len(params), 196608) + params
    session = TcpSession(client, server, port, start, rng).handshake()
    session.exchange(startup, b"R" + struct.pack("!II", 8, 0) + b"Z" + struct.pack("!I", 5) + b"I")
    for _ in range(rng.randint(1, 5)):
        doc = rng.choice(["P", "V"]) + "".join(rng.choice("0123456789") for _ in range(8))
        sql = f"SELECT hit FROM watchlist WHERE document = '{doc}';\x00".encode()
        row = b"D" + struct.pack("!IH", 10, 1) + struct.pack("!I", 0)
        session.exchange(
            b"Q" + struct.pack("!I", 4 + len(sql)) + sql, row + b"Z" + struct.pack("!I", 5) + b"I"
        )
    session.send(b"X" + struct.pack("!I", 4))
    return session.close().packets


def _smb(
    world: World,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
    lookalikes: bool,
) -> list[TimedPacket]:
    session = TcpSession(client, server, port, start, rng).handshake()
    smb = SmbDialogue(session).login(rng.choice(["m.tamm", "k.ivanova", "j.smith"]), "BORDER")
    smb.tree_connect(f"\\\\{server.name_or_ip}\\shared")
    big = lookalikes and rng.random() < 0.03
    size = rng.randint(800_000, 1_500_000) if big else rng.randint(2_000, 20_000)
    name = rng.choice(
        ["reports\\shift-handover.docx", "stats\\crossings-week.xlsx", "scans\\batch.pdf"]
    )
    smb.put(name, rng.randbytes(size))
    return session.close().packets


def _dns_lookup(
    world: World,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    lookalikes: bool,
) -> list[TimedPacket]:
    if lookalikes and rng.random() < 0.3:  # CDN edge names look generated
        label = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(13))
        name = f"d{label}.{rng.choice(CDN_ZONES)}"
    else:
        name = rng.choice(
            [*PARTNER_NAMES, f"intranet.{world.team.domain}", f"mx1.{world.team.domain}"]
        )
    if version_of(client) == 6:  # an IPv6 host asks for AAAA records
        answer = world.external(rng.randint(200, 250), 6).ip
    else:
        answer = str(ipaddress.ip_address("192.0.2.0") + rng.randint(200, 250))
    return dns_exchange(
        client,
        server,
        name,
        start,
        rng,
        qtype=record_type(answer),
        answers=[answer],
        latency=rng.uniform(0.001, 0.03),
    )


def _vpn(
    world: World, client: Endpoint, server: Endpoint, start: float, rng: random.Random, *, port: int
) -> list[TimedPacket]:
    """A remote officer's IPsec tunnel: IKEv2 IKE_SA_INIT on UDP 500, then ESP in UDP 4500."""
    init_spi, resp_spi = rng.randbytes(8), rng.randbytes(8)

    def sa_init(responder: bool) -> bytes:
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

    def udp(when: float, outbound: bool, sport: int, dport: int, data: bytes) -> TimedPacket:
        src, dst = (client, server) if outbound else (server, client)
        return TimedPacket(
            round(when, 6), udp_packet(src, dst, sport, dport, data, rng.getrandbits(16))
        )

    out = [
        udp(start, True, 500, port, sa_init(False)),
        udp(start + 0.03, False, port, 500, sa_init(True)),
    ]
    spi_out, spi_in = rng.randbytes(4), rng.randbytes(4)
    now = start + 0.1
    for seq in range(1, rng.randint(10, 40)):
        up = spi_out + seq.to_bytes(4, "big") + rng.randbytes(rng.choice((96, 160, 1200)))
        down = spi_in + seq.to_bytes(4, "big") + rng.randbytes(rng.choice((96, 640, 1400)))
        out += [udp(now, True, 4500, 4500, up), udp(now + 0.02, False, 4500, 4500, down)]
        now += rng.uniform(0.05, 2.0)
    return out


def _ntp(world: World, host: Endpoint, start: float, rng: random.Random) -> list[TimedPacket]:
    server = world.via_gateway(world.external(7, version_of(host)).ip, "time.ntp-pool.example")
    sport = 123
    t0 = start + 2_208_988_800  # NTP era 0
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
    return [
        TimedPacket(
            round(start, 6), udp_packet(host, server, sport, 123, request, rng.getrandbits(16))
        ),
        TimedPacket(
            round(start + 0.022, 6),
            udp_packet(server, host, 123, sport, reply, rng.getrandbits(16)),
        ),
    ]


# -- the per-team schedule ---------------------------------------------------------------
EXTERNAL_SERVICES = {"http", "https", "smtp", "amqps", "rtsp", "ike"}
"""Services whose benign clients come from outside the team (the rest are internal)."""


def _session_for(service: str, port: int, lookalikes: bool) -> Session | None:
    """The session builder for ``service`` on ``port``; None for services left quiet."""

    def bind(fn: Callable[..., list[TimedPacket]], **kw: object) -> Session:
        return lambda w, c, s, t, r: fn(w, c, s, t, r, **kw)

    table: dict[str, Callable[[int], Session]] = {
        "http": lambda p: bind(_web, port=p, lookalikes=lookalikes),
        "https": lambda p: bind(_tls, port=p),
        "submission": lambda p: bind(_tls, port=p),
        "imaps": lambda p: bind(_tls, port=p),
        "amqps": lambda p: bind(_tls, port=p, heavy=True),
        "mqtts": lambda p: bind(_tls, port=p),
        "grpc": lambda p: bind(_tls, port=p, heavy=True),
        "ssh": lambda p: bind(_ssh, port=p, lookalikes=lookalikes),
        "smtp": lambda p: bind(_smtp, port=p),
        "postgresql": lambda p: bind(_postgres, port=p),
        "ike": lambda p: bind(_vpn, port=p),
        "smb": lambda p: bind(_smb, port=p, lookalikes=lookalikes),
    }
    maker = table.get(service)
    return None if maker is None else maker(port)


def _poisson(rng: random.Random, per_minute: float, start: float, end: float) -> Iterator[float]:
    if per_minute <= 0:
        return
    now = start + rng.expovariate(per_minute / 60.0)
    while now < end:
        yield now
        now += rng.expovariate(per_minute / 60.0)


def _host_sessions(
    scenario: Scenario, world: World, host: Host, rng: random.Random, start: float, end: float
) -> list[TimedPacket]:
    profile = scenario.benign_for(host.role)
    server = host.endpoint(world.team.domain)
    services = dict(host.services)
    if profile.services is not None:
        services = {k: v for k, v in services.items() if k in profile.services}
    out: list[TimedPacket] = []
    weights = {"ssh": 0.1, "smb": 0.05, "http": 1.0, "https": 1.0}
    quiet = {"mavlink", "dns"}
    total = max(1.0, sum(weights.get(s, 0.5) for s in services if s not in quiet))
    for service, port in sorted(services.items()):
        if service == "mavlink":
            for n, drone_ip in enumerate(world.drones_for(server)):
                drone = Endpoint(ip=drone_ip, mac=mac_for(drone_ip), role="drone")
                out += telemetry_stream(
                    drone,
                    server,
                    start + n * 0.13,
                    end - start,
                    rng.getrandbits(16),
                    sysid=n + 1,
                    origin=(43.09 + n * 0.01, 27.88),
                    rate=1.0,
                )
            continue
        if service == "dns":
            for when in _poisson(rng, profile.sessions_per_minute, start, end):
                others = [
                    h for h in world.hosts if h != server and version_of(h) == version_of(server)
                ]
                if not others:
                    break
                client = rng.choice(others)
                out += _dns_lookup(world, client, server, when, rng, lookalikes=profile.lookalikes)
            continue
        session = _session_for(service, port, profile.lookalikes)
        if session is None:
            continue
        rate = profile.sessions_per_minute * weights.get(service, 0.5) / total
        external = service in EXTERNAL_SERVICES and host.role != HostRole.LPR_CAMERA
        for when in _poisson(rng, rate, start, end):
            if external:
                client = world.external(rng.randrange(profile.clients), version_of(server))
            else:
                client = world.internal(rng, exclude=server)
                if client is None:
                    continue
            out += session(world, client, server, when, rng)
        if service in ("http", "https"):
            monitor = world.internal(rng, exclude=server)
            t = start + rng.uniform(0, 30)
            while monitor is not None and t < end:
                out += (
                    _health(world, monitor, server, t, rng, port=port) if service == "http" else []
                )
                t += 30.0
    return out


def team_traffic(scenario: Scenario, team: Team, rng: random.Random) -> list[TimedPacket]:
    """All benign packets of ``team`` over the scenario, in time order."""
    start = scenario.epoch(0)
    end = scenario.epoch(scenario.duration)
    world = World(scenario, team, random.Random(rng.getrandbits(64)))
    out: list[TimedPacket] = []
    for host in team.hosts:
        host_rng = random.Random(rng.getrandbits(64))
        out += _host_sessions(scenario, world, host, host_rng, start, end)
        endpoint = host.endpoint(team.domain)
        t = start + host_rng.uniform(0, 64)
        while t < end:
            out += _ntp(world, endpoint, t, host_rng)
            t += 256.0
    backup = next((h for h in team.hosts if h.role == HostRole.FILE_SERVER), None)
    if backup is not None and scenario.benign_for(backup.role).lookalikes:
        out += _offsite_backup(world, backup.endpoint(team.domain), start, end, rng)
    out = [p for p in out if p.time < end]
    out.sort(key=lambda p: p.time)
    return out


def _offsite_backup(
    world: World, server: Endpoint, start: float, end: float, rng: random.Random
) -> list[TimedPacket]:
    """The file server pushes a large encrypted archive to the off-site vault (look-alike of
    HTTP exfiltration)."""
    when = start + (end - start) * rng.uniform(0.2, 0.8)
    vault = world.via_gateway(
        world.external(3, version_of(server)).ip, "backup.offsite-vault.example"
    )
    body = rng.randbytes(1_500_000)
    request = http_request(
        "POST",
        "/v1/upload?archive=nightly.tar.gpg",
        vault.hostname,
        body=body,
        headers=[("Content-Type", "application/octet-stream")],
        user_agent="restic/0.16.4",
    )
    return http_session(
        server,
        vault,
        80,
        when,
        rng,
        [(request, http_response(201, b"{}", content_type="application/json"))],
    ).packets
