"""Settings of the TAXII server, with every default written here once."""

from __future__ import annotations

from dataclasses import dataclass

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
