"""``grapevine play``: one player, one machine.

For now it starts the TAXII server on an embedded SQLite store, creates the
player's team account with a fresh random password, and prints how to reach it and
a complete example that publishes an indicator; later it grows into the whole
exercise with every other CERT simulated.

Without ``--db`` the store lives in a temporary directory that is removed when the
server stops, on Ctrl-C (SIGINT) and on SIGTERM alike. With ``--db`` the store must
exist (``grapevine serve`` or ``grapevine users add`` create one), and its ``player``
user, if any, must already play the chosen team: the command refuses to move it.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import signal
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer
from indicators.tlp import TLP2_MARKING_IDS, Tlp
from indicators.users import PasswordPolicy, Role, User
from range.commands.serve import (
    add_server_arguments,
    announce,
    config_from,
    serve_until_interrupted,
    start,
)
from range.commands.stores import store_exists
from range.errors import UsageError

DEFAULT_TEAM = "cert-player"
PLAYER = "player"
EXAMPLE_TLP = Tlp.GREEN


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine play`` to the CLI."""
    parser = subparsers.add_parser(
        "play",
        help="play one CERT on this machine",
        description="Start a local exercise: for now, the TAXII server and your team account.",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="an existing store file (default: a new one in a temporary directory)",
    )
    parser.add_argument(
        "--team", default=DEFAULT_TEAM, help="the team you play (default: %(default)s)"
    )
    add_server_arguments(parser, port=0)
    parser.set_defaults(handler=run)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt as Ctrl-C does, so ``finally``
    clauses and context managers (the temporary store) clean up; restored afterwards.
    Only the main thread may set signal handlers; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_player(store: Store, db: str, team: str) -> bool:
    """True if the store already has the ``player`` user, playing ``team``; False if it
    has none; a :class:`UsageError` naming its team if it plays another one."""
    found = store.user(PLAYER)
    if found is None:
        return False
    user = found[0]
    if user.role is not Role.TEAM or user.team != team:
        plays = f"plays team {user.team}" if user.team else f"is a {user.role.value}"
        hint = f"run with --team {user.team}" if user.team else "use another store"
        raise UsageError(
            f"--team {team}: user {PLAYER!r} in {db} {plays}; it is not moved to {team} "
            f"({hint}, or leave out --db for a new store)"
        )
    return True


def publish_example(collection_url: str, password: str, identity: str) -> str:
    """Python that publishes one TLP-marked indicator to the player's collection with
    taxii2-client (runnable as printed). stix2 ships no TLP 2.0 markings, so the
    marking is referred to by its OASIS id."""
    marking = TLP2_MARKING_IDS[EXAMPLE_TLP]
    return textwrap.dedent(
        f"""\
        import uuid
        from datetime import datetime, timezone
        from taxii2client.v21 import Collection

        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        indicator = {{
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{{uuid.uuid4()}}",
            "created": now,
            "modified": now,
            "valid_from": now,
            "created_by_ref": "{identity}",
            "name": "SSH scanner",
            "pattern_type": "stix",
            "pattern": "[ipv4-addr:value = '203.0.113.7']",
            "object_marking_refs": ["{marking}"],  # {EXAMPLE_TLP.label} (TLP 2.0)
        }}
        collection = Collection("{collection_url}", user="{PLAYER}", password="{password}")
        status = collection.add_objects({{"objects": [indicator]}})
        print(status.status, status.success_count, "published", indicator["id"])
        """
    )


def run(args: argparse.Namespace) -> int:
    if args.db is not None and not store_exists(args.db):
        raise UsageError(
            f"no store there: {args.db} (leave out --db to play on a new temporary store)"
        )
    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="grapevine-play-") as tmp:
        db = args.db or str(Path(tmp) / "grapevine.db")
        config = config_from(args, db)
        store = Store.open(db)
        try:
            known = check_player(store, db, args.team)
            server = start(config, args.host, args.port, store)
        except BaseException:
            store.close()
            raise
        try:
            return _play(server, config, store, args.team, known)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM before serving began: stop as well
            return 0
        finally:
            store.close()


def _play(server: TaxiiServer, config: ServerConfig, store: Store, team: str, known: bool) -> int:
    password = secrets.token_urlsafe(12)
    collection = store.provision_team(team, config.api_root)
    password_hash = PasswordPolicy().hash(password)
    if known:
        store.set_password_hash(PLAYER, password_hash)
    else:
        store.add_user(User(PLAYER, Role.TEAM, team), password_hash)
    identity = store.teams()[team]
    announce(server, config, store, sys.stdout)
    base = config.public_url.rstrip("/") + "/" if config.public_url else server.url
    collection_url = f"{base}{config.api_root}/collections/{collection.id}/"
    example = textwrap.indent(publish_example(collection_url, password, identity), "    ")
    print(
        f"  you play team {team}: user {PLAYER}, password {password}\n"
        f"  your team publishes as {identity}\n"
        f"  your collection: {collection_url}\n"
        f"  publish an indicator ({EXAMPLE_TLP.label}) from Python with taxii2-client:\n"
        f"{example}"
        "  Ctrl-C stops the server.",
        flush=True,
    )
    return serve_until_interrupted(server, store)
