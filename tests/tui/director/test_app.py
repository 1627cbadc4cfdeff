"""The director console driven by Pilot against a real range server (tiny scenario):
each action checked on the screen and in the server's state through the API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Log, Select, Static

from indicators.taxii import ServerConfig, TaxiiServer
from range.api.app import create_range_app
from tests.range.api.conftest import RangeHarness, ok
from tests.tui.conftest import quits_at_once, until
from tui.client import ConsoleClient
from tui.director.app import DirectorApp
from tui.team.cells import clock

SCANNER = "203.0.113.66"
PATTERN = f"[network-traffic:src_ref.value = '{SCANNER}']"


def run(
    client: ConsoleClient, body: Callable[[DirectorApp, Pilot], Awaitable[None]], size=(120, 40)
) -> None:
    """Run the console on ``client`` and ``body`` with its pilot, once it has loaded."""

    async def main() -> None:
        app = DirectorApp(client, poll_wait=0.5)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.loaded, "the console to load")
            await body(app, pilot)

    asyncio.run(main())


def text(app: DirectorApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


def rows(app: DirectorApp, selector: str) -> dict[str, list[str]]:
    """The table's rows by key."""
    table = app.query_one(selector, DataTable)
    return {str(key.value): [str(c) for c in table.get_row(key)] for key in list(table.rows)}


def errors(app: DirectorApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


def exercise(harness: RangeHarness) -> dict:
    return ok(harness.get("director", "/exercise"))


def test_start_pause_resume_and_speed(api: RangeHarness, client_for):
    async def body(app: DirectorApp, pilot: Pilot) -> None:
        assert " ready " in text(app, "#status")
        assert app.focused is app.query_one("#timeline-table")
        await pilot.press("s")
        await until(pilot, lambda: " running " in text(app, "#status"), "running")
        assert exercise(api)["status"] == "running"

        await pilot.press("p")
        await until(pilot, lambda: " paused " in text(app, "#status"), "paused")
        assert exercise(api)["clock"]["paused"]
        await pilot.press("p")  # again: resume
        await until(pilot, lambda: " running " in text(app, "#status"), "resumed")
        assert not exercise(api)["clock"]["paused"]

        await pilot.press("minus")  # from max speed: one step down
        await until(pilot, lambda: "300x" in text(app, "#status"), "slower")
        assert exercise(api)["clock"]["speed"] == 300
        await pilot.press("minus", "minus")
        await until(pilot, lambda: "60x" in text(app, "#status"), "slower still")
        await pilot.press("plus")
        await until(pilot, lambda: "120x" in text(app, "#status"), "faster")
        assert exercise(api)["clock"]["speed"] == 120

        await pilot.press("x")
        assert app.focused is app.query_one("#speed", Input)
        await pilot.press(*"2.5", "enter")
        await until(pilot, lambda: "2.5x" in text(app, "#status"), "the typed speed")
        assert exercise(api)["clock"]["speed"] == 2.5
        assert app.focused is app.query_one("#timeline-table")
        await pilot.press("x", *"fast", "enter")
        await until(pilot, lambda: errors(app), "the refusal of a bad speed")
        assert errors(app) == ["speed 'fast' is not a number or max"]
        speed = app.query_one("#speed", Input)
        assert app.focused is speed and speed.value == "fast"  # kept, to correct it
        speed.value = ""
        await pilot.press(*"max", "enter")
        await until(pilot, lambda: "max speed" in text(app, "#status"), "max")
        assert exercise(api)["clock"]["speed"] == "max"

        await pilot.press("s")  # started already: the server says no
        await until(pilot, lambda: len(errors(app)) == 2, "the refusal of a second start")
        assert errors(app)[1].startswith("start refused (409)")

    run(client_for("director"), body)


def test_fire_inject_and_live_detection(started: RangeHarness, client_for):
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN}), 201)

    async def body(app: DirectorApp, pilot: Pilot) -> None:
        timeline = rows(app, "#timeline-table")
        assert list(timeline) == ["ee-scan", "ee-brute", "lv-scan"]
        assert {r[3] for r in timeline.values()} == {"pending"}

        await pilot.press("down", "down", "f")  # lv-scan, now
        await until(pilot, lambda: "lv-scan-2" in rows(app, "#timeline-table"), "the copy")
        copy = rows(app, "#timeline-table")["lv-scan-2"]
        assert copy[2:] == ["lv/portal", "fired", "", "network-scan", "08:00:00"]
        server = ok(started.get("director", "/director/timeline"))["injects"]
        assert [(e["inject"], e["state"]) for e in server][-1] == ("lv-scan-2", "fired")

        await asyncio.to_thread(started.step, 60)  # ee-scan at 30s, on ee's indicator

        def detected_with_time() -> bool:  # the timeline and the alerts may come apart
            alerts = ok(started.get("director", "/teams/ee/alerts"))["alerts"]
            first = min((a["time"] for a in alerts if "ee-scan" in a["labels"]), default=None)
            row = rows(app, "#timeline-table")["ee-scan"]
            return first is not None and row[3:5] == ["detected", f"ee {clock(first)}"]

        await until(pilot, detected_with_time, "the detection, by whom and when")
        injects = ok(started.get("director", "/director/timeline"))["injects"]
        server = {e["inject"]: e for e in injects}
        assert server["ee-scan"]["state"] == "detected"
        assert server["ee-scan"]["detected_by"] == ["ee"]
        detected = rows(app, "#timeline-table")["ee-scan"][4]
        await pilot.press("up", "up")  # from lv-scan to ee-scan
        assert f"detected by: {detected}" in text(app, "#inject-detail")
        await pilot.press("down", "down", "down", "f")  # the copy cannot be fired again
        await until(pilot, lambda: app._notifications, "the warning")
        assert "fire a scenario inject" in [n.message for n in app._notifications][-1]

    run(client_for("director"), body)


