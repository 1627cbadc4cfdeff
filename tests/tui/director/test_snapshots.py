"""Snapshots of the director console's main screens at 80x24 and 160x48.

The content is deterministic: one server for the module, its exercise on the tiny
scenario's simulated clock stepped to a fixed time before any console opens (ids are
derived from the seed and the log, and nothing changes it afterwards), the server's
address is not shown, cursors do not blink, and nothing is shown before the console
has loaded and the screen's own condition holds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import RangeHarness, ok, start_range
from tests.tui.conftest import until
from tui.client import ConsoleClient
from tui.director.app import DirectorApp

SCANNER = "203.0.113.66"
SIZES = [(80, 24), (160, 48)]


def rows_shown(app: DirectorApp, selector: str, count: int) -> bool:
    """The table has ``count`` rows and has measured them: every column as wide as its
    widest cell (a table measures new rows when it is idle, so a shot taken before that
    would show every column as narrow as its header)."""
    table = app.query_one(selector, DataTable)
    if table.row_count != count:
        return False
    return all(
        column.content_width >= max((len(str(cell)) for cell in table.get_column(key)), default=0)
        for key, column in table.columns.items()
    )


# screen: (key, what must be on it before the shot)
SCREENS = {
    "timeline": ("f1", lambda app: rows_shown(app, "#timeline-table", 4)),
    "teams": (
        "f2",
        lambda app: (
            rows_shown(app, "#teams-table", 2)
            and "ee: CERT-EE" in str(app.query_one("#team-detail").render())
        ),
    ),
    "sharing": ("f3", lambda app: rows_shown(app, "#sharing-table", 1)),
    "sitreps": ("f4", lambda app: rows_shown(app, "#sitrep-table", 2)),
    "messages": ("f5", lambda app: app.query_one("#message-log").line_count == 2),
}


@pytest.fixture(scope="module")
def exercise(tmp_path_factory, tiny_scenario) -> Iterator[RangeHarness]:
    """At 08:01:40: lv shared its scanner indicator (TLP:GREEN) and ee imported it
    (alerts on both ee injects), the director fired a copy of lv-scan, messaged ee,
    and scored ee's sitrep; lv's sitrep waits for a score. Only read afterwards."""
    harness = start_range(tmp_path_factory.mktemp("director") / "range.db", tiny_scenario)
    try:
        ok(harness.post("director", "/director/start"))
        harness.step(20)
        shared = {
            "pattern": f"[network-traffic:src_ref.value = '{SCANNER}']",
            "tlp": "green",
            "name": "scanner",
        }
        published = ok(harness.post("lv-analyst", "/teams/lv/publish", shared), 201)
        body = {"indicator_id": published["indicator"]["id"]}
        ok(harness.post("ee-analyst", "/teams/ee/imports", body), 201)
        ok(harness.post("director", "/director/injects/lv-scan/fire"))
        harness.step(100)
        block = {"kind": "block-ip", "value": SCANNER}
        ok(harness.post("ee-analyst", "/teams/ee/responses", block), 201)
        ee = ok(harness.post("ee-analyst", "/teams/ee/sitreps", {"text": "scan and brute"}), 201)
        ok(harness.post("lv-analyst", "/teams/lv/sitreps", {"text": "all quiet here"}), 201)
        score = {"points": 6, "comment": "timely"}
        ok(harness.post("director", f"/director/sitreps/{ee['sitrep_id']}/score", score))
        ok(harness.post("director", "/director/messages", {"text": "Keep going", "to": ["ee"]}))
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_screen(screen, size, exercise, snap_compare):
    key, ready = SCREENS[screen]
    client = ConsoleClient(exercise.server.url, "director", PASSWORD)
    app = DirectorApp(client, poll_wait=0.5)

    async def run_before(pilot: Pilot) -> None:
        await until(pilot, lambda: app.loaded, "the console to load")
        for widget in app.query(Input):
            widget.cursor_blink = False
        await pilot.press(key)
        await until(pilot, lambda: ready(app), f"the {screen} screen")

    try:
        assert snap_compare(app, terminal_size=size, run_before=run_before)
    finally:
        client.close()
