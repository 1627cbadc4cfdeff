"""Password guessing against SSH and web logins (ATT&CK T1110.001)."""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import Field

from scenarios.frames import address_sco
from scenarios.protocols.http import http_request, http_response
from scenarios.protocols.ssh import ssh_login
from scenarios.protocols.tcp import TcpSession
from scenarios.techniques.base import (
    Context,
    Emission,
    GroundTruth,
    Technique,
    TechniqueParams,
    stix_string,
)

USERNAMES: tuple[str, ...] = ("root", "admin", "operator", "svc_backup", "ubuntu", "test")
PASSWORDS: tuple[str, ...] = (
    "123456", "password", "admin", "Winter2026!", "qwerty", "letmein", "Passw0rd",
    "changeme", "P@ssw0rd1", "welcome1", "border2026", "toor",
)  # fmt: skip


class SshBruteParams(TechniqueParams):
    connections: int = Field(default=30, ge=1, le=2000)
    """TCP connections the tool opens (one after the other)."""
    tries_per_connection: int = Field(default=3, ge=1, le=6)
    """Password attempts per connection (sshd's MaxAuthTries is 6)."""
    interval: float = Field(default=1.0, ge=0.0, le=600.0)
    """Seconds between connections."""
    succeed: bool = False
    """Whether the last attempt guesses the password (then a short interactive session)."""
    client_banner: str = "SSH-2.0-libssh2_1.10.0"
    """The tool's SSH identification string (hydra/medusa use libssh)."""


class SshBruteForce(Technique):
    """Hydra-style SSH guessing: many short connections, each with a few failed tries."""

    name = "ssh-brute-force"
    attack_ids = ("T1110.001",)
    summary = "SSH password guessing"
    Params = SshBruteParams

    def generate(self, ctx: Context, params: SshBruteParams) -> Emission:  # type: ignore[override]
        port = ctx.target.services.get("ssh", 22)
        now = ctx.start
        packets = []
        for n in range(params.connections):
            last = n == params.connections - 1
            session = TcpSession(ctx.attacker, ctx.target, port, now, ctx.rng).handshake()
            ssh_login(
                session,
                client_banner=params.client_banner,
                success=params.succeed and last,
                tries=params.tries_per_connection,
                linger=20.0 if params.succeed and last else 0.0,
            )
            packets += session.packets
            now = session.now + params.interval * ctx.rng.uniform(0.8, 1.2)
        truth = GroundTruth(
            observables=(
                address_sco(ctx.attacker.ip),
                {"type": "software", "name": params.client_banner},
            ),
            pattern=(
                f"[network-traffic:src_ref.value = '{ctx.attacker.ip}' AND "
                f"network-traffic:dst_ref.value = '{ctx.target.ip}' AND "
                f"network-traffic:dst_port = {port}]"
            ),
            description=f"{params.connections} SSH connections from {ctx.attacker.ip}",
        )
        packets.sort(key=lambda p: p.time)
        return Emission(tuple(packets), truth)


class WebBruteParams(TechniqueParams):
    attempts: int = Field(default=60, ge=1, le=5000)
    """Login POSTs in total."""
    per_connection: int = Field(default=10, ge=1, le=100)
    """Requests per keep-alive connection."""
    path: str = "/login"
    """The login form's action."""
    interval: float = Field(default=0.5, ge=0.0, le=600.0)
    """Seconds between attempts."""
    succeed: bool = False
    """Whether the last attempt logs in (302 with a session cookie)."""
    user_agent: str = "python-requests/2.31.0"


class WebLoginBruteForce(Technique):
    """Credential guessing against a web portal's login form over HTTP."""

    name = "web-login-brute-force"
    attack_ids = ("T1110.001", "T1110")
    summary = "HTTP login form password guessing"
    Params = WebBruteParams

    def generate(self, ctx: Context, params: WebBruteParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        port = ctx.target.services.get("http", 80)
        host = ctx.target.name_or_ip
        now = ctx.start
        packets = []
        sent = 0
        while sent < params.attempts:
            session = TcpSession(ctx.attacker, ctx.target, port, now, rng).handshake()
            for _ in range(min(params.per_connection, params.attempts - sent)):
                sent += 1
                ok = params.succeed and sent == params.attempts
                form = urlencode(
                    {"username": rng.choice(USERNAMES), "password": rng.choice(PASSWORDS)}
                )
                request = http_request(
                    "POST",
                    params.path,
                    host,
                    headers=[("Content-Type", "application/x-www-form-urlencoded")],
                    body=form.encode(),
                    user_agent=params.user_agent,
                )
                if ok:
                    cookie = rng.randbytes(16).hex()
                    response = http_response(
                        302, headers=[("Location", "/"), ("Set-Cookie", f"session={cookie}")]
                    )
                else:
                    response = http_response(401, b"<h1>Invalid username or password</h1>")
                session.exchange(request, response, think=0.02)
                session.wait(params.interval * rng.uniform(0.8, 1.2))
            session.close()
            packets += session.packets
            now = session.now + 0.05
        truth = GroundTruth(
            observables=(
                address_sco(ctx.attacker.ip),
                {"type": "url", "value": f"http://{host}{params.path}"},
            ),
            pattern=(
                f"[network-traffic:src_ref.value = '{ctx.attacker.ip}' AND "
                "network-traffic:extensions.'http-request-ext'.request_method = 'POST' AND "
                "network-traffic:extensions.'http-request-ext'.request_value = "
                f"{stix_string(params.path)}]"
            ),
            description=f"{params.attempts} login attempts against http://{host}{params.path}",
        )
        packets.sort(key=lambda p: p.time)
        return Emission(tuple(packets), truth)
