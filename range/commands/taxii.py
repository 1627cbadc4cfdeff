"""``grapevine taxii``: TAXII server data. ``taxii import`` moves a medallion server over;
``taxii collections`` lists what a store holds.

::

    grapevine taxii collections --db grapevine.db
    grapevine taxii import medallion_data.json --db grapevine.db
    grapevine taxii import medallion_data.json --db grapevine.db --dry-run
    grapevine taxii import data.json --db grapevine.db --owner high-value=cert-de \\
        --owner partners/3c1e...=cert-fr --default-tlp green

The file is a medallion memory-backend data file (the JSON its ``MemoryBackend``
loads). What is imported and how permissions and TLP map is described in
:mod:`indicators.medallion_store`; the command prints one line per API root and
collection, then any warnings. Everything is checked first; the write is then one
transaction, so a failure at any point (disk full, a concurrent writer) leaves the
store exactly as it was. ``--dry-run`` checks everything against the store and prints
the same account without writing.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from indicators.errors import GrapevineError
from indicators.export.sources import StoreCollections
from indicators.medallion_import import read_medallion_file
from indicators.medallion_store import import_medallion_data
from indicators.store import Store
from indicators.tlp import DEFAULT_LEVEL, Tlp
from range.commands.stores import announce_created, open_existing, store_exists
from range.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine taxii …`` to the CLI."""
    taxii = subparsers.add_parser(
        "taxii",
        help="TAXII server data: list collections, import from medallion",
        description="TAXII server data.",
    )
    actions = taxii.add_subparsers(dest="taxii_action", metavar="ACTION")
    actions.required = True
    imp = actions.add_parser(
        "import",
        help="import a medallion memory-backend data file into the store",
        description=(
            "Import a medallion memory-backend data file: API roots, collections with "
            "their can_read/can_write, every object version with its date_added, and "
            "statuses. All or nothing: everything is checked first, then written in one "
            "transaction."
        ),
    )
    imp.add_argument("file", metavar="FILE", help="the medallion data file (JSON)")
    imp.add_argument("--db", required=True, metavar="PATH", help="the Grapevine store")
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="check everything and print what would be imported; write nothing",
    )
    imp.add_argument(
        "--owner",
        action="append",
        default=[],
        metavar="COLLECTION=TEAM",
        help=(
            "team that owns (may write) an imported collection, by id or alias, "
            "optionally API-ROOT/COLLECTION; repeatable. Without it only the director writes"
        ),
    )
    imp.add_argument(
        "--default-tlp",
        default=DEFAULT_LEVEL.name.lower(),
        metavar="LEVEL",
        help="TLP level of unmarked objects in the imported collections (default: %(default)s)",
    )
    imp.set_defaults(handler=run_import)

    col = actions.add_parser(
        "collections",
        help="list the API roots and collections of a store",
        description="List every API root and collection of a store: id, alias, owner team "
        "(who writes it besides the director), default TLP and title.",
    )
    col.add_argument("--db", required=True, metavar="PATH", help="the Grapevine store")
    col.set_defaults(handler=run_collections)


def parse_owner_options(values: list[str]) -> dict[str, str]:
    """``["COLLECTION=TEAM", …]`` -> ``{COLLECTION: TEAM}``; bad syntax is a usage error."""
    owners: dict[str, str] = {}
    for value in values:
        collection, sep, team = value.partition("=")
        if not sep or not collection.strip() or not team.strip():
            raise UsageError(f"--owner {value!r}: expected COLLECTION=TEAM")
        if collection.strip() in owners:
            raise UsageError(f"--owner {value!r}: collection {collection!r} given twice")
        owners[collection.strip()] = team.strip()
    return owners


def _tlp(value: str) -> Tlp:
    try:
        return Tlp.from_name(value)
    except (ValueError, KeyError):
        levels = ", ".join(level.name.lower().replace("_", "+") for level in Tlp)
        raise UsageError(f"--default-tlp {value!r}: expected one of {levels}") from None


def run_collections(args: argparse.Namespace) -> int:
    """The handler of ``grapevine taxii collections``: one tab-separated line each."""
    with open_existing(args.db) as store:
        lines = StoreCollections.of(store).lines()
    if not lines:
        print(f"no API roots in {args.db}")
    for line in lines:
        print(line)
    return 0


def run_import(args: argparse.Namespace) -> int:
    """The handler of ``grapevine taxii import``."""
    owners = parse_owner_options(args.owner)
    default_tlp = _tlp(args.default_tlp)
    data = read_medallion_file(args.file)
    if args.dry_run and not store_exists(args.db):
        # plan against an empty store, and leave no file behind where --db points
        with (
            tempfile.TemporaryDirectory() as scratch,
            Store.open(Path(scratch) / "plan.db") as store,
        ):
            report = import_medallion_data(
                data, store, owners, default_tlp=default_tlp, dry_run=True
            )
        print(f"would create a new store at {args.db}")
    else:
        created = not store_exists(args.db)
        try:
            with Store.open(args.db) as store:
                report = import_medallion_data(
                    data, store, owners, default_tlp=default_tlp, dry_run=args.dry_run
                )
        except GrapevineError:
            if created:  # a refused import into a new store leaves no store behind
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{args.db}{suffix}").unlink(missing_ok=True)
            raise
        if created:
            announce_created(args.db)
    for line in report.lines():
        print(line)
    return 0
