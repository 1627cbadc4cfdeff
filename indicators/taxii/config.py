"""Settings of the TAXII server, with every default written here once."""

from __future__ import annotations

from dataclasses import dataclass, field

from indicators.errors import StoreError
from indicators.store.ingest import DEFAULT_MAX_JSON_DEPTH
from indicators.store.writer import DEFAULT_MAX_CONTENT_LENGTH

DEFAULT_DB = "grapevine.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6100
DEFAULT_API_ROOT = "grapevine"
DEFAULT_MAX_PAGE_SIZE = 1000
MAX_LIMIT = 2**31 - 1
"""A ``limit`` above this is refused (400); from max_page_size up to it, it is clamped."""


@dataclass(frozen=True)
class ConnectionLimits:
    """How many connections the server holds and how long it waits for a request.

    Idle or half-sent connections cost a slot each; these bounds keep a few hundred
    of them (from one address or many) from locking other clients out.
    """

    connection_limit: int = 1000
    """Open connections in all; past it the server stops accepting until some close."""
    per_address: int = 32
    """Open connections from one client address; more are closed at once."""
    header_timeout: float = 10.0
    """Seconds from a connection's start (or a request's first byte) to its last header
    line; a client still sending headers then is disconnected."""
    idle_timeout: float = 30.0
    """Seconds without a byte in either direction before an idle (or stalled
    mid-body) connection is closed."""

    def __post_init__(self) -> None:
        for name in ("connection_limit", "per_address"):
            if getattr(self, name) < 1:
                raise StoreError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("header_timeout", "idle_timeout"):
            if not getattr(self, name) > 0:
                raise StoreError(f"{name} must be a positive number of seconds")


@dataclass(frozen=True)
class LoginLimits:
    """How the server slows down password guessing.

    After ``free_failures`` wrong passwords for one user name, or from one client
    address, each further attempt is refused (429 with ``Retry-After``) for a delay
    that doubles from ``backoff`` seconds up to ``max_backoff``; failures older than
    ``forget_after`` seconds no longer count. At most ``concurrent_checks`` argon2
    verifications run at once; up to ``queued_checks`` more logins, at most
    ``queued_per_address`` from one client address, wait for a free one
    (``check_wait`` seconds at most: a burst of partners and consoles logging in
    together is served, a guesser cannot hold the threads), and a login beyond that
    is refused at once (503 with ``Retry-After``).
    """

    free_failures: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    forget_after: float = 900.0
    concurrent_checks: int = 2
    queued_checks: int = 2
    queued_per_address: int = 1
    check_wait: float = 5.0
    shared: bool = False
    """Count wrong passwords in the store rather than in the process: set when several
    processes serve the store (``--workers``), so the back-off holds across them."""

    def __post_init__(self) -> None:
        if self.free_failures < 1 or self.concurrent_checks < 1:
            raise StoreError("free_failures and concurrent_checks must be at least 1")
        if self.queued_checks < 0 or self.queued_per_address < 0 or not self.check_wait > 0:
            raise StoreError(
                "queued_checks and queued_per_address must be 0 or more, check_wait positive"
            )
        if not 0 < self.backoff <= self.max_backoff or self.forget_after <= 0:
            raise StoreError("login back-off: need 0 < backoff <= max_backoff, forget_after > 0")


@dataclass(frozen=True)
class ServerConfig:
    """What ``create_app`` needs; ``grapevine serve`` fills it from its flags."""

    db: str = DEFAULT_DB
    public_url: str | None = None
    """Base URL clients reach the server at (behind a proxy); ``None``: from the request."""
    title: str = "Grapevine TAXII 2.1"
    description: str = "Indicators shared by the CERT teams of a Grapevine exercise"
    contact: str | None = None
    api_root: str = DEFAULT_API_ROOT
    """The API root created at start-up if missing, and announced as the default."""
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    """A POSTed body nesting deeper than this is refused (400) before it is parsed."""
    threads: int = 8
    connections: ConnectionLimits = field(default_factory=ConnectionLimits)
    logins: LoginLimits = field(default_factory=LoginLimits)
    cert: str | None = None
    """PEM certificate chain file: serve HTTPS (with ``key``) instead of HTTP."""
    key: str | None = None
    """PEM private key file of ``cert``."""

    def __post_init__(self) -> None:
        if self.max_content_length <= 0:
            raise StoreError(f"max_content_length must be positive, not {self.max_content_length}")
        if not 4 <= self.max_json_depth <= 200:
            raise StoreError(f"max_json_depth must be between 4 and 200, not {self.max_json_depth}")
        if not 0 < self.max_page_size <= MAX_LIMIT:
            raise StoreError(f"max_page_size must be between 1 and {MAX_LIMIT}")
        if self.public_url is not None and not self.public_url.startswith(("http://", "https://")):
            raise StoreError(
                f"--public-url {self.public_url!r} must start with http:// or https://"
            )
        if (self.cert is None) != (self.key is None):
            raise StoreError("HTTPS needs both --cert and --key")
