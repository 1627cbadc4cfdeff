"""``grapevine serve --workers N``: TAXII and the range API in N gunicorn worker processes.

::

    grapevine serve --db postgresql://USER@HOST/DB --workers 4 [server flags]
    grapevine serve SCENARIO --db postgresql://USER@HOST/DB --workers 4 [exercise flags]

Without ``--workers`` the server is one process (waitress, :mod:`range.commands.serve`).
With it, the public port is served by N gunicorn workers
(:class:`~indicators.taxii.workers.WorkerServer`), each with an app of its own built
after the fork, all on one store:

* **PostgreSQL for N > 1.** A SQLite file lets one process write at a time and its
  writers would queue on file locks across the workers; ``--workers`` above 1 with a
  SQLite store is refused with a message naming PostgreSQL. ``--workers 1`` is
  allowed on SQLite (the engine's process and the worker then share the file in WAL
  mode, each write a transaction). On PostgreSQL the store serializes TAXII writers
  per API root with an advisory lock, so concurrent POSTs through different workers
  lose nothing and ``date_added`` (the keyset of paging) grows in commit order.
* **TAXII only** (no SCENARIO): this process checks the store (migrating it, creating
  the API root once, so the workers do not race to), closes it, and becomes the
  gunicorn arbiter; each worker serves TAXII from the store.
* **With SCENARIO**, the exercise engine is the single writer of the event log, so it
  stays in one process, this one: the engine, its runner, the bots and the range API
  over them (:func:`range.api.app.create_range_app`, waitress) listen on a private
  port on 127.0.0.1, exactly as ``grapevine serve SCENARIO`` would serve alone. The
  gunicorn arbiter runs in a child process (started with ``spawn``: a fork of a process
  with running threads and open database pools is unsafe), and its workers serve TAXII
  straight from the store and forward every ``/api/...`` request to the engine
  (:mod:`range.api.forward`), long-polls and event streams included. The engine's
  in-process wake-up of long-polls (``EventLog.wait``) therefore works unchanged: no
  worker reads the log itself. Credentials are checked in the worker and again in the
  engine, which enforces roles, teams and TLP as always.

Ctrl-C (or SIGTERM to this process) stops the workers (they get a few seconds to
finish their requests), then the runner and the bots, then the engine's server, and
closes the store. If the workers stop by themselves (their port was taken, a worker
could not open the store), everything stops and the exit status is 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TextIO

from indicators.store import Store
from indicators.store.engine import shown
from indicators.taxii import ServerConfig, TaxiiServer, create_app
from indicators.taxii.config import ConnectionLimits
from indicators.taxii.serving import settle_heap
from indicators.taxii.workers import GRACEFUL_TIMEOUT, WorkerOptions, WorkerServer
from range.api.app import create_range_app
from range.api.forward import create_worker_app
from range.api.service import RangeService
from range.bots.runner import BotRunner, create_accounts, make_bots
from range.commands import serve_exercise
from range.commands.scenario import open_scenario
from range.commands.stores import is_url, open_or_create
from range.errors import UsageError
from range.runner import ExerciseRunner

READY_TIMEOUT = 60.0
"""Seconds the workers' arbiter has to bind its port."""

ORPHAN_CHECK = 1.0
"""Seconds between the arbiter's looks at whether the engine's process still lives."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--workers`` flag of ``grapevine serve``."""
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="serve with N gunicorn worker processes (more than 1 needs a PostgreSQL"
        " --db); default: one process (waitress)",
    )


def check(workers: int, db: str) -> None:
    """Refuse a worker count that cannot work on ``db`` (see the module docstring)."""
    if workers < 1:
        raise UsageError(f"--workers {workers}: give at least 1")
    if workers > 1 and not (is_url(db) and db.split(":", 1)[0].startswith("postgresql")):
        raise UsageError(
            f"--workers {workers} needs a PostgreSQL store (--db postgresql://USER@HOST/DB):"
            f" {shown(db)} is a SQLite file, which one process writes at a time;"
            " serve it without --workers (or with --workers 1)"
        )


