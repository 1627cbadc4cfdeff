"""The team console's pure parts: time filters, the protocol cell, columns that share
a table's width."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region

from tui.team.cells import top_protocol
from tui.team.pane import Col, FitTable
from tui.team.traffic import time_bound

NOW = datetime(2026, 1, 5, 8, 10, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "seconds_before_now"),
    [
        ("15", 900),
        ("15m", 900),
        ("last 15 min", 900),
        ("-2m", 120),
        ("90s", 90),
        ("1.5h", 5400),
        ("08:05", 300),
        ("08:09:30", 30),
        ("2026-01-05T08:00:00Z", 600),
        ("2026-01-05T10:00:00+02:00", 600),
        ("2026-01-05T08:00:00", 600),
    ],
)
def test_time_bound_reads_minutes_ago_times_of_day_and_iso(text, seconds_before_now):
    assert time_bound(text, NOW) == NOW - seconds_before_now


def test_time_bound_blank_and_refusals():
    assert time_bound("  ", NOW) is None
    for bad in ("soon", "25:00", "8:61", "15 days"):
        with pytest.raises(ValueError, match="not a time"):
            time_bound(bad, NOW)


def test_top_protocol():
    assert top_protocol(["ipv4", "tcp", "http"]) == "http"
    assert top_protocol(["ipv4", "tcp"]) == "tcp"
    assert top_protocol(["ipv6", "udp", "dns"]) == "dns"
    assert top_protocol(["ipv4"]) == "ipv4"


COLUMNS = (Col("a", "a", 8), Col("b", "b", 10, 1), Col("c", "c", 4, 3))


class OneTable(App[None]):
    COLUMNS = COLUMNS

    def compose(self) -> ComposeResult:
        yield FitTable(self.COLUMNS, id="t")


@pytest.mark.parametrize(
    ("width", "widths"), [(30, [8, 10, 4]), (40, [8, 12, 12]), (80, [8, 22, 42])]
)
def test_fit_table_shares_what_is_left(width, widths):
    async def main() -> list[int]:
        app = OneTable()
        async with app.run_test(size=(width, 10)) as pilot:
            table = app.query_one(FitTable)
            table.add_row("[b]x[/b]", "y", "z")
            await pilot.pause()
            shown = table.render_lines(Region(0, 1, width, 1))[0].text
            assert shown.split()[:2] == ["[b]x[/b]", "y"]  # text, not markup
            return [c.width for c in table.columns.values()]

    # at 80: 80 - 2 (scrollbar) - 6 (padding) - 22 (least) = 50 left, b has 1 share
    # of 4 (12), c 3 (37, and the 1 lost to rounding: the largest share gets it)
    assert asyncio.run(main()) == widths


def test_fit_table_leaves_out_a_column_below_its_width():
    async def main(width: int) -> list[int]:
        app = OneTable()
        app.COLUMNS = (*COLUMNS, Col("d", "d", 6, 1, wide=60))  # type: ignore[attr-defined]
        async with app.run_test(size=(width, 10)) as pilot:
            await pilot.pause()
            return [c.width for c in app.query_one(FitTable).columns.values()]

    # at 40: 40 - 2 - 8 (padding) - 22 = 8 left for b (1 share) and c (3); d gets 0
    assert asyncio.run(main(40)) == [8, 12, 10, 0]
    assert asyncio.run(main(80))[3] > 6


def test_put_first_adds_on_top_keeps_the_newest_and_the_cursor_row():
    async def main() -> None:
        app = OneTable()
        async with app.run_test(size=(60, 12)) as pilot:
            table = app.query_one(FitTable)
            table.put_first([("2", ("two",)), ("1", ("one",))], keep=4)
            assert [r.key.value for r in table.ordered_rows] == ["2", "1"]
            assert table.cursor_row == 0  # on the newest
            table.put_first([("3", ("three",))], keep=4)
            assert [r.key.value for r in table.ordered_rows] == ["3", "2", "1"]
            assert table.cursor_row == 0  # it was on the top row: stays on the newest
            table.move_cursor(row=1)  # on "2"
            table.put_first([("5", ("five",)), ("4", ("four",))], keep=4)
            assert [r.key.value for r in table.ordered_rows] == ["5", "4", "3", "2"]
            assert table.row_count == 4 and "1" not in table.rows  # the oldest dropped
            assert table.get_row_at(3)[0].plain == "two"
            assert table.cursor_row == 3  # still on "2"
            await pilot.pause()
            shown = table.render_lines(Region(0, 1, 60, 4))
            assert [line.text.split()[0] for line in shown] == ["five", "four", "three", "two"]

    asyncio.run(main())
