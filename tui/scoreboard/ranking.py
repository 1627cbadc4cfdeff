"""The ranking table: one row per team, best first, with a column per score category.

Pure helpers (:func:`ranks`, :func:`category_names`, :func:`label`) turn the API's
:class:`~range.api.models.Scoreboard` into what the table shows, so they can be
checked with plain values.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from range.api.models import BoardRow

SHORT = {
    "detection": "detect",
    "response": "respond",
    "sharing": "share",
    "availability": "avail",
    "false-positive": "false+",
    "sitrep": "sitrep",
}
"""Column titles for a narrow screen (under :data:`WIDE` columns)."""
WIDE = 110
"""From this width on, categories get their full names."""


def ranks(rows: Sequence[BoardRow]) -> list[int]:
    """Competition ranking of rows sorted best first: equal totals share a rank and
    the next rank skips (1, 1, 3)."""
    out: list[int] = []
    for i, row in enumerate(rows):
        out.append(out[-1] if i and row.total == rows[i - 1].total else i + 1)
    return out


def category_names(rows: Sequence[BoardRow]) -> list[str]:
    """Every category any row has, in the order the scoring emits them."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.categories))
    return list(names)


def label(category: str, width: int) -> str:
    """A category's column title at a screen ``width``."""
    return category if width >= WIDE else SHORT.get(category, category[:7])


def points(value: float) -> str:
    return f"{value:g}"


class RankingTable(DataTable):
    """The ranking; :meth:`show` redraws it from a scoreboard."""

    def __init__(self, **kw: object) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kw)  # type: ignore[arg-type]
        self._columns: tuple[str, ...] = ()

    def show(
        self,
        rows: Sequence[BoardRow],
        names: dict[str, str],
        colors: dict[str, tuple[int, int, int]],
    ) -> None:
        """``rows`` best first; ``names`` the teams' display names, ``colors`` the
        colours of their lines in the chart (the swatch before each name)."""
        categories = category_names(rows)
        wide = self.app.size.width >= WIDE
        columns = ("wide" if wide else "narrow", *categories)
        if columns != self._columns:
            self.clear(columns=True)
            self.add_column("#", key="rank")
            self.add_column("team", key="team")
            self.add_column(Text("total", justify="right"), key="total")
            for category in categories:
                title = label(category, self.app.size.width)
                self.add_column(Text(title, justify="right"), key=category)
            self._columns = columns
        else:
            self.clear()
        for rank, row in zip(ranks(rows), rows, strict=True):
            r, g, b = colors.get(row.team, (128, 128, 128))
            team = Text.assemble(("■ ", f"rgb({r},{g},{b})"), names.get(row.team, row.team))
            self.add_row(
                Text(str(rank), style="bold"),
                team,
                Text(points(row.total), style="bold", justify="right"),
                *(Text(points(row.categories.get(c, 0)), justify="right") for c in categories),
                key=row.team,
            )
