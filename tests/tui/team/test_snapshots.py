"""Snapshots of the team console's main screens at 80x24 and 160x48.

The content is deterministic: the exercise runs on the tiny scenario's simulated
clock stepped to a fixed time (ids are derived from the seed and the log), the
server's address is not shown, cursors do not blink, and nothing is shown before
the console has loaded and the screen's own condition holds.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tests.range.api.conftest import RangeHarness, ok
from tests.tui.conftest import until
from tui.team.app import TeamApp
from tui.team.help import HelpScreen
from tui.team.traffic import TrafficView

SCANNER = "203.0.113.66"
SIZES = [(80, 24), (160, 48)]
TYPED = f"[ipv4-addr:value = '{SCANNER}' AND"
"""What the workbench shot types: the error is at its end."""

# screen: (key, what must be on it before the shot)
SCREENS = {
    "alerts": ("f1", lambda app: app.query_one("#alert-table").row_count == 4),
    "traffic": (
        "f2",
        lambda app: (
            app.query_one(TrafficView).searched
            and "observed-data--" in str(app.query_one("#traffic-detail").render())
        ),
    ),
    "help": ("question_mark", lambda app: isinstance(app.screen, HelpScreen)),
    "workbench": (
        "f3",
        lambda app: f"col {len(TYPED) + 1}:" in str(app.query_one("#check").render()),
    ),
    "inbox": ("f4", lambda app: app.query_one("#inbox-table").row_count == 1),
    "responses": ("f5", lambda app: app.query_one("#rules-table").row_count == 1),
    "score": ("f6", lambda app: app.query_one("#score-table").row_count == 1),
    "briefing": ("f7", lambda app: app.query_one("#messages").line_count == 1),
}


@pytest.fixture
def exercise(started: RangeHarness) -> RangeHarness:
    """ee at 08:01:00 with the scanner's indicator deployed (four alerts from the
    hunt), the scanner blocked, and an indicator lv shared with TLP:GREEN."""
    started.step(60)
    pattern = f"[network-traffic:src_ref.value = '{SCANNER}']"
    body = {"pattern": pattern, "name": "scanner"}
    ok(started.post("ee-analyst", "/teams/ee/indicators", body), 201)
    ok(
        started.post("ee-analyst", "/teams/ee/responses", {"kind": "block-ip", "value": SCANNER}),
        201,
    )
    shared = {"pattern": "[domain-name:value = 'c2.example']", "tlp": "green", "name": "c2"}
    ok(started.post("lv-analyst", "/teams/lv/publish", shared), 201)
    return started


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_screen(screen, size, exercise, client_for, snap_compare):
    key, ready = SCREENS[screen]
    app = TeamApp(client_for("ee-analyst"), poll_wait=0.5)

    async def run_before(pilot: Pilot) -> None:
        await until(pilot, lambda: app.loaded, "the console to load")
        for widget in app.query(Input):
            widget.cursor_blink = False
        app.query_one("#pattern", TextArea).cursor_blink = False
        await pilot.press(key)
        if screen == "workbench":
            await pilot.press(*TYPED)
        await until(pilot, lambda: ready(app), f"the {screen} screen")

    assert snap_compare(app, terminal_size=size, run_before=run_before)
