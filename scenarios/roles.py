"""Host roles of the exercise world: the border-security infrastructure a CERT defends.

Every host in a scenario has one :class:`HostRole`. The role says what the host is,
which services it runs by default (name -> port, with the transport) and what its
everyday traffic looks like, so a scenario only names the role and the benign
traffic generator (:mod:`scenarios.benign`) knows what to produce around it.

============================  =================================================
role                          what it models
============================  =================================================
``surveillance-node``         national node of the border surveillance data
                              exchange: real-time situation picture feeds
``wanted-db``                 replica of the shared wanted-persons and vehicles
                              database
``biometric-matcher``         biometric matching service (fingerprint/face)
``egate-controller``          e-gate and automated border-checkpoint controller
``drone-gcs``                 drone ground control station with telemetry links
``lpr-camera``                licence-plate recognition camera network
``visa-portal``               public visa / travel authorisation portal
``dns``                       DNS resolver and authoritative server
``mail``                      mail gateway (SMTP relay, submission, IMAP)
``vpn``                       VPN gateway (IPsec, TLS portal)
``workstation``               officer or analyst workstation
``file-server``               file server (SMB shares)
============================  =================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

Transport = Literal["tcp", "udp"]


class HostRole(StrEnum):
    """What a host is in the exercise world (see the module docstring)."""

    SURVEILLANCE_NODE = "surveillance-node"
    WANTED_DB = "wanted-db"
    BIOMETRIC_MATCHER = "biometric-matcher"
    EGATE_CONTROLLER = "egate-controller"
    DRONE_GCS = "drone-gcs"
    LPR_CAMERA = "lpr-camera"
    VISA_PORTAL = "visa-portal"
    DNS = "dns"
    MAIL = "mail"
    VPN = "vpn"
    WORKSTATION = "workstation"
    FILE_SERVER = "file-server"


@dataclass(frozen=True, slots=True)
class Service:
    """A network service a role typically runs."""

    name: str
    port: int
    transport: Transport
    description: str


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """One row of the role table: what the role is, runs, and talks."""

    role: HostRole
    title: str
    services: tuple[Service, ...]
    traffic: tuple[str, ...]
    """The kinds of everyday traffic around such a host, in words a director reads."""
    sessions_per_minute: float
    """Default rate of benign sessions towards the host (a scenario may override it)."""

    def default_services(self) -> dict[str, int]:
        """Service name -> port, as a host of this role gets unless it declares its own."""
        return {s.name: s.port for s in self.services}


def _svc(name: str, port: int, transport: Transport, description: str) -> Service:
    return Service(name, port, transport, description)


_HTTPS = _svc("https", 443, "tcp", "HTTPS API and web interface")
_SSH = _svc("ssh", 22, "tcp", "administrators' SSH")
_SMB = _svc("smb", 445, "tcp", "SMB file shares")

ROLES: Mapping[HostRole, RoleInfo] = MappingProxyType(
    {
        HostRole.SURVEILLANCE_NODE: RoleInfo(
            HostRole.SURVEILLANCE_NODE,
            "national node of the border surveillance data exchange",
            (
                _HTTPS,
                _svc("amqps", 5671, "tcp", "real-time situation picture feed (AMQP over TLS)"),
                _SSH,
            ),
            ("situation picture feeds to and from partner nodes", "HTTPS API", "admin SSH"),
            6.0,
        ),
        HostRole.WANTED_DB: RoleInfo(
            HostRole.WANTED_DB,
            "replica of the shared wanted-persons and vehicles database",
            (_HTTPS, _svc("postgresql", 5432, "tcp", "replication and queries"), _SSH),
            ("database replication", "lookups from checkpoints", "admin SSH"),
            6.0,
        ),
        HostRole.BIOMETRIC_MATCHER: RoleInfo(
            HostRole.BIOMETRIC_MATCHER,
            "biometric matching service",
            (_HTTPS, _svc("grpc", 50051, "tcp", "matching requests (gRPC over TLS)"), _SSH),
            ("match requests from e-gates and checkpoints", "admin SSH"),
            4.0,
        ),
        HostRole.EGATE_CONTROLLER: RoleInfo(
            HostRole.EGATE_CONTROLLER,
            "e-gate and automated border-checkpoint controller",
            (
                _HTTPS,
                _svc("mqtts", 8883, "tcp", "gate telemetry and commands (MQTT over TLS)"),
                _SMB,
                _SSH,
            ),
            ("gate telemetry", "configuration pulls over SMB", "NTP", "admin SSH"),
            3.0,
        ),
        HostRole.DRONE_GCS: RoleInfo(
            HostRole.DRONE_GCS,
            "drone ground control station",
            (
                _svc("mavlink", 14550, "udp", "MAVLink telemetry link from the drones"),
                _HTTPS,
                _SSH,
            ),
            ("MAVLink telemetry", "map tiles over HTTPS", "admin SSH"),
            4.0,
        ),
        HostRole.LPR_CAMERA: RoleInfo(
            HostRole.LPR_CAMERA,
            "licence-plate recognition camera",
            (
                _svc("rtsp", 554, "tcp", "video stream"),
                _svc("http", 80, "tcp", "plate read uploads and health checks"),
            ),
            ("plate reads uploaded to the database", "health checks", "NTP"),
            4.0,
        ),
        HostRole.VISA_PORTAL: RoleInfo(
            HostRole.VISA_PORTAL,
            "public visa and travel authorisation portal",
            (_svc("http", 80, "tcp", "redirect to HTTPS"), _HTTPS),
            ("travellers' web sessions", "logins", "document uploads"),
            10.0,
        ),
        HostRole.DNS: RoleInfo(
            HostRole.DNS,
            "DNS resolver and authoritative server",
            (_svc("dns", 53, "udp", "DNS queries"),),
            ("DNS queries from every host", "lookups of CDN and partner domains"),
            20.0,
        ),
        HostRole.MAIL: RoleInfo(
            HostRole.MAIL,
            "mail gateway",
            (
                _svc("smtp", 25, "tcp", "SMTP relay"),
                _svc("submission", 587, "tcp", "mail submission"),
                _svc("imaps", 993, "tcp", "IMAP over TLS"),
            ),
            ("inbound and outbound mail", "mailbox access"),
            4.0,
        ),
        HostRole.VPN: RoleInfo(
            HostRole.VPN,
            "VPN gateway",
            (
                _svc("ike", 500, "udp", "IPsec key exchange"),
                _svc("ipsec-nat-t", 4500, "udp", "IPsec NAT traversal"),
                _HTTPS,
            ),
            ("remote officers' tunnels", "TLS portal logins"),
            2.0,
        ),
        HostRole.WORKSTATION: RoleInfo(
            HostRole.WORKSTATION,
            "officer or analyst workstation",
            (_SMB,),
            ("web browsing", "mail", "file share access", "DNS"),
            2.0,
        ),
        HostRole.FILE_SERVER: RoleInfo(
            HostRole.FILE_SERVER,
            "file server",
            (_SMB, _SSH),
            ("file share access", "large legitimate uploads", "admin SSH"),
            3.0,
        ),
    }
)
"""The role table; every :class:`HostRole` has exactly one row."""

SERVICE_TRANSPORTS: Mapping[str, Transport] = MappingProxyType(
    {s.name: s.transport for info in ROLES.values() for s in info.services}
)
"""Transport of every service name the role table knows."""


def role_info(role: HostRole | str) -> RoleInfo:
    """The table row of ``role``; ``ValueError`` names the known roles if it is unknown."""
    try:
        return ROLES[HostRole(role)]
    except ValueError:
        known = ", ".join(r.value for r in HostRole)
        raise ValueError(f"unknown host role {role!r} (known: {known})") from None


def transport_of(service: str) -> Transport:
    """``"udp"`` for the UDP services of the role table, ``"tcp"`` for everything else."""
    return SERVICE_TRANSPORTS.get(service, "tcp")
