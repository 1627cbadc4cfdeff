"""The traffic view: the team's recent observations, filtered by address, port,
protocol and domain (and a time window when coming from an alert), with a detail
pane showing the observation's STIX objects."""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from range.api.models import ObservationView
from tui.team.cells import clock, flow_of
from tui.team.pane import Pane, selected_key

FILTERS = ("address", "port", "protocol", "domain")


@dataclass(frozen=True)
class Search:
    """One search of the traffic view (what the client's observations call takes)."""

    address: str | None = None
    port: int | None = None
    protocol: str | None = None
    domain: str | None = None
    start: float | None = None
    end: float | None = None
    marked: frozenset[str] = frozenset()
    """Observation ids to mark (an alert's)."""


class TrafficView(Pane):
    BINDINGS = [
        Binding("ctrl+r", "search", "Search"),
        Binding("ctrl+l", "clear", "Clear filters"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.found: dict[str, ObservationView] = {}
        self.search = Search()

    def compose(self) -> ComposeResult:
        with Horizontal(id="traffic-filters"):
            for name in FILTERS:
                yield Input(placeholder=name, id=f"filter-{name}", compact=True)
        table: DataTable = DataTable(id="traffic-table", cursor_type="row", zebra_stripes=True)
        table.add_column("time", key="time", width=8)
        table.add_column("source", key="source", width=21)
        table.add_column("destination", key="destination", width=21)
        table.add_column("protocols", key="protocols", width=14)
        table.add_column("domains", key="domains", width=28)
        yield table
        yield Static("Enter filters and press Enter (or ctrl+r).", id="traffic-detail")

    @property
    def table(self) -> DataTable:
        return self.query_one("#traffic-table", DataTable)

    def filters(self) -> Search:
        """The search the filter inputs describe (a bad port is reported, not sent)."""
        values = {n: self.query_one(f"#filter-{n}", Input).value.strip() for n in FILTERS}
        port: int | None = None
        if values["port"]:
            if not values["port"].isdigit():
                self.notify(f"port {values['port']!r} is not a number", severity="error")
                raise ValueError(values["port"])
            port = int(values["port"])
        return Search(
            address=values["address"] or None,
            port=port,
            protocol=values["protocol"] or None,
            domain=values["domain"] or None,
        )

    def run(self, search: Search) -> None:
        self.search = search
        self.console.act(
            "search observations",
            lambda c: c.observations(
                address=search.address,
                port=search.port,
                protocol=search.protocol,
                domain=search.domain,
                start=search.start,
                end=search.end,
            ),
            self.show,
        )

    def show(self, observations: list[ObservationView]) -> None:
        table = self.table
        table.clear()
        self.found = {o.id: o for o in observations}
        for o in observations:
            src, dst = flow_of(o)
            mark = "* " if o.id in self.search.marked else ""
            table.add_row(
                mark + clock(o.time),
                src,
                dst,
                ",".join(o.protocols),
                ",".join(o.domains),
                key=o.id,
            )
        detail = self.query_one("#traffic-detail", Static)
        detail.update(f"{len(observations)} observation(s)")

    def set_filters(self, search: Search) -> None:
        for name in FILTERS:
            value = getattr(search, name)
            self.query_one(f"#filter-{name}", Input).value = "" if value is None else str(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_search()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        found = self.current()  # not event.row_key: the table may have been refilled
        if found is None:
            return
        scos = [
            {k: v for k, v in o.items() if k not in ("spec_version", "created", "modified")}
            for o in found.objects
            if o.get("type") != "observed-data"
        ]
        text = found.id + "\n" + "\n".join(json.dumps(o, sort_keys=True) for o in scos)
        self.query_one("#traffic-detail", Static).update(text)

    def current(self) -> ObservationView | None:
        key = selected_key(self.table)
        return self.found.get(key) if key else None

    def action_search(self) -> None:
        try:
            search = self.filters()
        except ValueError:
            return
        self.run(search)

    def action_clear(self) -> None:
        self.set_filters(Search())
        self.run(Search())
