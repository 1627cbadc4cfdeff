"""``grapevine serve SCENARIO``: the exercise engine and the server together.

::

    grapevine serve SCENARIO [--db grapevine.db] [--speed X|max] [--bots all-but TEAM]
                    [server flags of ``grapevine serve``]

The store holds the TAXII objects and the exercise's event log. A store whose log is
empty starts a new exercise: simulated time stands at the scenario's start until the
director starts it (``POST /api/director/start``). A store with a log resumes it (the
engine replays the log, then continues). The runner thread
(:class:`range.runner.ExerciseRunner`) steps the engine as the clock allows; the range
API (``/api/...``, OpenAPI at ``/api/openapi.json``) serves beside TAXII with the same
accounts. Ctrl-C stops the runner, then the server, then closes the store.

``--bots`` names the teams simulated CERTs play (:mod:`range.bots`): each gets an
account ``bot-TEAM`` with a fresh random password (kept in memory, never printed) and
acts only through the range API and TAXII. As fast as possible (``--speed max``) the
runner waits for the bots after every step, so the same seed gives the same log;
at a speed factor they poll the API on a thread of their own.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import TextIO

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer
from indicators.taxii.serving import settle_heap
from range.api.app import create_range_app
from range.api.service import RangeService
from range.bots.runner import BotRunner, create_accounts, make_bots
from range.clock import ExerciseClock
from range.commands.scenario import open_scenario
from range.commands.stores import open_or_create
from range.engine import Exercise
from range.errors import UsageError
from range.log import EventLog
from range.runner import ExerciseRunner
from scenarios.model import Scenario

DEFAULT_SPEED = "1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The SCENARIO argument and the exercise flags of ``grapevine serve``."""
    parser.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="run this exercise (a built-in name or a YAML file) with the range API;"
        " without it, serve TAXII only",
    )
    group = parser.add_argument_group("exercise (with SCENARIO)")
    group.add_argument(
        "--speed",
        default=DEFAULT_SPEED,
        metavar="X|max",
        help="simulated seconds per real second, or max (default: %(default)s)",
    )
    group.add_argument(
        "--bots",
        nargs="+",
        metavar="WHO",
        help="teams simulated CERTs play: all, none, all-but TEAM[,TEAM...], or TEAM[,TEAM...]",
    )


def parse_speed(text: str) -> float | None:
    """``--speed``: a positive factor, or ``max`` (``None``: as fast as possible)."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"--speed {text}: give a positive number (1 = live) or max")
    return value


def parse_bots(words: list[str] | None, scenario: Scenario) -> list[str]:
    """``--bots``: the teams bots play, in scenario order (names may also be given
    comma-separated: ``--bots ee,lv``, ``--bots all-but ee,lv``)."""
    teams = scenario.team_ids()
    words = [w for word in words or [] for w in word.split(",") if w]
    if not words or words == ["none"]:
        return []
    if words == ["all"]:
        return teams
    head, *names = words
    if head == "all-but":
        if not names:
            raise UsageError("--bots all-but: name the team(s) people play")
    else:
        names = words
    for name in names:
        if name not in teams:
            raise UsageError(
                f"--bots: {name!r} is not a team of {scenario.title!r} ({', '.join(teams)})"
            )
    return (
        [t for t in teams if t not in names]
        if head == "all-but"
        else [t for t in teams if t in names]
    )


def serving_threads(config: ServerConfig, scenario: Scenario) -> int:
    """Worker threads: the server's own plus two per console that may hold one open
    for an event stream or a long-poll (each team, the director, a scoreboard)."""
    return config.threads + 2 * (len(scenario.teams) + 2)


def open_exercise(scenario: Scenario, store: Store, speed: float | None, api_root: str) -> Exercise:
    """A new exercise held at its start, or the one the store's log holds, resumed."""
    if EventLog(store).last_seq:
        clock = ExerciseClock(scenario.epoch(0), None)
        exercise = Exercise.resume(scenario, store, clock, api_root=api_root)
        clock.set_speed(speed)
        return exercise
    clock = ExerciseClock(scenario.epoch(0), speed)
    clock.pause()  # simulated time starts when the director starts the exercise
    return Exercise(scenario, store, clock, api_root=api_root)


def announce(exercise: Exercise, bots: list[str], server: TaxiiServer, out: TextIO) -> None:
    announce_at(exercise, bots, server.url, out)


def announce_at(exercise: Exercise, bots: list[str], url: str, out: TextIO) -> None:
    """Print the exercise's state and speed, where the range API is, and the bots."""
    scenario = exercise.scenario
    speed = exercise.clock.speed
    state = "resumed" if exercise.started else "waiting for the director's start"
    print(
        f"Exercise {scenario.title!r} ({state}), speed {'max' if speed is None else f'{speed:g}x'}",
        file=out,
    )
    print(f"  range API: {url}api/ (OpenAPI: {url}api/openapi.json)", file=out)
    if bots:
        print(f"  bots (simulated CERTs): {', '.join(bots)}", file=out)


def run(
    args: argparse.Namespace,
    config: ServerConfig,
    announce_server: Callable[[TaxiiServer, ServerConfig, Store, TextIO], None],
    start_server: Callable[..., TaxiiServer],
    out: TextIO = sys.stdout,
) -> int:
    """Serve the exercise until interrupted; the exit status. ``announce_server`` is
    ``grapevine serve``'s own announcement (where TAXII is, how to add users) and
    ``start_server`` its server start (limits, TLS) taking ``app`` and ``threads``."""
    scenario = open_scenario(args.scenario)
    speed = parse_speed(args.speed)
    bots = parse_bots(args.bots, scenario)
    store = open_or_create(config.db)
    try:
        exercise = open_exercise(scenario, store, speed, config.api_root)
        service = RangeService(exercise)
        app = create_range_app(config, store, service)
        server = start_server(
            config,
            args.host,
            args.port,
            store,
            app=app,
            threads=serving_threads(config, scenario),
        )
        passwords = create_accounts(store, bots)
        simulated = BotRunner(make_bots(scenario, server.url, passwords, api_root=config.api_root))
        hook = simulated.act if bots and speed is None else None
        runner = ExerciseRunner(exercise, lock=service.lock, after_step=hook).start()
        if bots and hook is None:
            simulated.start()
        announce_server(server, config, store, out)
        announce(exercise, bots, server, out)
        print("  Ctrl-C stops the exercise and the server.", file=out, flush=True)
        settle_heap()
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()
            simulated.close()
        for error in (runner.error, simulated.error):
            if error is not None:
                print(f"error: the exercise stopped: {error}", file=sys.stderr)
                return 1
        return 0
    finally:
        store.close()
