"""``grapevine loadtest``: an exercise at speed under partners, consoles and publishers.

::

    grapevine loadtest [SCENARIO] [--partners 8] [--consoles 4] [--publishers 2]
                       [--envelope 20] [--page 100] [--interval 1] [--speed 60]
                       [--seconds 60] [--requests 20000] [--db PATH|postgresql://...]
                       [--workers N] [--report FILE.md]

Runs ``grapevine serve SCENARIO --bots all`` on a free loopback port over a new store
(a temporary SQLite file unless ``--db`` names one that holds no exercise yet), starts
the exercise, and drives it with the clients of :mod:`range.load` until ``--seconds``
or ``--requests`` is spent. Prints (and with ``--report`` writes) a Markdown report:
throughput and latency percentiles per kind of request, errors, what the partners'
checks found, and the server's memory over time. Exit status 0 when no request
failed and no object was lost, repeated or seen past its TLP; 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from range.commands.play import DEFAULT_SCENARIO, sigterm_as_interrupt
from range.commands.scenario import open_scenario
from range.commands.serve_exercise import parse_speed
from range.load import LoadPlan, run_load


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine loadtest`` to the CLI."""
    defaults = LoadPlan(scenario=DEFAULT_SCENARIO)
    parser = subparsers.add_parser(
        "loadtest",
        help="run an exercise at speed under many TAXII and range API clients (loopback)",
        description="Run an exercise at speed on loopback under partner TAXII pollers,"
        " team consoles and publishers, with bots for every team; report throughput,"
        " latency percentiles, errors, the partners' checks and the server's memory."
        " Bounded by --seconds and --requests; stops by itself.",
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        metavar="SCENARIO",
        help="built-in name or YAML file (default: %(default)s)",
    )
    clients = parser.add_argument_group("clients")
    for flag, default, text in (
        ("--partners", defaults.partners, "partner TAXII tools polling every collection"),
        ("--consoles", defaults.consoles, "team consoles polling the range API"),
        ("--publishers", defaults.publishers, "team tools POSTing indicator envelopes"),
        ("--envelope", defaults.envelope, "indicators per POST"),
        ("--page", defaults.page, "objects per TAXII page the partners ask for"),
    ):
        clients.add_argument(
            flag, type=int, default=default, metavar="N", help=f"{text} (default: %(default)s)"
        )
    clients.add_argument(
        "--interval",
        type=float,
        default=defaults.interval,
        metavar="SECONDS",
        help="each client's pause between rounds (default: %(default)s)",
    )
    bounds = parser.add_argument_group("bounds (the first reached stops the run)")
    bounds.add_argument(
        "--seconds",
        type=float,
        default=defaults.seconds,
        metavar="S",
        help="wall seconds of load (default: %(default)s)",
    )
    bounds.add_argument(
        "--requests",
        type=int,
        default=defaults.requests,
        metavar="N",
        help="requests in all (default: %(default)s)",
    )
    server = parser.add_argument_group("server")
    server.add_argument(
        "--speed",
        default=defaults.speed,
        metavar="X|max",
        help="simulated seconds per real second, or max (default: %(default)s)",
    )
    server.add_argument(
        "--db",
        metavar="PATH|URL",
        help="a new store to run on (default: a temporary SQLite file)",
    )
    server.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="gunicorn worker processes (above 1 needs --db postgresql://...)",
    )
    parser.add_argument("--report", metavar="FILE", help="also write the Markdown report here")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the load test; 0 if every check passed, 1 if not."""
    parse_speed(args.speed)  # refuse a bad --speed before starting anything
    scenario = open_scenario(args.scenario)
    plan = LoadPlan(
        scenario=args.scenario,
        partners=args.partners,
        consoles=args.consoles,
        publishers=args.publishers,
        envelope=args.envelope,
        interval=args.interval,
        page=args.page,
        seconds=args.seconds,
        requests=args.requests,
        speed=args.speed,
        db=args.db,
        workers=args.workers,
    )
    with sigterm_as_interrupt():  # the server stops with us
        result = run_load(plan, scenario.team_ids(), out=sys.stderr)
    report = result.markdown()
    print(report, end="")
    if args.report:
        Path(args.report).write_text(report)
        print(f"written: {args.report}", file=sys.stderr)
    return 0 if result.ok else 1