def options_for(args: argparse.Namespace, config: ServerConfig, threads: int) -> WorkerOptions:
    """Where and how the workers serve, from the flags of ``grapevine serve``."""
    return WorkerOptions(
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=threads,
        limits=config.connections,
        cert=config.cert,
        key=config.key,
    )


Announce = Callable[[str, ServerConfig, bool, TextIO], None]
"""``grapevine serve``'s announcement: (base URL, config, whether the store has users, out)."""


def run(
    args: argparse.Namespace, config: ServerConfig, announce: Announce, out: TextIO = sys.stdout
) -> int:
    """Serve with ``args.workers`` processes until interrupted; the exit status.
    ``announce`` prints where TAXII is (and how to add users)."""
    check(args.workers, config.db)
    if args.workers > 1:  # one back-off for all the workers, not an allowance each
        config = dataclasses.replace(config, logins=dataclasses.replace(config.logins, shared=True))
    if args.scenario:
        return _run_exercise(args, config, announce, out)
    return _run_taxii(args, config, announce, out)


# -- TAXII only -----------------------------------------------------------------------


def _run_taxii(
    args: argparse.Namespace, config: ServerConfig, announce: Announce, out: TextIO
) -> int:
    store = open_or_create(config.db, out)
    try:
        _ensure_api_root(store, config)
        has_users = bool(store.users())
    finally:
        store.close()  # the arbiter forks the workers: no connection may cross the fork

    def ready(url: str) -> None:
        announce(url, config, has_users, out)
        print(f"  {args.workers} worker processes", file=out)
        print("  Ctrl-C stops the server.", file=out, flush=True)

    factory = functools.partial(create_app, config)
    WorkerServer(factory, options_for(args, config, config.threads), on_ready=ready).run()
    return 0  # not reached: the arbiter exits the process


def _ensure_api_root(store: Store, config: ServerConfig) -> None:
    store.ensure_api_root(
        config.api_root,
        config.title,
        description=config.description,
        max_content_length=config.max_content_length,
    )


# -- with an exercise -----------------------------------------------------------------


def engine_config(config: ServerConfig, workers: int) -> ServerConfig:
    """The settings of the engine's private server: plain HTTP on loopback, every
    connection from the workers' one address, and room for the first password check
    of as many users as the workers check at once."""
    limits = config.connections
    many = max(limits.connection_limit, 1000)
    return dataclasses.replace(
        config,
        cert=None,
        key=None,
        connections=ConnectionLimits(
            connection_limit=many,
            per_address=many,
            header_timeout=limits.header_timeout,
            idle_timeout=limits.idle_timeout,
        ),
        logins=dataclasses.replace(
            config.logins, concurrent_checks=config.logins.concurrent_checks * workers
        ),
    )


