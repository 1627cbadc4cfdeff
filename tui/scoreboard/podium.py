"""The podium: each team's place and total in big digits, for a projector (shown
when the screen is tall enough, see :data:`TALL`)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from range.api.models import BoardRow
from tui.scoreboard.ranking import points, ranks

TALL = 36
"""From this many lines on, the scoreboard shows the podium."""
MOST = 6
"""Cards shown at most (the ranking table lists every team)."""


class Card(Vertical):
    """One place: rank and team name over the total in big digits."""

    def __init__(self) -> None:
        super().__init__()
        self.team = Static("", classes="card-team")
        self.total = Digits("", classes="card-total")

    def compose(self) -> ComposeResult:
        yield self.team
        yield self.total

    def show(self, rank: int, name: str, total: float, color: tuple[int, int, int]) -> None:
        """Fill the card in (before or after it is mounted)."""
        self.team.update(f"{rank}. {name}")
        self.total.update(points(total))
        self.styles.border = ("round", Color(*color))


class Podium(Horizontal):
    """The first :data:`MOST` teams of the ranking, best first."""

    DEFAULT_CSS = """
    Podium {
        height: auto;
        margin: 0 1;
    }
    Podium Card {
        width: 1fr;
        height: auto;
        padding: 0 1;
    }
    Podium .card-team {
        text-style: bold;
    }
    """

    def show(
        self,
        rows: Sequence[BoardRow],
        names: dict[str, str],
        colors: dict[str, tuple[int, int, int]],
    ) -> None:
        shown = list(rows[:MOST])
        cards = list(self.query(Card))
        fresh = len(cards) != len(shown)
        if fresh:
            self.remove_children()
            cards = [Card() for _ in shown]
        for card, rank, row in zip(cards, ranks(shown), shown, strict=True):
            color = colors.get(row.team, (128, 128, 128))
            card.show(rank, names.get(row.team, row.team), row.total, color)
        if fresh:
            self.mount_all(cards)
