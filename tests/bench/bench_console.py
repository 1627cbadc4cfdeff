"""Console benchmark: the team console stays responsive while the engine runs at 60x.

The set-up is ``grapevine play``'s, in one process: the range server (TAXII and the
range API on 127.0.0.1), the engine's runner at :data:`SPEED` x and simulated CERTs
for four of the five teams of ``tests/bench/data/five-teams.yaml`` (every team
probed, brute-forced and exploited in turn, benign traffic on every host). The
player's team ``a`` has an indicator deployed for each attacker address, so alerts
keep coming; the team console (:class:`tui.team.app.TeamApp`) runs under Pilot
(``App.run_test``, headless, :data:`SIZE`) on a real :class:`tui.client.ConsoleClient`
and is driven like a player would: the cursor moves over the alert feed, alerts are
acknowledged, and now and then the player types a pattern in the workbench (checked
by the server as typed), tests it and comes back to the alerts. The run lasts at
most :data:`WALL_LIMIT` seconds (the scenario's 40 minutes take 40 s at 60x).

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
import secrets
import statistics
import sys
import tempfile
import time
from itertools import pairwise
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


def measure() -> dict[str, Any]:
    """Run the exercise with the console; the raw figures."""
    from indicators.taxii import ServerConfig
    from indicators.users import PasswordPolicy, Role, User
    from range.commands.run import hosted
    from range.commands.scenario import open_scenario
    from range.runner import ExerciseRunner
    from tui.client import ConsoleClient
    from tui.team.app import TeamApp

    scenario = open_scenario(str(DATA))
    bots = [t for t in scenario.team_ids() if t != PLAYER_TEAM]
    committed: dict[str, float] = {}

    def on_events(events: list[Any]) -> None:
        now = time.perf_counter()
        for e in events:
            if e.kind == "alert" and e.team == PLAYER_TEAM:
                committed[e.alert_id] = now

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "exercise.db"
        config = ServerConfig(db=str(db))
        with hosted(scenario, db, SPEED, bots, config=config) as h:
            password = secrets.token_urlsafe(12)
            player = User("player", Role.TEAM, PLAYER_TEAM)
            h.store.add_user(player, PasswordPolicy().hash(password))
            h.service.start("director")
            client = ConsoleClient(h.server.url, "player", password, api_root=config.api_root)
            client.exercise()  # learns the team
            for name, pattern in INDICATORS.items():
                client.deploy(pattern, name)
            runner = ExerciseRunner(h.exercise, lock=h.service.lock, on_events=on_events).start()
            h.bots.start(poll=0.5)
            try:
                app = TeamApp(client)
                timing = Timing(app)
                started = time.perf_counter()
                asyncio.run(_drive(app, timing, runner))
                wall = time.perf_counter() - started
            finally:
                runner.stop()
                h.bots.stop()
                client.close()
            simulated = h.exercise.now - h.exercise.start_time
    frames = timing.frames
    gaps = [b - a for a, b in pairwise(frames)]
    latencies = [t - committed[k] for k, t in timing.on_screen.items() if k in committed]
    return {
        "gaps": gaps,
        "latencies": latencies,
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
            now = time.perf_counter()
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


async def _drive(app: Any, timing: Timing, runner: Any) -> None:
    """Play at the console until the exercise ends or :data:`WALL_LIMIT` passes."""
    deadline = time.monotonic() + WALL_LIMIT
    async with app.run_test(size=SIZE) as pilot:
        while not app.loaded and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await _heartbeat(app)
        timing.frames.clear()  # from here on: the console is up and playing
        round_ = 0
        while runner.running and time.monotonic() < deadline:
            round_ += 1
            if round_ % 40 == 0:  # every ~8 s: a pattern in the workbench, tested
                await pilot.press("f3", *"[ipv4-addr:value = '192.0.2.10']", "ctrl+t")
                await pilot.pause(1.0)
                await pilot.press(*["backspace"] * 40, "f1")
            else:
                await pilot.press("down" if round_ % 4 else "a", "up")
            await pilot.pause(0.2)
        timing.frames.append(time.perf_counter())  # the last gap ends with the run


def _summary(values: list[float], unit: float = 1000.0) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * unit:,.1f} / {max(values) * unit:,.1f}"


def run() -> list[dict[str, Any]]:
    figures = measure()
    gaps, latencies = figures["gaps"], figures["latencies"]
    what = (
        f"5 teams at {SPEED:g}x (4 bots), {figures['simulated']:.0f} s simulated in"
        f" {figures['wall']:.0f} s; console {SIZE[0]}x{SIZE[1]} under Pilot"
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


def main() -> int:
    for row in run():
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