def _run_exercise(
    args: argparse.Namespace, config: ServerConfig, announce: Announce, out: TextIO
) -> int:
    scenario = open_scenario(args.scenario)
    speed = serve_exercise.parse_speed(args.speed)
    bots = serve_exercise.parse_bots(args.bots, scenario)
    threads = serve_exercise.serving_threads(config, scenario)
    store = open_or_create(config.db, out)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops as Ctrl-C does
    engine_server: TaxiiServer | None = None
    runner: ExerciseRunner | None = None
    simulated: BotRunner | None = None
    arbiter: multiprocessing.process.BaseProcess | None = None
    try:
        exercise = serve_exercise.open_exercise(scenario, store, speed, config.api_root)
        service = RangeService(exercise)
        private = engine_config(config, args.workers)
        engine_server = TaxiiServer(
            create_range_app(private, store, service),
            host="127.0.0.1",
            port=0,
            threads=args.workers * threads,
            max_request_body_size=config.max_content_length,
            limits=private.connections,
        ).start()
        passwords = create_accounts(store, bots)
        simulated = BotRunner(
            make_bots(scenario, engine_server.url, passwords, api_root=config.api_root)
        )
        hook = simulated.act if bots and speed is None else None
        runner = ExerciseRunner(exercise, lock=service.lock, after_step=hook).start()
        if bots and hook is None:
            simulated.start()
        options = options_for(args, config, threads)
        arbiter, url = _start_arbiter(config, options, engine_server.url)
        if url is None:
            print("error: the worker processes did not start (see above)", file=sys.stderr)
            return 1
        announce(url, config, bool(store.users()), out)
        serve_exercise.announce_at(exercise, bots, url, out)
        print(f"  {args.workers} worker processes; the engine on {engine_server.url}", file=out)
        print("  Ctrl-C stops the exercise and the server.", file=out, flush=True)
        settle_heap()  # the engine's process, as grapevine serve SCENARIO does
        try:
            status = _wait(arbiter)
        except KeyboardInterrupt:
            status = 0
        for error in (runner.error, simulated.error):
            if error is not None:
                print(f"error: the exercise stopped: {error}", file=sys.stderr)
                status = 1
        return status
    finally:
        if arbiter is not None:
            _stop_arbiter(arbiter)
        if runner is not None:
            runner.stop()
        if simulated is not None:
            simulated.close()
        if engine_server is not None:
            engine_server.stop()
        store.close()
        signal.signal(signal.SIGTERM, previous)


def _start_arbiter(
    config: ServerConfig, options: WorkerOptions, engine_url: str
) -> tuple[multiprocessing.process.BaseProcess, str | None]:
    """Start the gunicorn arbiter in a child process; it and the workers' base URL
    once bound (``None`` if the child ended or did not bind in time)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    arbiter = context.Process(
        target=serve_forwarding_workers,
        args=(config, options, engine_url, sender),
        name="grapevine-workers",
    )
    arbiter.start()
    sender.close()
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        while arbiter.is_alive() and time.monotonic() < deadline:
            if receiver.poll(0.2):
                return arbiter, receiver.recv()
        return arbiter, None
    except EOFError:
        return arbiter, None
    finally:
        receiver.close()


def serve_forwarding_workers(
    config: ServerConfig, options: WorkerOptions, engine_url: str, ready: Connection
) -> None:
    """The arbiter's process: workers serving TAXII from the store and forwarding the
    range API to ``engine_url``; ``ready`` gets the bound base URL."""
    factory = functools.partial(create_worker_app, config, engine_url)

    def announce(url: str) -> None:
        ready.send(url)
        ready.close()

    parent = os.getppid()
    threading.Thread(target=_stop_when_orphaned, args=(parent,), daemon=True).start()
    WorkerServer(factory, options, on_ready=announce).run()


def _stop_when_orphaned(parent: int) -> None:
    """In the arbiter: stop gracefully if the engine's process is gone without
    stopping us (killed), rather than forward to nobody."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK)
    os.kill(os.getpid(), signal.SIGTERM)


def _wait(arbiter: multiprocessing.process.BaseProcess) -> int:
    """Until the workers' arbiter ends by itself (1); Ctrl-C or SIGTERM raise
    :class:`KeyboardInterrupt`."""
    while arbiter.is_alive():
        arbiter.join(0.5)
    print(f"error: the worker processes stopped (exit status {arbiter.exitcode})", file=sys.stderr)
    return 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_arbiter(arbiter: multiprocessing.process.BaseProcess) -> None:
    """SIGTERM: gunicorn's graceful stop; killed if it takes too long."""
    if arbiter.is_alive():
        arbiter.terminate()
        arbiter.join(GRACEFUL_TIMEOUT + 10)
    if arbiter.is_alive():
        arbiter.kill()
        arbiter.join(5)
