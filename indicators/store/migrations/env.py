"""Alembic's environment for the ``alembic`` command line (Grapevine itself runs the
revisions through :mod:`indicators.store.migrate`, without this file).

With an ini file holding ``[alembic]`` and ``script_location =
indicators.store:migrations``, give the database as ``-x db=URL`` (a SQLAlchemy URL,
or a SQLite file path): ``alembic -c that.ini -x db=grapevine.db history``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from indicators.store import schema
from indicators.store.engine import database_url

url = database_url(context.get_x_argument(as_dictionary=True)["db"])
with create_engine(url).begin() as connection:
    context.configure(connection=connection, target_metadata=schema.metadata)
    with context.begin_transaction():
        context.run_migrations()
