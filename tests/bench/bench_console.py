"""Console benchmark: the team console stays responsive while the engine runs at 60x.

The set-up is ``grapevine play``'s: the range server (TAXII and the range API on
127.0.0.1), the engine's runner at :data:`SPEED` x and simulated CERTs for four of
the five teams of ``tests/bench/data/five-teams.yaml`` (every team
probed, brute-forced and exploited in turn, benign traffic on every host). The
player's team ``a`` has an indicator deployed for each attacker address, so alerts
keep coming; the team console (:class:`tui.team.app.TeamApp`) runs under Pilot
(``App.run_test``, headless, :data:`SIZE`) on a real :class:`tui.client.ConsoleClient`
and is driven like a player would: the cursor moves over the alert feed, alerts are
acknowledged, and now and then the player types a pattern in the workbench (checked
by the server as typed), tests it and comes back to the alerts. The run lasts at
most :data:`WALL_LIMIT` seconds (the scenario's 40 minutes take 40 s at 60x). As
``grapevine play`` runs it, the range is in a child process and the console in this
one (``make bench``); ``python -m tests.bench.bench_console both`` also measures the
range in the console's process, where its busy threads take the interpreter's lock
from the console (fewer frames, longer gaps).

Two figures, each as median and max:

* **frame gap**: a heartbeat, a one-cell spinner in a corner, turns every 1/60 s
  (Textual's frame period) and repaints its cell, so there is always a frame to
  draw. Every frame the
  screen composes ends in ``App._display`` (wrapped here; headless, the compositor
  does all its work but writes nothing to a terminal), so the time between
  consecutive calls is the time between frames, and the longest one is the longest
  the console could not show anything new: the event loop was busy (our handlers,
  Textual, Pilot) or starved of the GIL by the server, engine and bots threads, or
  of a CPU by other processes. Target: under 100 ms.
* **alert latency**: from the commit of an alert in the engine to the first frame
  that shows its row in the alert feed. The commit's wall time is taken in the
  runner's ``on_events`` hook, called as soon as the step that raised the alert has
  committed its events; the row's time is the first ``App._display`` after
  ``AlertFeed.add`` put it in the table (alerts raised while another tab is shown
  are not counted: their row is not on screen). Target: under 1 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from itertools import pairwise
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data") / "five-teams.yaml"
SPEED = 60.0
SIZE = (160, 48)
WALL_LIMIT = 60.0
"""Longest wall-clock run of the benchmark's exercise, in seconds."""
PLAYER_TEAM = "a"
INDICATORS = {
    "scanner": "[ipv4-addr:value = '203.0.113.66']",
    "guesser": "[network-traffic:src_ref.value = '198.51.100.200']",
}
HEARTBEAT = 1 / 60
FRAME_TARGET = 0.100
ALERT_TARGET = 1.0


@contextlib.contextmanager
def _range(tmp: str) -> Iterator[tuple[Any, str, Callable[[], bool], dict[str, float]]]:
    """The bench's exercise served on 127.0.0.1 with bots for every team but the
    player's, running at :data:`SPEED` with the player's indicators deployed: the
    range, the player's password, whether it is still running, and the wall time
    (``time.time()``) each of the player's alerts was committed at, by alert id."""
    from indicators.taxii import ServerConfig
    from indicators.users import PasswordPolicy, Role, User
    from range.commands.run import hosted
    from range.commands.scenario import open_scenario
    from range.runner import ExerciseRunner
    from tui.client import ConsoleClient

    scenario = open_scenario(str(DATA))
    bots = [t for t in scenario.team_ids() if t != PLAYER_TEAM]
    committed: dict[str, float] = {}

    def on_events(events: list[Any]) -> None:
        now = time.time()
        for e in events:
            if e.kind == "alert" and e.team == PLAYER_TEAM:
                committed[e.alert_id] = now

    db = Path(tmp) / "exercise.db"
    config = ServerConfig(db=str(db))
    with hosted(scenario, db, SPEED, bots, config=config) as h:
        password = secrets.token_urlsafe(12)
        h.store.add_user(User("player", Role.TEAM, PLAYER_TEAM), PasswordPolicy().hash(password))
        h.service.start("director")
        with contextlib.closing(ConsoleClient(h.server.url, "player", password)) as client:
            client.exercise()  # learns its team
            for name, pattern in INDICATORS.items():
                client.deploy(pattern, name)
        runner = ExerciseRunner(h.exercise, lock=h.service.lock, on_events=on_events).start()
        h.bots.start(poll=0.5)
        try:
            yield h, password, lambda: runner.running, committed
        finally:
            runner.stop()
            h.bots.stop()


