"""A real PostgreSQL server of the test run's own: ``initdb`` and ``pg_ctl`` under a
temporary directory, listening on a free port on 127.0.0.1, stopped at the end.

Debian installs the server binaries under ``/usr/lib/postgresql/VERSION/bin``, off
``PATH``; they are looked for there and on ``PATH`` (the Makefile's ``deps`` installs
the ``postgresql`` package). PostgreSQL refuses to run as root, so under root (CI)
the cluster belongs to the ``postgres`` user the Debian package creates and every
server command runs through ``runuser``.

Each test gets a database of its own (``CREATE DATABASE``), so tests never see each
other's rows: by default a copy of a template the store's schema revisions were run
on once (opening it then only checks the revision, as opening any store does), or
an empty one (``migrated=False``) for the tests of the revisions themselves. With
pytest-xdist every worker starts its own server (the fixture is session-scoped, and
a session is a worker).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy import create_engine

from indicators.store.engine import database_url
from indicators.store.migrate import upgrade

TEMPLATE = "grapevine_template"
SUPERUSER = "grapevine"
SERVER_USER = "postgres"
"""Who owns and runs the cluster when the tests run as root."""


class PostgresUnavailableError(RuntimeError):
    """The server binaries are not installed, or the server did not start."""


def find_bin_dir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [
        Path(p)
        for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    ]
    for directory in candidates:
        if all((directory / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return directory
    raise PostgresUnavailableError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH nor under"
        " /usr/lib/postgresql/*/bin; install Debian's postgresql package (make deps)"
    )


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One cluster: :meth:`start`, :meth:`create_database` per test, :meth:`stop`.

    The tests' cluster skips flushing to disk (``fsync=off``: they kill clients, never
    the server); ``durable=True`` keeps PostgreSQL's defaults, for benchmarks of writes.
    """

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self.bin_dir = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="grapevine-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self._migrated = False

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.root
        )
        if done.returncode != 0:
            raise PostgresUnavailableError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return done

    def start(self) -> PostgresServer:
        """initdb and start the server; returns self once it accepts connections."""
        self.data.mkdir()
        if self._as_root:
            shutil.chown(self.root, SERVER_USER)
            shutil.chown(self.data, SERVER_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        for attempt in range(5):
            self.port = _free_port()
            fast = ["-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off"]
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-c port={self.port}",
                    f"-c unix_socket_directories={self.data}",
                    "-c max_connections=300",
                    *([] if self.durable else fast),
                ]
            )
            try:
                self._run(
                    "pg_ctl",
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.data / "server.log"),
                    "-o",
                    options,
                )
                break
            except PostgresUnavailableError:
                if attempt == 4:  # the port was taken between the probe and the bind
                    raise
        return self

    @property
    def admin_url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, migrated: bool = True) -> str:
        """A new database, at the newest schema revision or empty; returns its URL."""
        template = self._template() if migrated else "template1"
        name = f"t_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def _template(self) -> str:
        """The template database with the store's schema, made on first use."""
        if not self._migrated:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
            engine = create_engine(database_url(self.url(TEMPLATE)))
            try:
                upgrade(engine)
            finally:
                engine.dispose()  # a template must have no connection when it is copied
            self._migrated = True
        return TEMPLATE

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its files."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data))
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