def messages_to(harness: RangeHarness, user: str) -> list[str]:
    """The texts of the messages ``user``'s team sees, from the server."""
    events = ok(harness.get(user, "/events"))["events"]
    return [e["text"] for e in events if e["kind"] == "message"]


def test_message_one_team_then_all(started: RangeHarness, client_for):
    started.step(1)  # the scenario's welcome message at 0s

    async def body(app: DirectorApp, pilot: Pilot) -> None:
        await pilot.press("f5")
        log = app.query_one("#message-log", Log)
        assert any("scenario → all: Welcome on shift." in line for line in log.lines)
        assert app.focused is app.query_one("#message-text", Input)
        app.query_one("#message-to", Select).value = "lv"
        await pilot.press(*"lv only", "enter")
        await until(pilot, lambda: any("director → lv: lv only" in x for x in log.lines), "sent")
        assert app.query_one("#message-text", Input).value == ""
        lv, ee = messages_to(started, "lv-analyst"), messages_to(started, "ee-analyst")
        assert "lv only" in lv and "lv only" not in ee

        app.query_one("#message-to", Select).value = "all"
        app.query_one("#message-text", Input).value = "all hands"
        await pilot.press("ctrl+o")
        await until(pilot, lambda: any("director → all: all hands" in x for x in log.lines), "all")
        assert "all hands" in messages_to(started, "ee-analyst")

    run(client_for("director"), body)


def test_score_a_sitrep(started: RangeHarness, client_for):
    async def body(app: DirectorApp, pilot: Pilot) -> None:
        await pilot.press("f4")
        assert rows(app, "#sitrep-table") == {}
        ok(started.post("lv-analyst", "/teams/lv/sitreps", {"text": "scan on our portal"}), 201)
        await until(pilot, lambda: rows(app, "#sitrep-table"), "the sitrep, live")
        ((sitrep_id, row),) = rows(app, "#sitrep-table").items()
        assert row[1] == "lv" and row[3] == "" and row[4] == "scan on our portal"

        app.query_one("#sitrep-points", Input).focus()
        await pilot.press(*"abc", "enter")
        await until(pilot, lambda: errors(app), "the refusal of bad points")
        assert errors(app) == ["points 'abc' is not a number"]
        app.query_one("#sitrep-points", Input).value = "7"
        app.query_one("#sitrep-comment", Input).value = "clear and early"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: rows(app, "#sitrep-table")[sitrep_id][3] == "7", "the score")
        assert "scored 7: clear and early" in text(app, "#sitrep-detail")
        score = ok(started.get("lv-analyst", "/teams/lv/score"))
        assert score["categories"]["sitrep"] == 7

        await pilot.press("f2")
        await until(pilot, lambda: rows(app, "#teams-table")["lv"][13] == "7", "the scoreboard")

    run(client_for("director"), body)


