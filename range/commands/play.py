"""``grapevine play [SCENARIO]``: one player, one machine, a whole exercise.

::

    grapevine play [SCENARIO] [--team T] [--speed X|max] [--out DIR] [--db PATH]

The exercise (default :data:`DEFAULT_SCENARIO`, the built-in ransomware campaign:
four CERTs, so the player sees indicators shared by the others and their sharing
counts) runs at once at ``--speed`` (default :data:`DEFAULT_SPEED`: the campaign's
1h40m in ten minutes) with the range API and TAXII on 127.0.0.1. The player's CERT
(``--team``, default the scenario's first team) is a human account, ``player``, with
a fresh random password that is printed together with a complete example that
publishes an indicator; every other team is a simulated CERT (:mod:`range.bots`).

On a terminal the team console (:mod:`tui.play`, loaded by name when the command
runs: ``range`` does not import ``tui``) opens for the player's account, on the
briefing for a new run, while the range runs in a child process
(:mod:`range.commands.play_console`). Quitting it (``q``, ``ctrl+q``, ``ctrl+c``; SIGTERM too) stops
the runner, the bots and the server, then writes the after-action report, the
scoreboard and the shared indicators (:func:`range.commands.run.write_outputs`,
without the per-team captures, which take a while to rebuild: ``grapevine run``
writes those) into the run directory and prints the report's path. The exercise's
end leaves the console open (it says the exercise is over) until the player quits.

With ``--no-console``, or when standard input or output is not a terminal (saying
so), the player's live events go to stdout instead, one line each: alerts
(simulated time, alert id, indicator, matched values), the director's messages, the
team's own actions and score changes. Ctrl-C (or SIGTERM) then stops and writes the
same files; so does the exercise's end.

The run directory is ``--out`` (default ``grapevine-runs/SCENARIO-TIME`` under the
current directory); its store is ``exercise.db``, so ``grapevine play`` on the same
``--out`` resumes the exercise. ``--db`` plays on an existing store instead (a file:
the report goes next to it; a PostgreSQL URL: into ``--out`` or the default run
directory): its ``player`` user, if any, must already play the chosen team: the
command refuses to move it.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import signal
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from indicators.store import Store
from indicators.taxii import ServerConfig
from indicators.tlp import TLP2_MARKING_IDS, Tlp
from indicators.users import PasswordPolicy, Role, User
from range.commands.run import DB_NAME, Hosted, hosted, start_runner, write_outputs
from range.commands.scenario import open_scenario
from range.commands.serve import add_server_arguments, announce, config_from
from range.commands.serve_exercise import parse_speed
from range.commands.stores import is_url, store_exists
from range.errors import RangeError, UsageError
from range.events import Event
from range.runner import ExerciseRunner
from range.scoring import clock_text

DEFAULT_SCENARIO = "ransomware-campaign"
"""What ``make play`` plays: the built-in campaign with four CERTs (the tutorial has
one team, so nobody to share with; play it with ``grapevine play tutorial``)."""
DEFAULT_SPEED = "10"
"""Simulated seconds per real second: the campaign's 1h40m in ten minutes."""
RUNS_DIR = "grapevine-runs"
PLAYER = "player"
CONSOLE = "tui.play"
"""The module whose ``run(url, user, password, api_root=..., briefing_first=...)``
opens the player's console."""
EXAMPLE_TLP = Tlp.GREEN
SCORE_EVERY = 1.0
"""Least wall seconds between two looks at the scoreboard."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine play`` to the CLI."""
    parser = subparsers.add_parser(
        "play",
        help="play one CERT on this machine",
        description="Play one CERT of an exercise on this machine in the team console;"
        " simulated CERTs play the other teams. Quitting the console stops the exercise"
        " and writes the after-action report.",
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        metavar="SCENARIO",
        help="a built-in name or a YAML file (default: %(default)s)",
    )
    parser.add_argument("--team", help="the team you play (default: the scenario's first)")
    parser.add_argument(
        "--speed",
        default=DEFAULT_SPEED,
        metavar="X|max",
        help="simulated seconds per real second, or max (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help=f"the run directory (default: {RUNS_DIR}/SCENARIO-TIME; the same DIR resumes)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="play on this existing store instead (the report goes next to it)",
    )
    parser.add_argument(
        "--no-console",
        action="store_true",
        help="print your events on stdout instead of opening the team console (Ctrl-C stops)",
    )
    add_server_arguments(parser, port=0)
    parser.set_defaults(handler=run)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt as Ctrl-C does, so ``finally``
    clauses and context managers (runner, bots, server, store) clean up; restored afterwards.
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


