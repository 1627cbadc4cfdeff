"""``grapevine play``: one player, one machine.

For now it starts the TAXII server on an embedded SQLite store, creates the
player's team account with a fresh random password, and prints how to reach it;
later it grows into the whole exercise with every other CERT simulated.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

from indicators.store import Store
from indicators.users import PasswordPolicy, Role, User
from range.commands.serve import (
    add_server_arguments,
    announce,
    config_from,
    serve_until_interrupted,
    start,
)

DEFAULT_TEAM = "cert-player"
PLAYER = "player"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine play`` to the CLI."""
    parser = subparsers.add_parser(
        "play",
        help="play one CERT on this machine",
        description="Start a local exercise: for now, the TAXII server and your team account.",
    )
    parser.add_argument(
        "--db", metavar="PATH", help="store file (default: a new one in a temporary directory)"
    )
    parser.add_argument(
        "--team", default=DEFAULT_TEAM, help="the team you play (default: %(default)s)"
    )
    add_server_arguments(parser, port=0)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="grapevine-play-") as tmp:
        db = args.db or str(Path(tmp) / "grapevine.db")
        config = config_from(args, db)
        store = Store.open(db)
        server = start(config, args.host, args.port, store)
        password = secrets.token_urlsafe(12)
        name = PLAYER
        if store.user(name) is None:
            store.provision_team(args.team, config.api_root)
            store.add_user(User(name, Role.TEAM, args.team), PasswordPolicy().hash(password))
        else:
            store.set_password_hash(name, PasswordPolicy().hash(password))
        announce(server, config, store, sys.stdout)
        collection = store.team_collection(config.api_root, args.team)
        print(
            f"  you play team {args.team}: user {name}, password {password}\n"
            f"  your collection: {server.url}{config.api_root}/collections/"
            f"{collection.id if collection else '?'}/\n"
            "  from Python:\n"
            "    from taxii2client.v21 import Server\n"
            f"    Server('{server.url}taxii2/', user='{name}', password='{password}')\n"
            "  Ctrl-C stops the server.",
            flush=True,
        )
        return serve_until_interrupted(server, store)
