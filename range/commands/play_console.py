"""``grapevine play`` with the team console: the exercise in a child process.

The range server, the engine's runner and the simulated CERTs run in a child
process (:func:`serve_player`, started with ``spawn``); the console runs in this
one, in the foreground, and reaches the range over HTTP like any console. Kept
apart, the engine and the server (busy Python threads at a high speed) do not
compete with the console for this interpreter's lock, so the screen keeps its frame
rate (``tests/bench/bench_console.py`` measures both ways).

The two talk over a pipe:

* child -> parent ``("ready", url, password, resumed)`` once the server is up, the
  player's account made and the exercise running (the child has printed where the
  range is and the account, as the headless mode does); from then on the child's
  standard output and error go to ``play.log`` in the run directory, so nothing it
  says (a bot's warning) lands on the console's screen;
* parent -> child ``"stop"`` when the player quits the console (or on Ctrl-C before
  it opens, or SIGTERM); the end of the pipe (this process gone) means the same;
* child -> parent ``("done", errors)`` once the runner and the bots are stopped and
  the report is written, or ``("error", message)`` if the range could not start.

The child ignores SIGINT: Ctrl-C at the terminal reaches the whole process group,
and stopping is this process's call.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from indicators.errors import GrapevineError
from indicators.taxii import ServerConfig
from range.commands.play import (
    CONSOLE,
    PLAYER,
    announce_player,
    player_account,
    print_report_path,
    report_errors,
)
from range.commands.run import hosted, start_runner, write_outputs
from range.commands.scenario import open_scenario
from range.errors import RangeError, UsageError

LOG_NAME = "play.log"
"""The child's standard output and error while the console runs, in the run directory."""
STOP_WAIT = 120.0
"""Longest wait, in seconds, for the child to stop and write the report."""


@dataclass(frozen=True)
class PlayerRange:
    """What the child needs to serve the player's exercise (sent to it pickled)."""

    scenario: str
    """A built-in name or a YAML path, opened again in the child."""
    db: str
    """The store: a file path or a database URL."""
    out: Path
    speed: float | None
    bots: list[str]
    team: str
    known: bool
    """Whether the store already has the ``player`` user."""
    config: ServerConfig


def play_in_console(spec: PlayerRange, *, host: str, port: int) -> int:
    """Start the range in a child process, run the console until the player quits,
    then have the child stop and write the report; the exit status."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(
        target=serve_player, args=(spec, host, port, theirs), name="grapevine-exercise"
    )
    child.start()
    theirs.close()
    try:
        url, password, resumed = _ready(ours, child)
        console = importlib.import_module(CONSOLE)
        console.run(
            url, PLAYER, password, api_root=spec.config.api_root, briefing_first=not resumed
        )
        print(
            "console closed: stopping the exercise, writing the after-action report ...",
            flush=True,
        )
    except KeyboardInterrupt:
        print("stopping ...", flush=True)
    finally:
        errors = _stop(ours, child)
    report_errors(errors)
    if (spec.out / "report.html").exists():
        print_report_path(spec.out)
    else:
        print(f"no report written: see {spec.out / LOG_NAME}", file=sys.stderr)
    return 0 if not errors else 1


def _ready(conn: Connection, child: multiprocessing.process.BaseProcess) -> tuple[str, str, bool]:
    try:
        message = conn.recv()
    except EOFError:
        child.join()
        status = child.exitcode
        raise RangeError(f"the exercise process ended at start (exit status {status})") from None
    if message[0] == "error":
        child.join()
        raise UsageError(message[1]) if message[2] == "usage" else RangeError(message[1])
    _, url, password, resumed = message
    return url, password, resumed


def _stop(conn: Connection, child: multiprocessing.process.BaseProcess) -> list[str]:
    """Tell the child to stop and wait for its report; the errors it names."""
    errors: list[str] = []
    try:
        conn.send("stop")
        if conn.poll(STOP_WAIT):
            message = conn.recv()
            if message[0] == "done":
                errors = list(message[1])
            elif message[0] == "error":
                errors = [message[1]]
    except (BrokenPipeError, EOFError, ConnectionResetError):
        pass
    child.join(10)
    if child.is_alive():
        child.terminate()
        child.join()
        errors.append("the exercise process did not stop in time")
    if child.exitcode not in (0, None) and not errors:
        errors.append(f"the exercise process ended with status {child.exitcode}")
    return errors


def serve_player(spec: PlayerRange, host: str, port: int, conn: Connection) -> None:
    """The child: serve the exercise with its bots until told to stop (or the parent
    is gone), then write the report (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        scenario = open_scenario(spec.scenario)
        with hosted(
            scenario, spec.db, spec.speed, spec.bots, config=spec.config, host=host, port=port
        ) as h:
            password = player_account(h, spec.team, spec.known)
            announce_player(h, spec.config, spec.team, password, spec.bots, console=True)
            runner = start_runner(h)
            try:
                conn.send(("ready", h.server.url, password, h.resumed))
                _output_to(spec.out / LOG_NAME)
                with contextlib.suppress(EOFError):  # EOF: the parent is gone, stop as well
                    conn.recv()  # "stop"
            finally:
                runner.stop()
                h.bots.stop()
            errors = [str(e) for e in (runner.error, h.bots.error) if e is not None]
            write_outputs(h.exercise, spec.out, captures=False)
    except UsageError as exc:
        conn.send(("error", str(exc), "usage"))
        return
    except GrapevineError as exc:  # the store, the server (a port in use), the scenario
        conn.send(("error", str(exc), "other"))
        return
    with contextlib.suppress(BrokenPipeError):
        conn.send(("done", errors))


def _output_to(path: Path) -> None:
    """Send this process's standard output and error (file descriptors 1 and 2) to
    ``path``, appended."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