def run_dir(args: argparse.Namespace) -> Path:
    """Where the run's files go (see the module docstring)."""
    if args.out:
        return Path(args.out)
    if args.db and not is_url(args.db):
        return Path(args.db).resolve().parent
    stem = Path(args.scenario).stem if args.scenario.endswith((".yaml", ".yml")) else args.scenario
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(RUNS_DIR) / f"{stem}-{stamp}"


def run(args: argparse.Namespace) -> int:
    if args.db is not None and not store_exists(args.db):
        raise UsageError(f"no store there: {args.db} (leave out --db to play in a new run)")
    if args.db is not None:
        with Store.open(args.db) as store:
            check_player(store, args.db, args.team or "")
    scenario = open_scenario(args.scenario)
    team = args.team or scenario.team_ids()[0]
    if team not in scenario.team_ids():
        raise UsageError(
            f"--team {team}: not a team of {scenario.title!r} ({', '.join(scenario.team_ids())})"
        )
    speed = parse_speed(args.speed)
    out = run_dir(args)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create it: {exc.strerror}") from None
    db = args.db if args.db else str(out / DB_NAME)  # a database URL stays as given
    config = config_from(args, str(db))
    bots = [t for t in scenario.team_ids() if t != team]
    console = wants_console(args.no_console)
    with sigterm_as_interrupt():
        try:
            with Store.open(db) as store:
                known = check_player(store, str(db), team)
            if console:
                from range.commands.play_console import PlayerRange, play_in_console

                spec = PlayerRange(args.scenario, db, out, speed, bots, team, known, config)
                return play_in_console(spec, host=args.host, port=args.port)
            with hosted(
                scenario, db, speed, bots, config=config, host=args.host, port=args.port
            ) as h:
                return _play(h, config, team, known, out)
        except KeyboardInterrupt:  # before playing began: stop as well
            return 0


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # None, or closed
        return False


def wants_console(no_console: bool) -> bool:
    """Whether to open the team console: not with ``--no-console``, and not unless
    standard input and output are a terminal (then saying why the events print instead)."""
    if no_console:
        return False
    missing = [
        name
        for name, stream in (("standard output", sys.stdout), ("standard input", sys.stdin))
        if not _is_terminal(stream)
    ]
    if missing:
        print(
            f"{' and '.join(missing)}: not a terminal, so no team console;"
            " your events print here instead (--no-console does this on purpose)",
            flush=True,
        )
        return False
    return True


def player_account(h: Hosted, team: str, known: bool) -> str:
    """A fresh random password for the ``player`` user of ``team`` (created if new)."""
    password = secrets.token_urlsafe(12)
    password_hash = PasswordPolicy().hash(password)
    if known:
        h.store.set_password_hash(PLAYER, password_hash)
    else:
        h.store.add_user(User(PLAYER, Role.TEAM, team), password_hash)
    return password


def announce_player(
    h: Hosted, config: ServerConfig, team: str, password: str, bots: list[str], *, console: bool
) -> None:
    """Where the range is, the player's account, and how to publish from Python."""
    store, server, scenario = h.store, h.server, h.scenario
    collection = store.team_collection(config.api_root, team)
    identity = store.teams()[team]
    announce(server, config, store, sys.stdout)
    base = config.public_url.rstrip("/") + "/" if config.public_url else server.url
    collection_url = f"{base}{config.api_root}/collections/{collection.id}/"
    example = textwrap.indent(publish_example(collection_url, password, identity), "    ")
    speed = "max" if h.speed is None else f"{h.speed:g}x"
    state = "resumed" if h.resumed else "started"
    print(
        f"Exercise {scenario.title!r} {state}, speed {speed}; "
        f"simulated CERTs play {', '.join(bots) or 'no other team'}\n"
        f"  range API: {base}api/ (OpenAPI: {base}api/openapi.json)\n"
        f"  you play team {team}: user {PLAYER}, password {password}\n"
        f"  your team publishes as {identity}\n"
        f"  your collection: {collection_url}\n"
        f"  publish an indicator ({EXAMPLE_TLP.label}) from Python with taxii2-client:\n"
        f"{example}"
        + (
            "  The team console opens now; quitting it (q, ctrl+q) stops the exercise and"
            " writes the after-action report."
            if console
            else "  Your alerts, messages and score print below as they happen.\n"
            "  Ctrl-C stops the exercise and writes the after-action report."
        ),
        flush=True,
    )


