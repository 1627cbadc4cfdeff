"""The traffic view: the team's recent observations, newest first, filtered by
address, port, protocol, domain and a window of simulated time, with a detail pane
showing the highlighted observation's STIX objects.

The view reads the recent observations when its tab opens and again as traffic
comes in (while no end time is set); a jump from an alert shows that alert's
window with its observations marked ``*``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from range.api.models import ObservationView
from tui.client import ConsoleClient
from tui.team.cells import clock, flow_of, top_protocol
from tui.team.pane import Col, FitTable, Pane
from tui.widgets.tables import selected_key

FILTERS = ("address", "port", "protocol", "domain")
TIMES = ("since", "until")
PLACEHOLDERS = {
    "address": "address",
    "port": "port",
    "protocol": "protocol",
    "domain": "domain",
    "since": "since (5m)",
    "until": "until",
}
_AGO = re.compile(r"^(?:last\s+|-)?(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?$")
_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def time_bound(text: str, now: float) -> float | None:
    """The simulated epoch second ``text`` names, ``now`` being the exercise's time:
    ``15``, ``15m``, ``last 15 min``, ``90s``, ``2h`` (that long before now),
    ``08:05`` or ``08:05:30`` (that time of now's day, UTC) or an ISO 8601 time
    (UTC unless it says otherwise); ``None`` for a blank. Raises ``ValueError``
    saying what it accepts."""
    text = text.strip().lower()
    if not text:
        return None
    found = _AGO.match(text)
    if found:
        return now - float(found[1]) * _UNITS[found[2] or "m"]
    if _TIME_OF_DAY.match(text):
        parts = [int(p) for p in text.split(":")]
        try:
            of_day = time(*parts)  # type: ignore[arg-type]
        except ValueError:
            raise ValueError(f"{text!r} is not a time of day") from None
        day = datetime.fromtimestamp(now, UTC).date()
        return datetime.combine(day, of_day, UTC).timestamp()
    try:
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: give minutes ago (15m), a time of day (08:05) or an ISO time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@dataclass(frozen=True)
class Search:
    """One search of the traffic view (what the client's observations call takes);
    ``since``/``until`` are the time filters as typed, turned into ``start``/``end``
    against the exercise's clock when the search runs."""

    address: str | None = None
    port: int | None = None
    protocol: str | None = None
    domain: str | None = None
    start: float | None = None
    end: float | None = None
    since: str = ""
    until: str = ""
    marked: frozenset[str] = frozenset()
    """Observation ids to mark (an alert's)."""

    @property
    def live(self) -> bool:
        """Whether new traffic may show up in it (no end, not an alert's window)."""
        return not self.marked and self.end is None and not self.until

    def resolved(self, client: ConsoleClient) -> Search:
        """With ``since``/``until`` turned into times of the exercise's clock now."""
        if not (self.since or self.until):
            return self
        now = client.exercise().clock.epoch
        return replace(
            self,
            start=time_bound(self.since, now) if self.since else self.start,
            end=time_bound(self.until, now) if self.until else self.end,
        )

    def run(self, client: ConsoleClient) -> list[ObservationView]:
        search = self.resolved(client)
        return client.observations(
            address=search.address,
            port=search.port,
            protocol=search.protocol,
            domain=search.domain,
            start=search.start,
            end=search.end,
        )


class TrafficView(Pane):
    BINDINGS = [
        Binding("ctrl+r", "search", "Search"),
        Binding("ctrl+l", "clear", "Clear filters"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.found: dict[str, ObservationView] = {}
        self.search = Search()
        self.searched = 0
        """Searches answered so far (tests wait for it)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="traffic-filters"):
            for name in (*FILTERS, *TIMES):
                yield Input(placeholder=PLACEHOLDERS[name], id=f"filter-{name}", compact=True)
        yield FitTable(
            (
                Col("time", "time", 10),
                Col("source", "source", 18, 1),
                Col("destination", "destination", 18, 1),
                Col("proto", "protocols", 5),
                Col("domains", "domains", 13, 3),
            ),
            id="traffic-table",
        )
        hint = "Recent observations; filters + Enter (or ctrl+r)."
        yield Static(hint, id="traffic-detail", markup=False)

    @property
    def table(self) -> DataTable:
        return self.query_one("#traffic-table", DataTable)

    def filters(self) -> Search:
        """The search the filter inputs describe (a bad port or time is reported, not
        sent: raises ``ValueError``)."""
        names = (*FILTERS, *TIMES)
        values = {n: self.query_one(f"#filter-{n}", Input).value.strip() for n in names}
        port: int | None = None
        if values["port"]:
            if not values["port"].isdigit():
                self.notify(f"port {values['port']!r} is not a number", severity="error")
                raise ValueError(values["port"])
            port = int(values["port"])
        for name in TIMES:
            try:
                time_bound(values[name], 0.0)
            except ValueError as exc:
                self.notify(f"{name}: {exc}", severity="error")
                raise
        return Search(
            address=values["address"] or None,
            port=port,
            protocol=values["protocol"] or None,
            domain=values["domain"] or None,
            since=values["since"],
            until=values["until"],
        )

    def run(self, search: Search, *, quiet: bool = False) -> None:
        """Search, and show what the server answers (``quiet``: a refresh that does not
        move the cursor off the row it is on)."""
        self.search = search
        self.console.act(
            "search observations",
            search.run,
            lambda found: self.show(found, keep_cursor=quiet) if search == self.search else None,
            group="traffic",
            background=quiet,
        )

    def refresh_live(self) -> None:
        """Search again for new traffic, unless the search cannot show any."""
        if self.search.live:
            self.run(self.search, quiet=True)

    def opened(self) -> None:
        """The tab was opened: show what is recent (with the filters as they are)."""
        if self.search.live:
            self.run(self.search, quiet=True)

    def show(self, observations: list[ObservationView], *, keep_cursor: bool = False) -> None:
        table = self.table
        was = selected_key(table) if keep_cursor else None
        table.clear()
        self.found = {o.id: o for o in observations}
        for o in observations:
            src, dst = flow_of(o)
            mark = "* " if o.id in self.search.marked else ""
            table.add_row(
                mark + clock(o.time),
                src,
                dst,
                top_protocol(o.protocols),
                ",".join(o.domains),
                key=o.id,
            )
        if was in self.found:
            table.move_cursor(row=table.get_row_index(was), animate=False)
        self.searched += 1
        self._describe()

    def set_filters(self, search: Search) -> None:
        for name in FILTERS:
            value = getattr(search, name)
            self.query_one(f"#filter-{name}", Input).value = "" if value is None else str(value)
        for name in TIMES:
            self.query_one(f"#filter-{name}", Input).value = getattr(search, name)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_search()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe()  # not event.row_key: the table may have been refilled

    def _describe(self) -> None:
        detail = self.query_one("#traffic-detail", Static)
        found = self.current()
        if found is None:
            window = "" if self.search.live else " (in this window)"
            detail.update(f"No observations match{window}." if not self.found else "")
            return
        scos = [
            {k: v for k, v in o.items() if k not in ("spec_version", "created", "modified")}
            for o in found.objects
            if o.get("type") != "observed-data"
        ]
        head = f"{found.id} · {len(self.found)} shown"
        detail.update(head + "\n" + "\n".join(json.dumps(o, sort_keys=True) for o in scos))

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


def alert_window(observed: float) -> tuple[str, str]:
    """The ``since``/``until`` filters (times of day) around an alert's time."""
    return clock(observed - 1), clock(observed + 1)
