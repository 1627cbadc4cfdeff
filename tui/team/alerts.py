"""The live alert feed: newest first; acknowledge, mark false positive, block the
source, or jump to the alert's observations.

Alerts arrive a page of events at a time and go into the table in one change (put
above the rows there, no sort), so a burst costs one re-render of the table, not one
per alert. The table keeps the newest :data:`SHOWN` alerts; ``m`` (More) brings the
next :data:`SHOWN` older ones in below them. Every alert stays known to the feed
(its state is kept up to date), and the server keeps them all
(``GET /teams/{team}/alerts``, the after-action report)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from range.api.models import AlertView
from range.events import Alert
from tui.team.cells import clock, endpoints, matched_values, producer_text, short_id
from tui.team.pane import Col, FitTable, Pane
from tui.widgets.tables import selected_key

STATE_TEXT = {"new": "NEW", "acknowledged": "ack", "false-positive": "FP"}
SHOWN = 500
"""Rows the table keeps at first, and how many more each ``m`` (More) shows."""


@dataclass
class AlertRow:
    """What the feed knows of one alert."""

    seq: int
    alert_id: str
    indicator_id: str
    producer: str
    time: float
    observed: float
    observation_ids: list[str]
    summary: list[str]
    state: str = "new"

    @classmethod
    def of(cls, alert: Alert | AlertView) -> AlertRow:
        return cls(
            seq=alert.seq,
            alert_id=alert.alert_id,
            indicator_id=alert.indicator_id,
            producer=alert.producer,
            time=alert.time,
            observed=alert.observed,
            observation_ids=list(alert.observation_ids),
            summary=list(alert.summary),
            state=getattr(alert, "state", "new"),
        )


class AlertFeed(Pane):
    BINDINGS = [
        Binding("a", "acknowledge", "Ack"),
        Binding("x", "false_positive", "False+"),
        Binding("o", "observations", "Flows"),
        Binding("b", "block_source", "Block"),
        Binding("m", "more", "More"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.alerts: dict[str, AlertRow] = {}
        """Every alert seen, oldest first (the event log's order)."""
        self.shown = SHOWN
        """How many of the newest alerts the table keeps."""

    def compose(self) -> ComposeResult:
        table = FitTable(
            (
                # at 80 columns: a whole address matched and a whole source
                # (addr:port); the destination is in the detail below
                Col("#", "seq", 4),
                Col("time", "time", 8),
                Col("state", "state", 5),
                Col("indicator", "indicator", 12, 2),
                Col("matched", "matched", 12, 3),
                Col("source", "source", 18, 1),
                Col("destination", "destination", 16, 2, wide=100),
            ),
            id="alert-table",
        )
        yield table
        yield Static("No alerts yet.", id="alert-detail", classes="detail", markup=False)

    @property
    def table(self) -> FitTable:
        return self.query_one("#alert-table", FitTable)

    def add(self, alert: Alert | AlertView) -> None:
        """Show an alert (once; a repeated id only updates its state)."""
        self.add_all([alert])

    def add_all(self, alerts: Iterable[Alert | AlertView]) -> None:
        """Show a page of alerts at the top of the table, newest first, in one change
        (a repeated id only updates its state)."""
        fresh: list[AlertRow] = []
        for alert in sorted(alerts, key=lambda a: a.seq):
            row = AlertRow.of(alert)
            if row.alert_id in self.alerts:
                self.set_state(row.alert_id, row.state)
                continue
            self.alerts[row.alert_id] = row
            fresh.append(row)
        if not fresh:
            return
        self.table.put_first([(r.alert_id, self._cells(r)) for r in reversed(fresh)], self.shown)
        self._show_detail(self.current())

    def _cells(self, row: AlertRow) -> tuple[object, ...]:
        src, dst = endpoints(row.summary)
        return (
            row.seq,
            clock(row.observed),
            STATE_TEXT.get(row.state, row.state),
            self._indicator_text(row),
            matched_values(row.summary),
            src,
            dst,
        )

    def _indicator_text(self, row: AlertRow) -> str:
        name = self.console.indicator_names.get(row.indicator_id) or short_id(row.indicator_id)
        return f"{name} ({producer_text(row.producer, self.console.team)})"

    def set_state(self, alert_id: str, state: str) -> None:
        row = self.alerts.get(alert_id)
        if row is None:
            return
        row.state = state
        if alert_id in self.table.rows:  # not when older than the rows kept
            self.table.update_cell(alert_id, "state", STATE_TEXT.get(state, state))

    def current(self) -> AlertRow | None:
        key = selected_key(self.table)
        return self.alerts.get(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(self.current())  # not event.row_key: rows may have moved since

    def _show_detail(self, row: AlertRow | None) -> None:
        """Describe the alert under the cursor (the table does not say so when rows
        move under a cursor that stays on row 0, and its messages arrive late)."""
        if row is None:
            return
        head = f"{row.alert_id} · {self._indicator_text(row)} · {row.indicator_id}"
        text = "\n".join([head, *row.summary])
        self.query_one("#alert-detail", Static).update(text, layout=False)  # its size is fixed

    # -- actions ---------------------------------------------------------------------

    def action_acknowledge(self) -> None:
        row = self.current()
        if row is not None:
            self.console.act(
                f"acknowledge {row.alert_id}",
                lambda c: c.acknowledge(row.alert_id),
                lambda _: self.set_state(row.alert_id, "acknowledged"),
            )

    def action_false_positive(self) -> None:
        row = self.current()
        if row is not None:
            self.console.act(
                f"false positive {row.alert_id}",
                lambda c: c.false_positive(row.alert_id, "marked in the team console"),
                lambda _: self.set_state(row.alert_id, "false-positive"),
            )

    def action_more(self) -> None:
        """Show the next :data:`SHOWN` older alerts below those in the table."""
        table = self.table
        older = list(reversed(self.alerts))[table.row_count : table.row_count + SHOWN]
        self.shown = max(self.shown, table.row_count) + SHOWN
        for alert_id in older:
            table.add_row(*self._cells(self.alerts[alert_id]), key=alert_id)
        self.console.notify(
            f"{table.row_count} of {len(self.alerts)} alerts in the table", timeout=3
        )

    def action_observations(self) -> None:
        row = self.current()
        if row is not None:
            self.console.show_observations(row)

    def action_block_source(self) -> None:
        row = self.current()
        if row is not None:
            self.console.block_source(row)