def event_line(event: Event) -> str | None:
    """One line for an event the player's team sees, or None for the ones not shown."""
    e: Any = event
    at = f"[{clock_text(e.time)}]"
    kind = e.kind
    if kind == "alert":
        source = "own" if e.producer == e.team else f"shared by {e.producer}"
        hunt = " (retro-hunt)" if e.retro else ""
        matched = "; ".join(e.summary) or "-"
        return (
            f"{at} ALERT {e.alert_id}{hunt} indicator {e.indicator_id} ({source}) "
            f"matched: {matched}"
        )
    if kind == "message":
        return f"{at} MESSAGE from the director: {e.text}"
    if kind == "indicator-deployed":
        return f"{at} deployed {e.indicator_id}: {e.pattern}"
    if kind == "indicator-published":
        return f"{at} published {e.indicator_id} ({e.tlp}): {e.pattern}"
    if kind == "indicator-imported":
        return f"{at} imported {e.indicator_id} from {e.producer}: {e.pattern}"
    if kind == "response-applied":
        return f"{at} rule {e.rule}: {e.rule_kind} {e.value}"
    if kind == "response-lifted":
        return f"{at} rule {e.rule} lifted"
    if kind == "sitrep-scored":
        return f"{at} sitrep {e.sitrep_id} scored {e.points:g}"
    if kind == "exercise-finished":
        return f"{at} the exercise is over"
    return None


class ScoreWatch:
    """Prints the team's new score lines and total when the scoreboard changes."""

    def __init__(self, h: Hosted, team: str) -> None:
        self.h = h
        self.team = team
        self.seen = len(h.service.scoreboard().lines(team))
        self._last = 0.0

    def check(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < SCORE_EVERY:
            return
        self._last = now
        board = self.h.service.scoreboard()
        lines = board.lines(self.team)
        for line in lines[self.seen :]:
            what = f"{line.category} {line.inject}" if line.inject else line.category
            print(
                f"[{clock_text(line.time)}] SCORE {line.points:+g} ({what}): "
                f"total {board.total(self.team):g}",
                flush=True,
            )
        self.seen = len(lines)


def _play(h: Hosted, config: ServerConfig, team: str, known: bool, out: Path) -> int:
    password = player_account(h, team, known)
    bots = [t for t in h.scenario.team_ids() if t != team]
    log = h.exercise.log
    runner: ExerciseRunner | None = None
    scores: ScoreWatch | None = None
    try:
        announce_player(h, config, team, password, bots, console=False)
        cursor = log.last_seq
        scores = ScoreWatch(h, team)
        runner = start_runner(h)
        while runner.running or log.last_seq > cursor:
            log.wait(cursor, 0.25)
            for event in log.after(cursor, limit=1000):
                cursor = event.seq
                view = event.for_team(team)
                line = event_line(view) if view is not None else None
                if line is not None:
                    print(line, flush=True)
            scores.check()
    except KeyboardInterrupt:
        print("stopping ...", flush=True)
    finally:
        if runner is not None:
            runner.stop()
        h.bots.stop()
    if scores is not None:
        scores.check(force=True)
    errors = (runner.error, h.bots.error) if runner is not None else ()
    report_errors([str(e) for e in errors if e is not None])
    try:
        write_outputs(h.exercise, out, captures=False)
    except KeyboardInterrupt:
        raise RangeError(f"interrupted while writing the report into {out}") from None
    print_report_path(out)
    return 0


def report_errors(errors: list[str]) -> None:
    for error in errors:
        print(f"error: the exercise stopped: {error}", file=sys.stderr)


def print_report_path(out: Path) -> None:
    print(f"after-action report: {out / 'report.html'} (and report.md, in {out})", flush=True)
