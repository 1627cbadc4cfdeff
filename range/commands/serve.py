"""``grapevine serve``: run the TAXII 2.1 server over a store file.

::

    grapevine serve --db grapevine.db [--host 127.0.0.1] [--port 6100] [--public-url URL]
                    [--cert FILE --key FILE] [--title T] [--description D] [--contact C]
                    [--max-connections N] [--max-per-address N] [--header-timeout S]
                    [--idle-timeout S] [--login-failures N] [--login-backoff-max S]
                    [--password-checks N]
    grapevine serve SCENARIO [--speed X|max] [--bots ...] ...   (see serve_exercise)
    grapevine serve [SCENARIO] --db postgresql://... --workers N ...   (see serve_workers)

Loopback only unless ``--host`` says otherwise; HTTPS with ``--cert`` and ``--key``.
A store without users still starts and says how to add one; nobody can log in until
then. Every default comes from :mod:`indicators.taxii.config`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TextIO

from flask import Flask

from indicators.store import Store
from indicators.store.engine import shown
from indicators.store.writer import DEFAULT_MAX_CONTENT_LENGTH
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.taxii.config import (
    DEFAULT_API_ROOT,
    DEFAULT_DB,
    DEFAULT_HOST,
    DEFAULT_MAX_PAGE_SIZE,
    DEFAULT_PORT,
    ConnectionLimits,
    LoginLimits,
)
from indicators.taxii.serving import settle_heap, tls_context
from range.commands import serve_exercise, serve_workers
from range.commands.stores import open_or_create
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
    defaults = ServerConfig()
    parser.add_argument(
        "--max-json-depth",
        type=int,
        default=defaults.max_json_depth,
        metavar="N",
        help="deepest JSON nesting a POST may have; deeper is refused before parsing"
        " (default: %(default)s)",
    )
    parser.add_argument(
        "--title", default=defaults.title, help="discovery title (default: %(default)s)"
    )
    parser.add_argument(
        "--description",
        default=defaults.description,
        help="discovery description (default: %(default)s)",
    )
    parser.add_argument("--contact", help="discovery contact (e.g. an e-mail address)")
    tls = parser.add_argument_group("HTTPS (default: plain HTTP)")
    tls.add_argument("--cert", metavar="FILE", help="PEM certificate (chain) to serve HTTPS with")
    tls.add_argument("--key", metavar="FILE", help="PEM private key of --cert")
    limits = parser.add_argument_group("connection and login limits")
    conn, login = ConnectionLimits(), LoginLimits()
    limits.add_argument(
        "--max-connections",
        type=int,
        default=conn.connection_limit,
        metavar="N",
        help="open connections in all (default: %(default)s)",
    )
    limits.add_argument(
        "--max-per-address",
        type=int,
        default=conn.per_address,
        metavar="N",
        help="open connections from one client address (default: %(default)s)",
    )
    limits.add_argument(
        "--header-timeout",
        type=float,
        default=conn.header_timeout,
        metavar="SECONDS",
        help="time a client has to send a request's headers (default: %(default)s)",
    )
    limits.add_argument(
        "--idle-timeout",
        type=float,
        default=conn.idle_timeout,
        metavar="SECONDS",
        help="an idle or stalled connection is closed after this (default: %(default)s)",
    )
    limits.add_argument(
        "--login-failures",
        type=int,
        default=login.free_failures,
        metavar="N",
        help="wrong passwords per user name or address before back-off (default: %(default)s)",
    )
    limits.add_argument(
        "--login-backoff-max",
        type=float,
        default=login.max_backoff,
        metavar="SECONDS",
        help="longest back-off after repeated wrong passwords (default: %(default)s)",
    )
    limits.add_argument(
        "--password-checks",
        type=int,
        default=login.concurrent_checks,
        metavar="N",
        help="argon2 password checks run at once; a few more logins wait for one, beyond"
        " that they get 503 (default: %(default)s)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine serve`` to the CLI."""
    parser = subparsers.add_parser(
        "serve",
        help="run the TAXII 2.1 server",
        description="Run the TAXII 2.1 server over a Grapevine store: one process"
        " (waitress), or gunicorn worker processes with --workers.",
    )
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH|URL",
        help="store file, or a postgresql:// URL (default: %(default)s)",
    )
    add_server_arguments(parser)
    serve_workers.add_arguments(parser)
    serve_exercise.add_arguments(parser)
    parser.set_defaults(handler=run)


def config_from(args: argparse.Namespace, db: str) -> ServerConfig:
    """A :class:`ServerConfig` from parsed flags."""
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: must be between 0 and 65535")
    login = LoginLimits()
    return ServerConfig(
        db=db,
        public_url=args.public_url,
        title=args.title,
        description=args.description,
        contact=args.contact,
        api_root=args.api_root,
        max_content_length=args.max_content_length,
        max_page_size=args.max_page_size,
        max_json_depth=args.max_json_depth,
        connections=ConnectionLimits(
            connection_limit=args.max_connections,
            per_address=args.max_per_address,
            header_timeout=args.header_timeout,
            idle_timeout=args.idle_timeout,
        ),
        logins=dataclasses.replace(
            login,
            free_failures=args.login_failures,
            backoff=min(login.backoff, args.login_backoff_max),
            max_backoff=args.login_backoff_max,
            concurrent_checks=args.password_checks,
        ),
        cert=args.cert,
        key=args.key,
    )


def start(
    config: ServerConfig,
    host: str,
    port: int,
    store: Store | None = None,
    *,
    app: Flask | None = None,
    threads: int | None = None,
) -> TaxiiServer:
    """Bind the server (not yet serving) for ``app`` (default: the TAXII app over
    ``store``), with the configured limits and TLS."""
    tls = tls_context(config.cert, config.key) if config.cert and config.key else None
    if app is None:
        app = create_app(config, store=store)
    return TaxiiServer(
        app,
        host=host,
        port=port,
        threads=threads or config.threads,
        max_request_body_size=config.max_content_length,
        limits=config.connections,
        tls=tls,
    )


def announce(server: TaxiiServer, config: ServerConfig, store: Store, out: TextIO) -> None:
    """Print where the server is and, without users, how to add one."""
    announce_at(server.url, config, bool(store.users()), out)


def announce_at(url: str, config: ServerConfig, has_users: bool, out: TextIO) -> None:
    """Print that the server is at ``url`` and, if not ``has_users``, how to add one."""
    base = config.public_url.rstrip("/") + "/" if config.public_url else url
    print(f"Grapevine TAXII 2.1 server on {url} (store {shown(config.db)})", file=out)
    print(f"  discovery: {base}taxii2/", file=out)
    print(f"  API root:  {base}{config.api_root}/", file=out)
    if not has_users:
        print(
            "  no users yet: nobody can log in. Add one with\n"
            "    grapevine users add NAME --role team --team TEAM --password-stdin"
            f" --db {config.db}",
            file=out,
        )
    out.flush()


def serve_until_interrupted(server: TaxiiServer, store: Store) -> int:
    """Serve until Ctrl-C, then close the store; the exit status (0)."""
    settle_heap()
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
    if args.workers is not None:
        return serve_workers.run(args, config, announce_at)
    if args.scenario:
        return serve_exercise.run(args, config, announce, start)
    store = open_or_create(config.db)
    server = start(config, args.host, args.port, store)
    announce(server, config, store, sys.stdout)
    print("  Ctrl-C stops the server.", flush=True)
    return serve_until_interrupted(server, store)
