"""tui/play.py: the team console as ``grapevine play`` opens it, driven by Pilot
against a real range server (tiny scenario): the briefing first for a new run, the
exercise's end shown while the console stays open, and the keys that quit it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent
from textual.widgets._footer import FooterKey

from tests.range.api.conftest import RangeHarness
from tests.tui.conftest import until
from tui.client import ConsoleClient
from tui.play import FINISHED_TEXT, PlayApp
from tui.team.cells import clock
from tui.team.status import StatusLine


def run(
    client: ConsoleClient,
    body: Callable[[PlayApp, Pilot], Awaitable[None]],
    *,
    briefing_first: bool = False,
) -> PlayApp:
    """Run the player's console on ``client`` and ``body`` once it has loaded."""
    app = PlayApp(client, briefing_first=briefing_first, poll_wait=0.5, clock_every=0.5)

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.loaded, "the console to load")
            await body(app, pilot)

    asyncio.run(main())
    return app


def active(app: PlayApp) -> str:
    return app.query_one("#tabs", TabbedContent).active


def test_a_new_run_opens_on_the_briefing(started: RangeHarness, client_for) -> None:
    async def body(app: PlayApp, pilot: Pilot) -> None:
        await until(pilot, lambda: active(app) == "briefing", "the briefing tab")
        briefing = str(app.query_one("#briefing-pane #briefing-text", Static).render())
        assert briefing.startswith("Tiny range")
        await pilot.press("f1")
        assert active(app) == "alerts"

    run(client_for("ee-analyst"), body, briefing_first=True)


def test_a_resumed_run_opens_on_the_alerts(started: RangeHarness, client_for) -> None:
    async def body(app: PlayApp, pilot: Pilot) -> None:
        await pilot.pause(0.2)
        assert active(app) == "alerts"
        assert not app.query_one("#finished").display

    run(client_for("ee-analyst"), body)


def test_the_end_is_shown_and_the_console_stays_open(started: RangeHarness, client_for) -> None:
    async def body(app: PlayApp, pilot: Pilot) -> None:
        banner = app.query_one("#finished", Static)
        assert not banner.display
        started.step(started.exercise.end_time - started.exercise.start_time)
        assert started.exercise.finished
        await until(pilot, lambda: banner.display, "the exercise-finished line")
        assert str(banner.render()) == FINISHED_TEXT
        assert "finished" in str(app.query_one("#status", Static).render())
        await pilot.press("f6")  # still usable: the player can read on
        assert active(app) == "score"
        assert app.is_running

    run(client_for("ee-analyst"), body)


@pytest.mark.parametrize("key", ["q", "ctrl+q", "ctrl+c"])
def test_quit_keys_close_the_console(key: str, started: RangeHarness, client_for) -> None:
    async def body(app: PlayApp, pilot: Pilot) -> None:
        await pilot.press(key)
        await until(pilot, lambda: not app.is_running, f"{key} to close the console")

    app = run(client_for("ee-analyst"), body)
    assert app.return_code == 0


def test_q_types_into_a_text_field(started: RangeHarness, client_for) -> None:
    async def body(app: PlayApp, pilot: Pilot) -> None:
        await pilot.press("f5", "q")  # the rule form's value field has the focus
        assert app.is_running
        assert app.query_one("#rule-value").value == "q"

    run(client_for("ee-analyst"), body)


def test_the_clock_stops_at_the_end(started: RangeHarness, client_for) -> None:
    start, duration = started.exercise.start_time, started.exercise.scenario.duration
    shown = f"finished {clock(start + duration)} +{duration:.0f}s/{duration:.0f}s"

    async def body(app: PlayApp, pilot: Pilot) -> None:
        status = app.query_one(StatusLine)
        started.step(duration)
        assert started.exercise.finished
        for past in (300, 600):  # the server's clock goes on after the end (as at a speed)
            started.service.clock.advance_to(start + duration + past)
            await until(
                pilot,
                lambda past=past: status.exercise.clock.elapsed == duration + past,
                "the clock read past the end",
            )
            assert shown in str(status.render())

    run(client_for("ee-analyst"), body)


def test_status_and_footer_fit_80_columns(started: RangeHarness, client_for) -> None:
    async def body(app: PlayApp, pilot: Pilot) -> None:
        status = app.query_one("#status", Static)
        await until(pilot, lambda: "connected" in str(status.render()), "connected")
        shown = status.render_lines(status.region.reset_offset)[0].text
        assert "● connected · ee · running" in shown  # not cut at 80 columns
        for tab in ("f1", "f2", "f3", "f4", "f5", "f6", "f7"):
            await pilot.press(tab)
            await pilot.pause()
            keys = [k for k in app.query(FooterKey) if k.action == "quit"]
            assert keys and keys[0].region.right <= 80 and keys[0].region.width, tab

    run(client_for("ee-analyst"), body)
