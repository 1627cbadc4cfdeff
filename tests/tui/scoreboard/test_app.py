"""The scoreboard against a real server: the ranking is the API's, the chart draws
the API's history, both follow the scores as they change, for a partner account."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from rich.text import Text
from textual.pilot import Pilot

from range.api.models import BoardRow
from tests.range.api.conftest import RangeHarness, ok
from tests.tui.conftest import until
from tui.chart import ScoreChart
from tui.client import ConsoleClient
from tui.scoreboard.app import ScoreboardApp
from tui.scoreboard.podium import Card, Podium
from tui.scoreboard.ranking import RankingTable, category_names, label, ranks


def table_rows(app: ScoreboardApp) -> list[tuple[str, str, str]]:
    """(rank, team, total) of every row as shown."""
    table = app.query_one(RankingTable)
    out = []
    for row in range(table.row_count):
        cells = [str(c.plain if isinstance(c, Text) else c) for c in table.get_row_at(row)]
        out.append((cells[0], cells[1], cells[2]))
    return out


def podium(app: ScoreboardApp) -> list[tuple[str, str]]:
    """(place and team, total) of every card of the podium."""
    return [(str(c.team.render()), c.total.value) for c in app.query(Card)]


def run(
    client: ConsoleClient,
    body: Callable[[ScoreboardApp, Pilot], Awaitable[None]],
    size: tuple[int, int],
    every: float = 0.1,
) -> None:
    """Run the scoreboard on ``client`` and ``body`` with its pilot, once it has loaded."""

    async def main() -> None:
        app = ScoreboardApp(client, every=every)
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: app.loaded, "the scoreboard to load")
            await body(app, pilot)

    asyncio.run(main())


def api_rows(api: RangeHarness) -> list[tuple[str, str, str]]:
    board = ok(api.get("partner", "/scoreboard"))["teams"]
    names = {"ee": "CERT-EE", "lv": "CERT-LV"}
    return [(str(i), f"■ {names[r['team']]}", f"{r['total']:g}") for i, r in enumerate(board, 1)]


def test_ranking_and_chart_are_the_apis_and_follow_the_scores(scored, client_for):
    async def body(app: ScoreboardApp, pilot: Pilot) -> None:
        before = api_rows(scored)
        assert table_rows(app) == before
        assert before[0][1] == "■ CERT-EE" and float(before[0][2]) > 0
        table = app.query_one(RankingTable)
        titles = [str(c.label) for c in table.columns.values()]
        assert titles[:3] == ["#", "team", "total"]
        assert {"detection", "response", "sharing", "availability"} <= set(titles)
        chart = app.query_one(ScoreChart)
        assert chart.teams == ["ee", "lv"]
        assert chart.history.model_dump() == ok(scored.get("partner", "/scoreboard/history"))
        assert "CERT-LV" in table_rows(app)[1][1]
        assert app.query_one(Podium).display  # a tall screen: the totals in big digits
        assert podium(app) == [(f"{rank}. {team[2:]}", total) for rank, team, total in before]

        scored.step(240)
        after = api_rows(scored)
        assert after != before  # lv detected its scan; ee its brute force
        await until(pilot, lambda: table_rows(app) == after, "the new scores")
        assert podium(app) == [(f"{rank}. {team[2:]}", total) for rank, team, total in after]
        await until(
            pilot,
            lambda: chart.history.model_dump() == ok(scored.get("partner", "/scoreboard/history")),
            "the new history",
        )
        assert all(t.points for t in chart.history.teams)
        assert "+4m of 4m" in str(app.query_one("#board-title").render())

    run(client_for("partner"), body, (160, 48))


def test_narrow_screen_short_titles_and_theme(scored, client_for):
    async def body(app: ScoreboardApp, pilot: Pilot) -> None:
        table = app.query_one(RankingTable)
        titles = [str(c.label) for c in table.columns.values()]
        assert "detect" in titles and "detection" not in titles
        assert table.virtual_size.width <= 80
        assert not app.query_one(Podium).display  # no room for big digits
        chart = app.query_one(ScoreChart)
        dark = chart.color_of("ee")
        await pilot.press("f10")
        await until(pilot, lambda: app.theme == "textual-light", "the light theme")
        assert chart.color_of("ee") != dark

    run(client_for("lv-analyst"), body, (80, 24), every=5)


def test_connection_loss_is_shown_and_the_last_ranking_kept(scored, client_for):
    async def body(app: ScoreboardApp, pilot: Pilot) -> None:
        title = app.query_one("#board-title")
        shown = table_rows(app)
        scored.server.stop()
        await until(pilot, lambda: title.has_class("down"), "the lost connection shown")
        assert "connection lost" in str(title.render())
        assert table_rows(app) == shown

    run(client_for("partner"), body, (80, 24))


def test_ranks_share_places_on_equal_totals():
    rows = [BoardRow(team=t, total=v, categories={}) for t, v in [("a", 5), ("b", 5), ("c", 1)]]
    assert ranks(rows) == [1, 1, 3]
    assert ranks([]) == []


def test_categories_in_the_order_scoring_emits_them():
    rows = [
        BoardRow(team="a", total=0, categories={"detection": 1, "response": 0}),
        BoardRow(team="b", total=0, categories={"detection": 0, "bonus": 2}),
    ]
    assert category_names(rows) == ["detection", "response", "bonus"]
    assert label("false-positive", 80) == "false+" and label("false-positive", 160) == (
        "false-positive"
    )
    assert label("bonus-points", 80) == "bonus-p"
