"""Benign sessions, one builder per kind, each from a client to a server at a time.

Travellers' HTTP and TLS to the visa portal, partner nodes' AMQPS feeds, checkpoint
PostgreSQL look-ups, gRPC/MQTT over TLS, inbound mail, mailbox TLS, administrators'
SSH, SMB file writes, remote officers' IPsec (IKEv2 + ESP in UDP), DNS look-ups, NTP,
health checks, and the file server's off-site backup. Look-alikes (``lookalikes``):
administrators who mistype their SSH password once, CDN host names that look
machine-generated (``d3k9x2q7.cdn-edge...``), large legitimate uploads and logins to
the portal's ``/login``.

Pure: a :class:`~scenarios.world.TeamWorld`, the two ends, a start time and a seeded
``random.Random`` in, :class:`~scenarios.frames.TimedPacket` out. When sessions happen
is :mod:`scenarios.benign.schedule`.
"""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Callable

from scenarios.frames import Endpoint, TimedPacket, record_type
from scenarios.protocols.dns import dns_exchange
from scenarios.protocols.http import http_request, http_response, http_session
from scenarios.protocols.ike import ike_sa_init
from scenarios.protocols.ip import udp_packet
from scenarios.protocols.ntp import ntp_exchange
from scenarios.protocols.smb import SmbDialogue
from scenarios.protocols.smtp import email_message, smtp_dialogue
from scenarios.protocols.ssh import ssh_login
from scenarios.protocols.tcp import TcpSession
from scenarios.protocols.tls import tls_session
from scenarios.world import TeamWorld

PARTNER_NAMES = (
    "www.europa.example", "api.frontex-exchange.example", "updates.os-vendor.example",
    "time.ntp-pool.example", "ocsp.trust-ca.example", "maps.tiles-provider.example",
)  # fmt: skip
CDN_ZONES = ("cdn-edge.example", "static-cloudfront.example", "akamai-edge.example")

Session = Callable[[TeamWorld, Endpoint, Endpoint, float, random.Random], list[TimedPacket]]
"""A session builder: (team, client, server, start, rng) -> packets."""


def web(
    team: TeamWorld,
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


def health(
    team: TeamWorld,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
) -> list[TimedPacket]:
    request = http_request("GET", "/health", server.name_or_ip, user_agent="kube-probe/1.29")
    return http_session(
        client, server, port, start, rng, [(request, http_response(200, b"ok"))]
    ).packets


def tls(
    team: TeamWorld,
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


def ssh(
    team: TeamWorld,
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


def smtp(
    team: TeamWorld,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
) -> list[TimedPacket]:
    domain = team.domain
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


def postgres(
    team: TeamWorld,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
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


def smb(
    team: TeamWorld,
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


def dns_lookup(
    team: TeamWorld,
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
        name = rng.choice([*PARTNER_NAMES, f"intranet.{team.domain}", f"mx1.{team.domain}"])
    if client.version == 6:  # an IPv6 host asks for AAAA records
        answer = team.external(rng.randint(200, 250), 6).ip
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


def vpn(
    team: TeamWorld,
    client: Endpoint,
    server: Endpoint,
    start: float,
    rng: random.Random,
    *,
    port: int,
) -> list[TimedPacket]:
    """A remote officer's IPsec tunnel: IKEv2 IKE_SA_INIT on UDP 500, then ESP in UDP 4500."""
    init_spi, resp_spi = rng.randbytes(8), rng.randbytes(8)

    def udp(when: float, outbound: bool, sport: int, dport: int, data: bytes) -> TimedPacket:
        src, dst = (client, server) if outbound else (server, client)
        return TimedPacket(
            round(when, 6), udp_packet(src, dst, sport, dport, data, rng.getrandbits(16))
        )

    out = [
        udp(start, True, 500, port, ike_sa_init(init_spi, resp_spi, rng, responder=False)),
        udp(start + 0.03, False, port, 500, ike_sa_init(init_spi, resp_spi, rng, responder=True)),
    ]
    spi_out, spi_in = rng.randbytes(4), rng.randbytes(4)
    now = start + 0.1
    for seq in range(1, rng.randint(10, 40)):
        up = spi_out + seq.to_bytes(4, "big") + rng.randbytes(rng.choice((96, 160, 1200)))
        down = spi_in + seq.to_bytes(4, "big") + rng.randbytes(rng.choice((96, 640, 1400)))
        out += [udp(now, True, 4500, 4500, up), udp(now + 0.02, False, 4500, 4500, down)]
        now += rng.uniform(0.05, 2.0)
    return out


def ntp(team: TeamWorld, host: Endpoint, start: float, rng: random.Random) -> list[TimedPacket]:
    server = team.via_gateway(team.external(7, host.version).ip, "time.ntp-pool.example")
    sport = 123
    request, reply = ntp_exchange(start)
    return [
        TimedPacket(
            round(start, 6), udp_packet(host, server, sport, 123, request, rng.getrandbits(16))
        ),
        TimedPacket(
            round(start + 0.022, 6),
            udp_packet(server, host, 123, sport, reply, rng.getrandbits(16)),
        ),
    ]


def offsite_backup(
    team: TeamWorld, server: Endpoint, when: float, rng: random.Random
) -> list[TimedPacket]:
    """The file server pushes a large encrypted archive to the off-site vault (look-alike of
    HTTP exfiltration)."""
    vault = team.via_gateway(team.external(3, server.version).ip, "backup.offsite-vault.example")
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


def session_for(service: str, port: int, lookalikes: bool) -> Session | None:
    """The session builder for ``service`` on ``port``; None for services left quiet
    (RTSP, plain ``ipsec-nat-t`` listeners, and those :mod:`~scenarios.benign.schedule`
    drives itself: DNS, MAVLink)."""

    def bind(fn: Callable[..., list[TimedPacket]], **kw: object) -> Session:
        return lambda w, c, s, t, r: fn(w, c, s, t, r, **kw)

    table: dict[str, Callable[[int], Session]] = {
        "http": lambda p: bind(web, port=p, lookalikes=lookalikes),
        "https": lambda p: bind(tls, port=p),
        "submission": lambda p: bind(tls, port=p),
        "imaps": lambda p: bind(tls, port=p),
        "amqps": lambda p: bind(tls, port=p, heavy=True),
        "mqtts": lambda p: bind(tls, port=p),
        "grpc": lambda p: bind(tls, port=p, heavy=True),
        "ssh": lambda p: bind(ssh, port=p, lookalikes=lookalikes),
        "smtp": lambda p: bind(smtp, port=p),
        "postgresql": lambda p: bind(postgres, port=p),
        "ike": lambda p: bind(vpn, port=p),
        "smb": lambda p: bind(smb, port=p, lookalikes=lookalikes),
    }
    maker = table.get(service)
    return None if maker is None else maker(port)