def serve_range(conn: Connection) -> None:
    """A child process serving :func:`_range` as ``grapevine play`` serves the
    player's exercise: ``("ready", url, password)``, then, when the exercise is over
    or the parent says ``"stop"``, ``("done", committed, simulated seconds)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with tempfile.TemporaryDirectory() as tmp, _range(tmp) as (h, password, running, committed):
        conn.send(("ready", h.server.url, password))
        while running() and not conn.poll(0.1):
            pass
        conn.send(("done", dict(committed), h.exercise.now - h.exercise.start_time))


def measure(separate: bool = True) -> dict[str, Any]:
    """Run the exercise with the console (the range in a child process, as ``grapevine
    play`` does, or with ``separate=False`` in this one); the raw figures."""
    from tui.client import ConsoleClient
    from tui.team.app import TeamApp

    def play(url: str, password: str, running: Callable[[], bool]) -> tuple[Timing, float]:
        with contextlib.closing(ConsoleClient(url, "player", password)) as client:
            app = TeamApp(client)
            timing = Timing(app)
            started = time.time()
            asyncio.run(_drive(app, timing, running))
            return timing, time.time() - started

    if separate:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        child = context.Process(target=serve_range, args=(theirs,), name="bench-range")
        child.start()
        try:
            _, url, password = ours.recv()
            timing, wall = play(url, password, lambda: not ours.poll())
            with contextlib.suppress(OSError):  # it may have ended with the exercise
                ours.send("stop")
            _, committed, simulated = ours.recv()
        finally:
            child.join(30)
            if child.is_alive():
                child.terminate()
    else:
        with tempfile.TemporaryDirectory() as tmp, _range(tmp) as (h, password, running, found):
            timing, wall = play(h.server.url, password, running)
            committed, simulated = dict(found), h.exercise.now - h.exercise.start_time
    frames = timing.frames
    return {
        "gaps": [b - a for a, b in pairwise(frames)],
        "latencies": [t - committed[k] for k, t in timing.on_screen.items() if k in committed],
        "frames": len(frames),
        "alerts": len(committed),
        "wall": wall,
        "simulated": simulated,
    }


class Timing:
    """Frame times and alert rows shown, taken by wrapping one console's methods (on
    the instance: the console is measured as it is, not a subclass of it)."""

    def __init__(self, app: Any) -> None:
        from textual.widgets import TabbedContent

        self.frames: list[float] = []
        self.pending: list[str] = []
        self.on_screen: dict[str, float] = {}
        display, apply_events = app._display, app.apply_events

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None:
                return
            now = time.time()
            self.frames.append(now)
            for alert_id in self.pending:
                self.on_screen.setdefault(alert_id, now)
            self.pending.clear()

        def noting_alerts(events: Any, *, live: bool) -> None:
            events = list(events)
            apply_events(events, live=live)
            shown = app.query_one("#tabs", TabbedContent).active == "alerts"
            if live and shown:
                self.pending += [e.alert_id for e in events if e.kind == "alert"]

        app._display = timed_display
        app.apply_events = noting_alerts


async def _heartbeat(app: Any) -> None:
    """A one-cell spinner in the top right corner, turned every :data:`HEARTBEAT`
    seconds. Each turn repaints that cell only (no layout), so there is always a
    frame to draw and drawing it costs what a spinner costs."""
    from textual.widget import Widget

    class Spinner(Widget):
        DEFAULT_CSS = "Spinner { dock: right; width: 1; height: 1; }"
        turns = 0

        def render(self) -> str:
            return "|/-\\"[self.turns % 4]

        def turn(self) -> None:
            self.turns += 1
            self.refresh()

    spinner = Spinner()
    await app.screen.mount(spinner)
    app.set_interval(HEARTBEAT, spinner.turn)


async def _drive(app: Any, timing: Timing, running: Callable[[], bool]) -> None:
    """Play at the console until the exercise ends or :data:`WALL_LIMIT` passes."""
    deadline = time.monotonic() + WALL_LIMIT
    async with app.run_test(size=SIZE) as pilot:
        while not app.loaded and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await _heartbeat(app)
        timing.frames.clear()  # from here on: the console is up and playing
        round_ = 0
        while running() and time.monotonic() < deadline:
            round_ += 1
            if round_ % 40 == 0:  # every ~8 s: a pattern in the workbench, tested
                await pilot.press("f3", *"[ipv4-addr:value = '192.0.2.10']", "ctrl+t")
                await pilot.pause(1.0)
                await pilot.press(*["backspace"] * 40, "f1")
            else:
                await pilot.press("down" if round_ % 4 else "a", "up")
            await pilot.pause(0.2)
        timing.frames.append(time.time())  # the last gap ends with the run


def _summary(values: list[float], unit: float = 1000.0) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * unit:,.1f} / {max(values) * unit:,.1f}"


def rows(separate: bool = True) -> list[dict[str, Any]]:
    """The two figures for one configuration (see :func:`measure`)."""
    load = os.getloadavg()[0]
    figures = measure(separate)
    gaps, latencies = figures["gaps"], figures["latencies"]
    where = "range in a child process (as play runs it)" if separate else "range in-process"
    what = (
        f"{where}; 5 teams at {SPEED:g}x (4 bots), {figures['simulated']:.0f} s simulated in"
        f" {figures['wall']:.0f} s; console {SIZE[0]}x{SIZE[1]} under Pilot;"
        f" load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    return [
        {
            "measure": "console frame gap ms (median / max)",
            "what": f"{what}; {figures['frames']:,} frames, heartbeat at 60 Hz",
            "ours": _summary(gaps),
            "reference": f"target max < {FRAME_TARGET * 1000:.0f}",
            "ratio": round(max(gaps, default=0.0) / FRAME_TARGET, 2),
        },
        {
            "measure": "alert commit -> row on screen ms (median / max)",
            "what": f"{len(latencies):,} of {figures['alerts']:,} alerts of team a timed",
            "ours": _summary(latencies),
            "reference": f"target max < {ALERT_TARGET * 1000:.0f}",
            "ratio": round(max(latencies, default=0.0) / ALERT_TARGET, 2),
        },
    ]


def run() -> list[dict[str, Any]]:
    """``make bench``: the configuration ``grapevine play`` runs."""
    return rows(separate=True)


def main(argv: list[str]) -> int:
    """``python -m tests.bench.bench_console [in-process|both]``."""
    configurations = {"in-process": [False], "both": [True, False]}.get(argv[0] if argv else "")
    for separate in configurations or [True]:
        for row in rows(separate):
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
