"""``grapevine serve``: run the TAXII 2.1 server over a store file.

::

    grapevine serve --db grapevine.db [--host 127.0.0.1] [--port 6100] [--public-url URL]
    grapevine serve SCENARIO [--speed X|max] [--bots ...] ...   (see serve_exercise)

Loopback only unless ``--host`` says otherwise. A store without users still starts
and says how to add one; nobody can log in until then.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from indicators.store import Store
from indicators.store.writer import DEFAULT_MAX_CONTENT_LENGTH
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.taxii.config import (
    DEFAULT_API_ROOT,
    DEFAULT_DB,
    DEFAULT_HOST,
    DEFAULT_MAX_PAGE_SIZE,
    DEFAULT_PORT,
)
from range.commands import serve_exercise
from range.errors import UsageError


def add_server_arguments(parser: argparse.ArgumentParser, port: int = DEFAULT_PORT) -> None:
    """The flags ``serve`` and ``play`` share."""
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=port, help="TCP port, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="base URL clients use (behind a proxy); default: taken from each request",
    )
    parser.add_argument(
        "--api-root",
        default=DEFAULT_API_ROOT,
        metavar="NAME",
        help="API root created if missing and announced as default (default: %(default)s)",
    )
    parser.add_argument(
        "--max-content-length",
        type=int,
        default=DEFAULT_MAX_CONTENT_LENGTH,
        metavar="BYTES",
        help="largest POST body accepted (default: %(default)s)",
    )
    parser.add_argument(
        "--max-page-size",
        type=int,
        default=DEFAULT_MAX_PAGE_SIZE,
        metavar="N",
        help="most objects per page (default: %(default)s)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine serve`` to the CLI."""
    parser = subparsers.add_parser(
        "serve",
        help="run the TAXII 2.1 server",
        description="Run the TAXII 2.1 server (waitress) over a Grapevine store.",
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, metavar="PATH", help="store file (default: %(default)s)"
    )
    add_server_arguments(parser)
    serve_exercise.add_arguments(parser)
    parser.set_defaults(handler=run)


def config_from(args: argparse.Namespace, db: str) -> ServerConfig:
    """A :class:`ServerConfig` from parsed flags."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: must be between 0 and 65535")
    return ServerConfig(
        db=db,
        public_url=args.public_url,
        api_root=args.api_root,
        max_content_length=args.max_content_length,
        max_page_size=args.max_page_size,
    )


def start(config: ServerConfig, host: str, port: int, store: Store | None = None) -> TaxiiServer:
    """Build the app and bind the server (not yet serving)."""
    app = create_app(config, store=store)
    return TaxiiServer(
        app,
        host=host,
        port=port,
        threads=config.threads,
        max_request_body_size=config.max_content_length,
    )


def announce(server: TaxiiServer, config: ServerConfig, store: Store, out: TextIO) -> None:
    """Print where the server is and, without users, how to add one."""
    base = config.public_url.rstrip("/") + "/" if config.public_url else server.url
    print(f"Grapevine TAXII 2.1 server on {server.url} (store {config.db})", file=out)
    print(f"  discovery: {base}taxii2/", file=out)
    print(f"  API root:  {base}{config.api_root}/", file=out)
    if not store.users():
        print(
            "  no users yet: nobody can log in. Add one with\n"
            "    grapevine users add NAME --role team --team TEAM --password-stdin"
            f" --db {config.db}",
            file=out,
        )
    out.flush()


def serve_until_interrupted(server: TaxiiServer, store: Store) -> int:
    """Serve until Ctrl-C, then close the store; the exit status (0)."""
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    return 0


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    config = config_from(args, args.db)
    if args.scenario:
        return serve_exercise.run(args, config, announce)
    store = Store.open(config.db)
    server = start(config, args.host, args.port, store)
    announce(server, config, store, sys.stdout)
    print("  Ctrl-C stops the server.", flush=True)
    return serve_until_interrupted(server, store)