def test_overview_and_sharing_graph(started: RangeHarness, client_for):
    started.step(20)
    shared = {"pattern": PATTERN, "tlp": "green", "name": "scanner"}
    published = ok(started.post("lv-analyst", "/teams/lv/publish", shared), 201)
    shared_id = published["indicator"]["id"]

    async def body(app: DirectorApp, pilot: Pilot) -> None:
        await pilot.press("f3")
        assert rows(app, "#sharing-table") == {}
        ok(started.post("ee-analyst", "/teams/ee/imports", {"indicator_id": shared_id}), 201)
        await asyncio.to_thread(started.step, 60)
        block = {"kind": "block-ip", "value": SCANNER}
        ok(started.post("ee-analyst", "/teams/ee/responses", block), 201)
        alerts = ok(started.get("director", "/teams/ee/alerts"))["alerts"]
        assert alerts and all(a["producer"] == "lv" for a in alerts)
        await until(
            pilot,
            lambda: rows(app, "#sharing-table").get("lv>ee", [""] * 4)[3] == str(len(alerts)),
            "the edge",
        )
        edge = rows(app, "#sharing-table")["lv>ee"]
        assert edge == ["lv", "ee", "1", str(len(alerts)), f"scanner ({len(alerts)})"]
        assert shared_id in text(app, "#edge-detail")

        await pilot.press("f2")
        board = {r["team"]: r for r in ok(started.get("director", "/scoreboard"))["teams"]}

        def ee_row_matches() -> bool:
            row = rows(app, "#teams-table").get("ee")
            return row is not None and row[1] == f"{board['ee']['total']:g}" and row[7] == "1"

        await until(pilot, ee_row_matches, "ee's score and its block")
        table = rows(app, "#teams-table")
        assert table["ee"][2:8] == ["1", str(len(alerts)), "0", "0", "1", "1"]
        assert table["lv"][5] == "1"  # lv shared one indicator
        assert list(table) == sorted(board, key=lambda t: -board[t]["total"])
        assert "helped by: lv" in text(app, "#team-detail")

        await pilot.press("f1")  # at 160 columns the activity feed is beside the timeline
        activity = app.query_one("#activity", Log)
        assert activity.display
        assert any(line.endswith("lv shared scanner (TLP:GREEN)") for line in activity.lines)
        assert any(line.endswith("ee imported scanner from lv") for line in activity.lines)
        assert any("ee alert: scanner (from lv) on ee-scan" in x for x in activity.lines)
        await until(
            pilot, lambda: activity.lines[-1].endswith(f"ee block-ip {SCANNER}"), "the block"
        )

    run(client_for("director"), body, size=(160, 48))


def test_palette_mouse_and_theme(started: RangeHarness, client_for):
    async def body(app: DirectorApp, pilot: Pilot) -> None:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {
            "Start exercise",
            "Pause exercise",
            "Resume exercise",
            "Faster",
            "Slower",
            "Set speed",
            "Fire inject now",
            "Score sitrep",
            "Send message",
            "Go to Sharing",
        } <= titles
        await pilot.press("f2")
        pause = next(c for c in app.get_system_commands(app.screen) if c.title == "Pause exercise")
        pause.callback()
        await until(pilot, lambda: " paused " in text(app, "#status"), "the pause from the palette")
        assert app.query_one("#tabs").active == "timeline"
        assert exercise(started)["status"] == "paused"
        assert not app.query_one("#activity-box").display  # no room for it at 80 columns
        await pilot.click("#--content-tab-sitreps")  # the mouse works too
        assert app.query_one("#tabs").active == "sitreps"
        first = app.theme
        await pilot.press("f10")
        assert app.theme != first and app.theme in ("textual-light", "textual-dark")

    run(client_for("director"), body, size=(80, 24))


def test_connection_loss_shows_and_reconnects(started: RangeHarness, client_for):
    async def body(app: DirectorApp, pilot: Pilot) -> None:
        status = app.query_one("#status")
        port = started.server.port
        await asyncio.to_thread(started.server.stop)
        await until(pilot, lambda: "connection lost" in text(app, "#status"), "the lost state")
        assert status.has_class("down")
        server_app = create_range_app(ServerConfig(), started.store, started.service)
        started.server = TaxiiServer(server_app, port=port).start()
        ok(started.post("director", "/director/messages", {"text": "back"}))
        await until(pilot, lambda: "● connected" in text(app, "#status"), "the reconnection")
        assert not status.has_class("down")
        log = app.query_one("#message-log", Log)
        await until(pilot, lambda: any("back" in x for x in log.lines), "the event after it")

    run(client_for("director"), body)


def test_quit_does_not_wait_for_the_long_poll(started: RangeHarness, client_for):
    quits_at_once(DirectorApp(client_for("director"), poll_wait=8.0), started)
