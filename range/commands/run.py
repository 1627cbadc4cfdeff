"""``grapevine run SCENARIO --headless``: a whole exercise played by simulated CERTs.

::

    grapevine run SCENARIO --headless [--speed max|X] [--seed N] --out DIR [--force]

Every team is played by a bot (:mod:`range.bots`) that acts only through the range
API and TAXII over real HTTP: the server runs in-process on ``127.0.0.1`` on a free
port, as ``grapevine serve SCENARIO`` does. As fast as possible (``--speed max``, the
default) the engine runner waits for the bots after every step, so a seed gives the
same log and scoreboard byte for byte. Progress goes to stderr: a bar on a terminal,
a plain line every few seconds otherwise.

``DIR`` receives (see :func:`write_outputs`):

* ``exercise.db``: the store (TAXII objects and the event log);
* ``scoreboard.json``: ``Scoreboard.to_json()`` (written last: its presence marks a
  finished run);
* ``traffic-TEAM.pcapng``: each team's border traffic with labels as packet comments
  (the director's copy, :mod:`range.capture`; dropped frames included, their comment
  naming the rule: ``ee-scan dropped-by=ee-r1 team=ee``);
* ``shared.json``: every indicator and sighting the teams shared, one STIX 2.1 bundle;
* ``report.md``, ``report.html``, ``layer-TEAM.json``: the after-action report.

Running the same command on the same ``DIR`` again resumes an interrupted run (the
engine replays the log) and refuses a finished one unless ``--force``, which starts
afresh.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer
from indicators.tlp import Reader
from range.api.app import create_range_app
from range.api.service import RangeService
from range.bots.runner import BotRunner, create_accounts, make_bots
from range.capture import team_frames
from range.clock import ExerciseClock
from range.commands.scenario import open_scenario
from range.commands.serve import start as start_server
from range.commands.serve_exercise import parse_speed, serving_threads
from range.engine import Exercise
from range.errors import RangeError, UsageError
from range.log import EventLog
from range.report import layer_filename, write_report
from range.report.build import report_data
from range.runner import ExerciseRunner
from range.scoring import score
from scenarios.model import Scenario
from scenarios.pcap import write_pcapng
from scenarios.world import World

DB_NAME = "exercise.db"
SCOREBOARD = "scoreboard.json"
SHARED = "shared.json"
BATCH = 60.0
"""Simulated seconds per step as fast as possible (the runner's default grid)."""
PROGRESS_EVERY = 2.0
"""Wall seconds between progress lines when stderr is not a terminal."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine run`` to the CLI."""
    parser = subparsers.add_parser(
        "run",
        help="run an exercise with every team played by a simulated CERT",
        description="Run SCENARIO to its end with bots playing every team, and write the"
        " store, scoreboard, per-team captures, shared indicators and the after-action"
        " report into DIR. The same command again resumes an interrupted run.",
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="a built-in name or a YAML file")
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no terminal UI: progress on stderr (required for now)",
    )
    parser.add_argument(
        "--speed",
        default="max",
        metavar="max|X",
        help="simulated seconds per real second, or max (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--out", required=True, metavar="DIR", help="where the run's files go")
    parser.add_argument(
        "--force", action="store_true", help="start afresh over a finished run in DIR"
    )
    parser.set_defaults(handler=run)


# --- the output folder ---------------------------------------------------------------


