"""``grapevine users``: the accounts of the TAXII server.

::

    grapevine users add NAME --role team|director|partner [--team T] --password-stdin
    grapevine users list
    grapevine users remove NAME
    grapevine users passwd NAME --password-stdin

Passwords are read from one line of standard input (or prompted for on a terminal)
and stored as argon2 hashes. Adding the first user of a team creates the team, the
STIX identity it publishes as, and its collection in the API root.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from indicators.taxii.config import DEFAULT_API_ROOT, DEFAULT_DB, ServerConfig
from indicators.users import PasswordPolicy, Role, User, check_user
from range.commands.stores import open_existing, open_or_create
from range.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine users …`` to the CLI."""
    users = subparsers.add_parser(
        "users", help="manage TAXII server users", description="Manage TAXII server users."
    )
    actions = users.add_subparsers(dest="users_action", metavar="ACTION")
    actions.required = True

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db", default=DEFAULT_DB, metavar="PATH", help="store file (default: %(default)s)"
        )

    add = actions.add_parser("add", help="add a user", description="Add a user.")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--team", metavar="TEAM", help="the user's team (role team only)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument(
        "--api-root",
        default=DEFAULT_API_ROOT,
        metavar="NAME",
        help="API root that holds the team's collection (default: %(default)s)",
    )
    common(add)
    add.set_defaults(handler=run_add)

    lst = actions.add_parser("list", help="list users", description="List users.")
    common(lst)
    lst.set_defaults(handler=run_list)

    rm = actions.add_parser("remove", help="remove a user", description="Remove a user.")
    rm.add_argument("name", metavar="NAME")
    common(rm)
    rm.set_defaults(handler=run_remove)

    pw = actions.add_parser(
        "passwd", help="change a user's password", description="Change a user's password."
    )
    pw.add_argument("name", metavar="NAME")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    common(pw)
    pw.set_defaults(handler=run_passwd)


def read_password(from_stdin: bool) -> str:
    """One line of stdin, or a prompt (twice) on a terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input had no password line")
        return password
    if not sys.stdin.isatty():
        raise UsageError("give the password with --password-stdin (stdin is not a terminal)")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise UsageError("the two passwords differ")
    return first


def run_add(args: argparse.Namespace) -> int:
    user = check_user(args.name, args.role, args.team)
    password_hash = PasswordPolicy().hash(read_password(args.password_stdin))
    with open_or_create(args.db) as store:
        if store.user(user.name) is not None:
            raise UsageError(f"user {user.name!r} already exists; use 'grapevine users passwd'")
        if user.team:
            defaults = ServerConfig()
            store.ensure_api_root(args.api_root, defaults.title, description=defaults.description)
            collection = store.provision_team(user.team, args.api_root)
        store.add_user(user, password_hash)
        print(f"added {_describe(user)}")
        if user.team:
            identity = store.teams()[user.team]
            print(f"  team {user.team} publishes as {identity}")
            print(f"  writes collection {collection.id} in API root {args.api_root}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        users = store.users()
        if not users:
            print("no users")
        for user in users:
            print(_describe(user))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        store.remove_user(args.name)
    print(f"removed user {args.name}")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    with open_existing(args.db) as store:
        password_hash = PasswordPolicy().hash(read_password(args.password_stdin))
        store.set_password_hash(args.name, password_hash)
    print(f"changed the password of user {args.name}")
    return 0


def _describe(user: User) -> str:
    return f"{user.name}\t{user.role.value}" + (f"\t{user.team}" if user.team else "")
