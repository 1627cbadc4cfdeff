"""The team console driven by Pilot against a real range server (tiny scenario):
each action checked on the screen and in the server's state through the API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Log, Static, TextArea
from textual.widgets._footer import FooterKey

from indicators.taxii import ServerConfig, TaxiiServer
from indicators.tlp import Tlp
from range.api.app import create_range_app
from tests.range.api.conftest import RangeHarness, ok
from tests.tui.conftest import quits_at_once, until
from tui.client import ConsoleClient
from tui.team.alerts import AlertFeed
from tui.team.app import PALETTE, TABS, TeamApp
from tui.team.cells import clock
from tui.team.help import HelpScreen, first_time, remember_guided
from tui.team.responses import RulesTable
from tui.team.status import StatusLine
from tui.team.traffic import TrafficView
from tui.team.workbench import DeployedTable

SCANNER = "203.0.113.66"
PATTERN = f"[network-traffic:src_ref.value = '{SCANNER}']"


def run(
    client: ConsoleClient, body: Callable[[TeamApp, Pilot], Awaitable[None]], size=(120, 40)
) -> None:
    """Run the console on ``client`` and ``body`` with its pilot, once it has loaded."""

    async def main() -> None:
        app = TeamApp(client, poll_wait=0.5)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.loaded, "the console to load")
            await body(app, pilot)

    asyncio.run(main())


def text(node, selector: str) -> str:
    return str(node.query_one(selector, Static).render())


def rows(app: TeamApp, selector: str) -> list[list[str]]:
    table = app.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def errors(app: TeamApp) -> list[str]:
    """The error notifications on screen."""
    return [n.message for n in app._notifications if n.severity == "error"]


def test_write_validate_deploy_see_alert_block(started: RangeHarness, client_for):
    started.step(20)  # before the first inject: no attack traffic yet

    async def body(app: TeamApp, pilot: Pilot) -> None:
        await pilot.press("f3")
        assert app.focused is app.query_one("#pattern", TextArea)
        await pilot.press(*PATTERN[:-1])  # the closing ] is missing
        await until(pilot, lambda: "✗" in text(app, "#check"), "the validation error")
        check = text(app, "#check")
        assert f"line 1 col {len(PATTERN)}" in check
        assert check.endswith(PATTERN[:-1] + "\n" + " " * (len(PATTERN) - 1) + "^")
        await pilot.press("]")
        await until(pilot, lambda: "✓ valid" in text(app, "#check"), "the pattern valid")

        app.query_one("#indicator-name", Input).value = "scanner"
        await pilot.press("ctrl+g")
        await until(pilot, lambda: rows(app, "#deployed-table"), "the deployed indicator")
        assert rows(app, "#deployed-table")[0][1:3] == ["scanner", "ee"]
        server = ok(started.get("ee-analyst", "/teams/ee/indicators"))["indicators"]
        assert [(i["name"], i["pattern"]) for i in server] == [("scanner", PATTERN)]

        feed = app.query_one(AlertFeed)
        assert feed.table.row_count == 0
        await asyncio.to_thread(started.step, 40)  # the scan of ee's portal at 30s
        stepped = time.monotonic()
        await until(pilot, lambda: feed.table.row_count > 0, "an alert")
        latency = time.monotonic() - stepped
        print(f"alert on screen {latency:.3f}s after the engine raised it")
        assert latency < 1.0  # the engine's step returned with the alert in the log
        await pilot.press("f1")
        top = rows(app, "#alert-table")[0]
        assert top[2] == "NEW" and top[3] == "scanner (ours)"
        assert SCANNER in top[4] and top[5].startswith(SCANNER + ":")
        alerts = ok(started.get("ee-analyst", "/teams/ee/alerts"))["alerts"]
        assert len(alerts) == feed.table.row_count

        await pilot.press("b")  # block the highlighted alert's source
        await until(pilot, lambda: rows(app, "#rules-table"), "the rule in the list")
        assert rows(app, "#rules-table")[0][2:5] == ["block-ip", SCANNER, "both"]
        rules = ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"]
        assert [(r["kind"], r["value"]) for r in rules] == [("block-ip", SCANNER)]

        await pilot.press("a")
        await until(pilot, lambda: rows(app, "#alert-table")[0][2] == "ack", "the ack")
        acked = ok(started.get("ee-analyst", "/teams/ee/alerts", state="acknowledged"))
        assert [a["alert_id"] for a in acked["alerts"]] == [feed.current().alert_id]

    run(client_for("ee-analyst"), body)


def test_test_pattern_then_undeploy(started: RangeHarness, client_for):
    started.step(60)
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN, "name": "s"}), 201)

    async def body(app: TeamApp, pilot: Pilot) -> None:
        await pilot.press("f3")
        app.query_one("#pattern", TextArea).text = f"[ipv4-addr:value = '{SCANNER}']"
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "hit(s)" in text(app, "#test-result"), "the test result")
        result = text(app, "#test-result")
        hits = int(result.split()[0])
        assert hits > 0 and f"in {hits}" not in result.splitlines()[0][:3]
        assert SCANNER in result  # a sample line
        await until(pilot, lambda: rows(app, "#deployed-table"), "the deployed list")
        app.query_one("#deployed-table").focus()
        await pilot.press("u")
        await until(pilot, lambda: not rows(app, "#deployed-table"), "the undeploy")
        assert ok(started.get("ee-analyst", "/teams/ee/indicators"))["indicators"] == []

    run(client_for("ee-analyst"), body)


def test_false_positive_and_jump_to_observations(started: RangeHarness, client_for):
    started.step(60)
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN}), 201)

    async def body(app: TeamApp, pilot: Pilot) -> None:
        feed = app.query_one(AlertFeed)
        await until(pilot, lambda: feed.table.row_count > 0, "the hunt's alerts")
        alert = feed.current()
        await pilot.press("x")
        await until(pilot, lambda: rows(app, "#alert-table")[0][2] == "FP", "the mark")
        marked = ok(started.get("ee-analyst", "/teams/ee/alerts", state="false-positive"))
        assert [a["alert_id"] for a in marked["alerts"]] == [alert.alert_id]

        await pilot.press("o")
        await until(pilot, lambda: rows(app, "#traffic-table"), "the alert's observations")
        assert app.query_one("#tabs").active == "traffic"
        assert app.query_one("#filter-address", Input).value == SCANNER
        start = app.query_one("#filter-since", Input).value  # the alert's time window
        end = app.query_one("#filter-until", Input).value
        assert start < clock(alert.observed) <= end
        assert all(start <= r[0].lstrip("* ") <= end for r in rows(app, "#traffic-table"))
        starred = [r for r in rows(app, "#traffic-table") if r[0].startswith("* ")]
        assert len(starred) == len(alert.observation_ids)
        assert all(SCANNER in r[1] + r[2] for r in rows(app, "#traffic-table"))
        await until(pilot, lambda: "observed-data--" in text(app, "#traffic-detail"), "detail")

    run(client_for("ee-analyst"), body)


def test_traffic_filters(started: RangeHarness, client_for):
    started.step(60)

    async def body(app: TeamApp, pilot: Pilot) -> None:
        await pilot.press("f2")
        app.query_one("#filter-port", Input).value = "22"
        app.query_one("#filter-protocol", Input).value = "tcp"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: rows(app, "#traffic-table"), "the search")
        expected = ok(started.get("ee-analyst", "/teams/ee/observations", port=22, protocol="tcp"))
        assert len(rows(app, "#traffic-table")) == len(expected["observations"])
        assert all(
            r[2].endswith(":22") or r[1].endswith(":22") for r in rows(app, "#traffic-table")
        )
        app.query_one("#filter-port", Input).value = "http"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: errors(app), "the refusal of a bad port")
        assert errors(app) == ["port 'http' is not a number"]

    run(client_for("ee-analyst"), body)


def test_shared_inbox_deploys_with_one_key(started: RangeHarness, client_for):
    ee = client_for("ee-analyst")
    ee.exercise()
    published = ee.publish(tlp="green", pattern=f"[ipv4-addr:value = '{SCANNER}']", name="scan")
    shared_id = published.indicator["id"]

    async def body(app: TeamApp, pilot: Pilot) -> None:
        await pilot.press("f4")
        inbox = rows(app, "#inbox-table")
        assert [r[1:6] for r in inbox] == [["ee", "TLP:GREEN", "", "", "scan"]]
        assert "from ee, TLP:GREEN, no sightings yet" in text(app, "#inbox-status")
        await pilot.press("d")
        await until(pilot, lambda: rows(app, "#inbox-table")[0][3] == "deployed", "deployed")
        deployed = ok(started.get("lv-analyst", "/teams/lv/indicators"))["indicators"]
        assert [(d["indicator_id"], d["producer"], d["imported"]) for d in deployed] == [
            (shared_id, "ee", True)
        ]
        assert Tlp.GREEN.label == deployed[0]["tlp"]

        await asyncio.to_thread(started.step, 140)  # the scan of lv's portal at 2m
        await until(pilot, lambda: rows(app, "#inbox-table")[0][4], "the sightings")
        events = ok(started.get("director", "/events", limit=1000))["events"]
        sightings = [e for e in events if e["kind"] == "sighting"]
        assert sightings and {e["team"] for e in sightings} == {"lv"}
        count = sightings[-1]["count"]
        assert rows(app, "#inbox-table")[0][4] == str(count)
        assert f"sighted {count} time(s) by lv" in text(app, "#inbox-status")

    run(client_for("lv-analyst"), body)


def test_responses_form_block_cidr_isolate_and_unblock(started: RangeHarness, client_for):
    async def body(app: TeamApp, pilot: Pilot) -> None:
        await pilot.press("f5")
        assert app.focused is app.query_one("#rule-value", Input)
        app.query_one("#rule-kind").value = "block-cidr"
        await pilot.press("2", "0", "3", ".", "0", ".", "1", "1", "3", ".", "0", "/", "2", "4")
        await pilot.press("ctrl+b")
        await until(pilot, lambda: rows(app, "#rules-table"), "the new rule")
        assert rows(app, "#rules-table")[0][2:4] == ["block-cidr", "203.0.113.0/24"]
        rules = ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"]
        assert [(r["value"]) for r in rules] == ["203.0.113.0/24"]

        app.query_one("#rule-kind").value = "isolate-host"
        app.query_one("#rule-value", Input).value = "192.0.2.30"
        await pilot.press("ctrl+b")
        await until(pilot, lambda: len(rows(app, "#rules-table")) == 2, "the isolation")
        rules = ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"]
        assert ("isolate-host", "192.0.2.30") in [(r["kind"], r["value"]) for r in rules]

        app.query_one("#rule-value", Input).value = "not an address"
        await pilot.press("ctrl+b")
        await until(pilot, lambda: errors(app), "the refusal")
        assert "refused (422): value:" in errors(app)[0]

        app.query_one("#rules-table").focus()
        await pilot.press("u")
        await until(pilot, lambda: len(rows(app, "#rules-table")) == 1, "the unblock")
        assert len(ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"]) == 1

    run(client_for("ee-analyst"), body)


def test_messages_sitrep_and_score(started: RangeHarness, client_for):
    started.step(60)
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN}), 201)

    async def body(app: TeamApp, pilot: Pilot) -> None:
        log = app.query_one("#messages", Log)
        assert any("Welcome on shift." in line for line in log.lines)
        ok(started.post("director", "/director/messages", {"text": "Report by noon", "to": ["ee"]}))
        await until(pilot, lambda: any("Report by noon" in x for x in log.lines), "the message")

        await pilot.press("f7")
        assert app.focused is app.query_one("#briefing-scroll")  # ? opens the help from here
        await pilot.press("ctrl+o")  # an empty sitrep: the field gets the focus
        assert app.focused is app.query_one("#sitrep", Input)
        await pilot.press(*"scan seen?")
        await pilot.press("enter")
        await until(pilot, lambda: any("scan seen?" in x for x in log.lines), "the sitrep")
        events = ok(started.get("director", "/events", limit=1000))["events"]
        assert [e["text"] for e in events if e["kind"] == "sitrep"] == ["scan seen?"]

        await pilot.press("f6")
        score = ok(started.get("ee-analyst", "/teams/ee/score"))
        await until(pilot, lambda: rows(app, "#score-table"), "the score lines")
        assert text(app, "#score-total").startswith(f"Score {score['total']:g}")
        assert [r[4] for r in rows(app, "#score-table")] == [line["why"] for line in score["lines"]]

    run(client_for("ee-analyst"), body)


def test_palette_lists_every_action(started: RangeHarness, client_for):
    async def body(app: TeamApp, pilot: Pilot) -> None:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Deploy pattern", "Block alert source", "Apply response rule"} <= titles
        app.query_one("#pattern", TextArea).text = "[ipv4-addr:value = '198.51.100.7']"
        next(
            c for c in app.get_system_commands(app.screen) if c.title == "Deploy pattern"
        ).callback()
        await until(pilot, lambda: rows(app, "#deployed-table"), "the deploy from the palette")
        assert app.query_one("#tabs").active == "workbench"

    run(client_for("ee-analyst"), body)


def test_theme_toggles(started: RangeHarness, client_for):
    async def body(app: TeamApp, pilot: Pilot) -> None:
        first = app.theme
        await pilot.press("f10")
        assert app.theme != first and app.theme in ("textual-light", "textual-dark")

    run(client_for("ee-analyst"), body, size=(80, 24))


def test_traffic_shows_recent_follows_and_filters_by_time(started: RangeHarness, client_for):
    started.step(20)

    async def body(app: TeamApp, pilot: Pilot) -> None:
        traffic = app.query_one(TrafficView)
        await pilot.press("f2")
        await until(pilot, lambda: traffic.searched, "the recent observations")
        recent = ok(started.get("ee-analyst", "/teams/ee/observations"))["observations"]
        assert recent and [r[0] for r in rows(app, "#traffic-table")] == [
            clock(o["time"]) for o in recent
        ]
        assert recent[0]["id"] in text(app, "#traffic-detail")  # the detail pane

        await asyncio.to_thread(started.step, 40)  # the scan at 30s comes in live
        await until(
            pilot,
            lambda: any(SCANNER in r[1] for r in rows(app, "#traffic-table")),
            "the scan's observations without a new search",
        )

        app.query_one("#filter-since", Input).value = "08:00:29"
        app.query_one("#filter-until", Input).value = "08:00:31"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: traffic.search.until, "the window's search")
        await until(pilot, lambda: traffic.searched and not traffic.search.live, "the answer")
        window = {"start": "2026-01-05T08:00:29Z", "end": "2026-01-05T08:00:31Z"}
        expected = ok(started.get("ee-analyst", "/teams/ee/observations", **window))
        await until(
            pilot,
            lambda: len(rows(app, "#traffic-table")) == len(expected["observations"]),
            "the window's observations",
        )
        assert all("08:00:29" <= r[0] <= "08:00:31" for r in rows(app, "#traffic-table"))

        app.query_one("#filter-since", Input).value = "last 5s"  # of simulated time: 08:00:35
        app.query_one("#filter-until", Input).value = ""
        await pilot.press("ctrl+r")
        await until(pilot, lambda: traffic.search.since == "last 5s", "the relative search")
        since = {"start": "2026-01-05T08:00:35Z"}
        expected = ok(started.get("ee-analyst", "/teams/ee/observations", **since))
        await until(
            pilot,
            lambda: len(rows(app, "#traffic-table")) == len(expected["observations"]),
            "the last five seconds",
        )
        assert all(r[0] >= "08:00:35" for r in rows(app, "#traffic-table"))

        app.query_one("#filter-since", Input).value = "soon"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: errors(app), "the refusal of a bad time")
        assert errors(app)[0].startswith("since: 'soon' is not a time")

    run(client_for("ee-analyst"), body)


def test_first_time_player_is_guided(started: RangeHarness, client_for):
    async def body(app: TeamApp, pilot: Pilot) -> None:
        assert app.query_one("#tabs").active == "briefing"
        assert "Press ? for the keys" in text(app, "#briefing-hint")
        assert "Tiny range" in text(app, "#briefing-text")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f3")  # leaving the briefing the first time shows the help
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        keys = text(app.screen, "#help-keys")
        for key in ("ctrl+t  test", "ctrl+g  deploy", "ctrl+s", "a ack", "ctrl+b"):
            assert key in keys
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help closed")
        assert app.guided and app.query_one("#tabs").active == "workbench"
        await pilot.press("f1")  # only once by itself
        await until(pilot, lambda: app.query_one("#tabs").active == "alerts", "the alerts")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")  # and on ? any time
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help on ?")
        await pilot.click("#help-close")  # the mouse closes it
        await until(pilot, lambda: not isinstance(app.screen, HelpScreen), "the help closed")
        await pilot.press("f3", "question_mark")  # typed into the pattern, not help
        await until(pilot, lambda: app.query_one("#pattern", TextArea).text == "?", "the ?")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help on F8")
        log = app.main.query_one("#messages", Log)  # news under the help is not lost
        ok(started.post("director", "/director/messages", {"text": "Read the help"}))
        await until(pilot, lambda: any("Read the help" in x for x in log.lines), "the message")
        await pilot.press("escape")

    client = client_for("ee-analyst")

    async def main() -> None:
        app = TeamApp(client, poll_wait=0.5, guide=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.loaded, "the console to load")
            await body(app, pilot)

    asyncio.run(main())


def test_help_is_remembered_once_shown(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert first_time(env)
    remember_guided(env)
    assert not first_time(env)
    assert not first_time({"HOME": str(tmp_path / "home"), **env})


def test_every_action_has_a_footer_key_and_a_palette_entry(started: RangeHarness, client_for):
    palette = {(tab, action) for _, _, tab, action in PALETTE}
    for tab, _, pane, _ in TABS:
        tables = {"workbench": [DeployedTable], "responses": [RulesTable]}.get(tab, [])
        for cls in (pane, *tables):
            for binding in cls.BINDINGS:
                assert binding.show, binding
                assert (tab, binding.action) in palette, (tab, binding)
                assert hasattr(pane, f"action_{binding.action}")
    started.step(60)
    rule = {"kind": "block-port", "value": "tcp/22"}
    ok(started.post("ee-analyst", "/teams/ee/responses", rule), 201)
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN}), 201)

    async def body(app: TeamApp, pilot: Pilot) -> None:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {title for title, _, _, _ in PALETTE} | {"Help: keys"} <= titles
        await until(pilot, lambda: rows(app, "#rules-table"), "the rule")
        await pilot.press("ctrl+p")  # the real command palette
        await pilot.press(*"Unblock")
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count, "the match")
        assert "Unblock" in str(app.screen.query_one(CommandList).get_option_at_index(0).prompt)
        await pilot.press("enter")
        await until(pilot, lambda: not rows(app, "#rules-table"), "the unblock")
        assert ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"] == []
        assert app.query_one("#tabs").active == "responses"

        await pilot.click("#--content-tab-alerts")  # the mouse: a tab, a row, a footer key
        assert app.query_one("#tabs").active == "alerts"
        await until(pilot, lambda: rows(app, "#alert-table"), "the alerts")
        await pilot.click("#alert-table", offset=(10, 3))  # the third row (header first)
        feed = app.query_one(AlertFeed)
        await until(pilot, lambda: feed.table.cursor_row == 2, "the clicked row")
        clicked = feed.current()
        ack = next(k for k in app.query(FooterKey) if k.action == "acknowledge")
        await pilot.click(ack)
        await until(pilot, lambda: clicked.state == "acknowledged", "the ack by mouse")
        acked = ok(started.get("ee-analyst", "/teams/ee/alerts", state="acknowledged"))
        assert [a["alert_id"] for a in acked["alerts"]] == [clicked.alert_id]

    run(client_for("ee-analyst"), body)


def test_connection_loss_shown_refused_and_recovered(started: RangeHarness, client_for):
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN}), 201)

    async def body(app: TeamApp, pilot: Pilot) -> None:
        status = app.query_one(StatusLine)
        assert "● connected" in text(app, "#status")
        port = started.server.port
        await asyncio.to_thread(started.server.stop)
        await until(pilot, lambda: "connection lost" in text(app, "#status"), "the loss shown")
        assert status.has_class("down")

        await pilot.press("f5")
        await pilot.press(*"198.51.100.99")
        await pilot.press("ctrl+b")
        await until(pilot, lambda: errors(app), "the refusal while down")
        assert errors(app)[0].startswith("block-ip 198.51.100.99: NOT DONE, no answer")
        assert app.query_one("#rule-value", Input).value == "198.51.100.99"  # kept

        server = create_range_app(ServerConfig(), started.store, started.service)
        started.server = TaxiiServer(server, port=port).start()
        await until(pilot, lambda: "● connected" in text(app, "#status"), "the reconnection")
        assert not status.has_class("down")

        await pilot.press("ctrl+b")  # the same rule again, now applied
        await until(pilot, lambda: rows(app, "#rules-table"), "the rule")
        rules = ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"]
        assert [r["value"] for r in rules] == ["198.51.100.99"]
        await asyncio.to_thread(started.step, 40)  # and the feed follows again
        await until(pilot, lambda: rows(app, "#alert-table"), "an alert after the restart")

    run(client_for("ee-analyst"), body)


def test_quit_does_not_wait_for_the_long_poll(started: RangeHarness, client_for):
    quits_at_once(TeamApp(client_for("ee-analyst"), poll_wait=8.0), started)


def test_tab_leaves_the_pattern_editor_for_the_name(started: RangeHarness, client_for):
    async def body(app: TeamApp, pilot: Pilot) -> None:
        editor = app.query_one("#pattern", TextArea)
        name = app.query_one("#indicator-name", Input)
        await pilot.press("f3")
        for attempt in range(3):  # typed fast, with the validation's answer arriving
            editor.focus()
            await until(pilot, lambda: app.focused is editor, "the editor focused")
            editor.text = ""
            name.value = ""
            await pilot.press(*PATTERN, "tab", *"scanner")
            assert app.focused is name, attempt
            assert editor.text == PATTERN and name.value == "scanner"
            await until(pilot, lambda: "✓ valid" in text(app, "#check"), "the verdict")
            await pilot.press("shift+tab")
            assert app.focused is editor
            await pilot.press("tab")
            assert app.focused is name and editor.text == PATTERN

    run(client_for("ee-analyst"), body)


def test_feed_keeps_the_newest_alerts_and_shows_older_ones_on_more(
    started: RangeHarness, client_for
):
    started.step(60)  # the scan is in the recent traffic: deploying finds 4 alerts

    async def body(app: TeamApp, pilot: Pilot) -> None:
        feed = app.query_one(AlertFeed)
        feed.shown = 2
        ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": PATTERN}), 201)
        await until(pilot, lambda: len(feed.alerts) == 4, "the hunt's alerts")
        server = ok(started.get("ee-analyst", "/teams/ee/alerts"))["alerts"]
        newest = sorted(server, key=lambda a: a["seq"], reverse=True)
        assert set(feed.alerts) == {a["alert_id"] for a in server}
        assert feed.table.row_count == 2  # the newest two, newest first
        assert [r[0] for r in rows(app, "#alert-table")] == [str(a["seq"]) for a in newest[:2]]
        assert feed.current().alert_id == newest[0]["alert_id"]
        await pilot.press("m")
        assert [r[0] for r in rows(app, "#alert-table")] == [str(a["seq"]) for a in newest]
        feed.table.move_cursor(row=3)
        await pilot.press("a")  # the oldest, acknowledged from the older rows
        await until(pilot, lambda: rows(app, "#alert-table")[3][2] == "ack", "the ack")
        acked = ok(started.get("ee-analyst", "/teams/ee/alerts", state="acknowledged"))
        assert [a["alert_id"] for a in acked["alerts"]] == [newest[3]["alert_id"]]

    run(client_for("ee-analyst"), body)
