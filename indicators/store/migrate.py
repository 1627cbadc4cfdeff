"""Schema revisions of the store, versioned with Alembic.

The revisions live in the package (``indicators/store/migrations/versions/``), so an
installed Grapevine carries them. :func:`upgrade` runs when a store is opened: it
brings the schema to the newest revision this code knows, in the same transaction
as it checks which revision the store has, under the write lock ``schema`` (two
processes opening one store at once migrate it once). A store without a revision
(made before migrations were versioned) is brought to revision 1 by creating what
it lacks, then upgraded like any other. A store whose revision this code does not
know was written by a newer Grapevine and is refused, untouched.

A new revision: add ``NNNN_what.py`` beside the others (``down_revision`` the
previous one; ``script.py.mako`` is the template), change ``schema.py`` to match,
and extend ``tests/indicators/test_store_migrations.py``.
"""

from __future__ import annotations

from functools import cache

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from indicators.errors import StoreError
from indicators.store import schema
from indicators.store.engine import write_lock

SCRIPT_LOCATION = "indicators.store:migrations"


def config() -> Config:
    """An Alembic configuration naming the packaged revisions (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


@cache
def scripts() -> ScriptDirectory:
    """The packaged revisions (read once per process)."""
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this code knows."""
    found = scripts().get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    """The revision of the store behind ``engine`` (``None``: not versioned yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(
    engine: Engine, revision: str = "head", where: str = "", read: Engine | None = None
) -> None:
    """Bring the store behind ``engine`` to ``revision`` (default: the newest), in one
    transaction. Raises :class:`StoreError` if the store has a revision this code
    does not know (it is newer). ``read``, an engine that does not take the write lock
    to read, answers first whether there is anything to do (a store already there
    opens without waiting for the write lock)."""
    script = scripts()
    target = head() if revision == "head" else revision
    if read is not None and current(read) == target:
        return
    with engine.begin() as conn:
        write_lock(conn, "schema")
        context = MigrationContext.configure(conn)
        found = context.get_current_revision()
        if found == target:
            return
        if found is not None:
            try:
                script.get_revision(found)
            except CommandError:
                raise StoreError(
                    f"the store at {where or 'this database'} has schema revision {found},"
                    f" which this Grapevine does not know (it knows up to {head()}): it was"
                    " written by a newer Grapevine; open it with that one or a newer one"
                ) from None

        def steps(rev, _context):  # noqa: ANN001 - Alembic's callback
            return script._upgrade_revs(target, rev)

        with EnvironmentContext(config(), script, fn=steps, destination_rev=target) as env:
            env.configure(connection=conn, target_metadata=schema.metadata)
            with env.begin_transaction():
                env.run_migrations()


def downgrade(engine: Engine, revision: str) -> None:
    """Take the store behind ``engine`` back to ``revision`` (for tests of upgrades)."""
    script = scripts()
    with engine.begin() as conn:
        write_lock(conn, "schema")

        def steps(rev, _context):  # noqa: ANN001 - Alembic's callback
            return script._downgrade_revs(revision, rev)

        with EnvironmentContext(config(), script, fn=steps, destination_rev=revision) as env:
            env.configure(connection=conn, target_metadata=schema.metadata)
            with env.begin_transaction():
                env.run_migrations()