def output_names(dir_: Path) -> list[Path]:
    """Files of a run in ``dir_`` (the store and its SQLite companions included)."""
    fixed = [DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", SCOREBOARD, SHARED]
    fixed += ["report.md", "report.html"]
    out = [dir_ / name for name in fixed]
    out += sorted(dir_.glob("traffic-*.pcapng")) + sorted(dir_.glob("layer-*.json"))
    return out


def prepare_dir(dir_: Path, *, force: bool) -> bool:
    """Create ``dir_`` if needed and check it is writable; with ``force`` remove an
    earlier run's files. True if a finished run is there (and not forced away)."""
    try:
        dir_.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {dir_}: cannot create it: {exc.strerror}") from None
    if not dir_.is_dir():
        raise UsageError(f"--out {dir_}: not a directory")
    probe = dir_ / f".grapevine-write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"--out {dir_}: not writable: {exc.strerror}") from None
    if force:
        for path in output_names(dir_):
            path.unlink(missing_ok=True)
        return False
    return (dir_ / SCOREBOARD).exists() and (dir_ / DB_NAME).exists()


# --- the exercise with its server and bots -------------------------------------------


@dataclass
class Hosted:
    """An exercise with the range server on 127.0.0.1 and bots for some teams."""

    store: Store
    exercise: Exercise
    service: RangeService
    server: TaxiiServer
    bots: BotRunner
    resumed: bool
    speed: float | None

    @property
    def scenario(self) -> Scenario:
        return self.exercise.scenario


def open_exercise(
    scenario: Scenario, store: Store, speed: float | None, *, seed: int | None = None
) -> tuple[Exercise, bool]:
    """A new exercise (clock running from the start), or the store's log resumed."""
    if EventLog(store).last_seq:
        clock = ExerciseClock(scenario.epoch(0), None)
        exercise = Exercise.resume(scenario, store, clock, seed=seed)
        clock.set_speed(speed)
        return exercise, True
    return Exercise(scenario, store, ExerciseClock(scenario.epoch(0), speed), seed=seed), False


@contextlib.contextmanager
def hosted(
    scenario: Scenario,
    db: Path | str,
    speed: float | None,
    bot_teams: list[str],
    *,
    seed: int | None = None,
    config: ServerConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[Hosted]:
    """The exercise in ``db`` (new or resumed) served on ``host:port`` (with ``config``'s
    limits and TLS, as ``grapevine serve`` starts it) with bots for ``bot_teams`` (not
    acting yet); everything stopped and closed on the way out."""
    config = config or ServerConfig(db=str(db))
    store = Store.open(db)
    try:
        exercise, resumed = open_exercise(scenario, store, speed, seed=seed)
        service = RangeService(exercise)
        app = create_range_app(config, store, service)
        threads = serving_threads(config, exercise.scenario)
        server = start_server(config, host, port, store, app=app, threads=threads).start()
        try:
            passwords = create_accounts(store, bot_teams)
            bots = BotRunner(
                make_bots(exercise.scenario, server.url, passwords, api_root=config.api_root)
            )
            try:
                yield Hosted(store, exercise, service, server, bots, resumed, speed)
            finally:
                bots.close()
        finally:
            server.stop()
    finally:
        store.close()


def on_batch_grid(exercise: Exercise, batch: float = BATCH) -> bool:
    """Whether the exercise stands on a step boundary of the as-fast-as-possible grid
    (after its start): where the bots act after a step."""
    k = (exercise.now - exercise.start_time) / batch
    return exercise.now > exercise.start_time and abs(k - round(k)) < 1e-9


def start_runner(h: Hosted) -> ExerciseRunner:
    """Start the exercise (if new) and its runner; bots act after every step as fast as
    possible, on their own thread at a speed factor. A run cut off while the bots were
    acting after a step (the log ends on a step boundary) lets them act there first,
    as the unbroken run did: their memory comes from the log, so what they already
    did is not done twice."""
    if not h.exercise.started:
        h.service.start("director")
    if h.speed is None:
        if h.resumed and not h.exercise.finished and on_batch_grid(h.exercise):
            h.bots.act(h.exercise.now)
        runner = ExerciseRunner(
            h.exercise, lock=h.service.lock, batch=BATCH, after_step=h.bots.act
        ).start()
    else:
        runner = ExerciseRunner(h.exercise, lock=h.service.lock).start()
        h.bots.start(poll=0.5)
    return runner


# --- progress ------------------------------------------------------------------------


def _hms(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Simulated time / duration, events and alerts on ``out``: a bar redrawn in place
    on a terminal, a plain line every :data:`PROGRESS_EVERY` seconds otherwise."""

    def __init__(self, exercise: Exercise, out: TextIO) -> None:
        self.exercise = exercise
        self.out = out
        self.tty = out.isatty()
        self.cursor = 0
        self.alerts = 0
        self._last = -math.inf

    def _read(self) -> None:
        while True:
            events = self.exercise.log.after(self.cursor, limit=5000)
            if not events:
                return
            self.cursor = events[-1].seq
            self.alerts += sum(1 for e in events if e.kind == "alert")  # type: ignore[attr-defined]

    def line(self) -> str:
        ex = self.exercise
        done = ex.now - ex.start_time
        total = ex.end_time - ex.start_time
        return f"{_hms(done)} / {_hms(total)} simulated, {self.cursor} events, {self.alerts} alerts"

    def update(self, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and not self.tty and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        self._read()
        if self.tty:
            ex = self.exercise
            frac = (ex.now - ex.start_time) / max(1e-9, ex.end_time - ex.start_time)
            width = 30
            filled = round(width * min(1.0, frac))
            bar = "#" * filled + "-" * (width - filled)
            self.out.write(f"\r[{bar}] {frac:4.0%} {self.line()}" + ("\n" if final else ""))
        else:
            self.out.write(self.line() + "\n")
        self.out.flush()


# --- outputs -------------------------------------------------------------------------


def shared_bundle(store: Store, api_root: str, scenario: Scenario) -> dict[str, Any]:
    """Every indicator and sighting in the exercise's collections (read as the
    director), with the identities they name, as one STIX 2.1 bundle."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    reader = Reader(is_director=True)
    for info in store.collections(api_root):
        for obj in store.query(api_root, info.id, reader, limit=None).objects():
            if obj.get("type") in ("indicator", "sighting", "identity"):
                objects[obj["id"], str(obj.get("modified", ""))] = obj
    name = f"grapevine/{scenario.title}/{scenario.seed}"
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
        "objects": [objects[k] for k in sorted(objects)],
    }


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_outputs(exercise: Exercise, out: Path, *, captures: bool = True) -> list[Path]:
    """Everything but the store, from the log and the store; ``scoreboard.json`` last.
    ``captures=False`` leaves out the pcapngs (rebuilding the traffic is the slow part)."""
    scenario = exercise.scenario
    events = exercise.log.after(0, limit=None)
    board = score(events, scenario)
    written: list[Path] = []
    world = World.resolve(scenario) if captures else None
    for team in scenario.team_ids() if captures else ():
        name = layer_filename(team).replace("layer-", "traffic-", 1)[: -len(".json")]
        path = out / f"{name}.pcapng"
        write_pcapng(team_frames(scenario, events, team, world=world), path, labels=True)
        written.append(path)
    bundle = shared_bundle(exercise.store, exercise.api_root, scenario)
    _write_text(out / SHARED, json.dumps(bundle, indent=1, sort_keys=True) + "\n")
    written.append(out / SHARED)
    written += write_report(report_data(scenario, events, board.to_dict()), out)
    _write_text(out / SCOREBOARD, board.to_json() + "\n")
    written.append(out / SCOREBOARD)
    return written


# --- the command ---------------------------------------------------------------------


def run(args: argparse.Namespace, err: TextIO | None = None) -> int:
    from range.commands.play import sigterm_as_interrupt

    err = err or sys.stderr
    if not args.headless:
        raise UsageError("grapevine run: the terminal UI is not there yet; pass --headless")
    scenario = open_scenario(args.scenario)
    speed = parse_speed(args.speed)
    out = Path(args.out)
    if prepare_dir(out, force=args.force):
        raise UsageError(
            f"--out {out}: holds a finished run ({out / SCOREBOARD}); "
            "pass --force to start afresh, or choose another --out"
        )
    db = out / DB_NAME
    with sigterm_as_interrupt():
        try:
            with hosted(scenario, db, speed, scenario.team_ids(), seed=args.seed) as h:
                state = "resuming" if h.resumed else "running"
                print(
                    f"{state} {h.scenario.title!r} (seed {h.scenario.seed}) into {out}",
                    file=err,
                    flush=True,
                )
                runner = start_runner(h)
                progress = Progress(h.exercise, err)
                try:
                    while runner.running:
                        runner.join(0.2)
                        progress.update()
                finally:
                    runner.stop()
                    h.bots.stop()
                progress.update(final=True)
                for error in (runner.error, h.bots.error):
                    if error is not None:
                        raise RangeError(f"the exercise stopped: {error}")
                if not h.exercise.finished:
                    raise RangeError("the exercise stopped before its end")
                write_outputs(h.exercise, out)
        except KeyboardInterrupt:
            print(
                f"\ninterrupted: run the same command again to resume from {db}",
                file=err,
                flush=True,
            )
            return 130
    print(f"done: {out}", file=err, flush=True)
    return 0


__all__ = ["hosted", "register", "run", "shared_bundle", "start_runner", "write_outputs"]
