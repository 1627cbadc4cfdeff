"""The CERT team console: a Textual app over one :class:`~tui.client.ConsoleClient`.

Tabs: alerts, traffic, indicators (the workbench), shared inbox, responses, score,
briefing and messages. The app does every client call in a thread worker
(:meth:`TeamApp.act`) and shows an action done only once the server has answered.
A worker follows the event log (long-poll) so an alert shows as soon as the engine
raises it; lists that events change (indicators, rules, score) are read again,
coalesced, shortly after. When the server goes away the status line says so, the
follow worker retries with back-off, and everything is read again once it is back.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import Footer, TabbedContent, TabPane

from range.api.models import (
    DeployedIndicator,
    EventPage,
    ExerciseView,
    ResponseRule,
    TeamScore,
)
from range.events import Event
from tui.client import ConsoleClient, Link, SharedIndicator
from tui.errors import ClientError
from tui.team.alerts import AlertFeed, AlertRow
from tui.team.briefing import BriefingPane
from tui.team.cells import source_address
from tui.team.help import HelpScreen
from tui.team.inbox import SharedInbox
from tui.team.responses import ResponsesPane
from tui.team.score import ScorePanel
from tui.team.status import StatusLine
from tui.team.traffic import Search, TrafficView, alert_window
from tui.team.workbench import Workbench
from tui.widgets.client_app import ClientApp, PaletteEntry, Tab

TABS: tuple[Tab, ...] = (
    # id, title, pane, what gets the focus
    ("alerts", "Alerts", AlertFeed, "#alert-table"),
    ("traffic", "Traffic", TrafficView, "#filter-address"),
    ("workbench", "Indicators", Workbench, "#pattern"),
    ("inbox", "Shared", SharedInbox, "#inbox-table"),
    ("responses", "Responses", ResponsesPane, "#rule-value"),
    ("score", "Score", ScorePanel, "#score-table"),
    ("briefing", "Briefing", BriefingPane, "#briefing-scroll"),
)

PALETTE: tuple[PaletteEntry, ...] = (
    # title, help, tab, pane action
    ("Acknowledge alert", "Acknowledge the highlighted alert (a)", "alerts", "acknowledge"),
    (
        "Mark false positive",
        "Mark the highlighted alert a false positive (x)",
        "alerts",
        "false_positive",
    ),
    ("Alert's observations", "Show the highlighted alert's traffic (o)", "alerts", "observations"),
    (
        "Block alert source",
        "Block the highlighted alert's source address (b)",
        "alerts",
        "block_source",
    ),
    ("Older alerts", "Show older alerts below those in the feed (m)", "alerts", "more"),
    ("Search traffic", "Search observations with the filters (ctrl+r)", "traffic", "search"),
    ("Clear traffic filters", "Show all recent observations (ctrl+l)", "traffic", "clear"),
    ("Test pattern", "Run the pattern over recent observations (ctrl+t)", "workbench", "test"),
    ("Deploy pattern", "Deploy the pattern on the team's sensor (ctrl+g)", "workbench", "deploy"),
    ("Publish pattern", "Publish the pattern with the chosen TLP (ctrl+s)", "workbench", "publish"),
    (
        "Undeploy indicator",
        "Undeploy the highlighted deployed indicator (u)",
        "workbench",
        "undeploy",
    ),
    ("Deploy shared indicator", "Deploy the highlighted shared indicator (d)", "inbox", "deploy"),
    (
        "Reload shared indicators",
        "Read the TAXII collections again (ctrl+r)",
        "inbox",
        "refresh_shared",
    ),
    (
        "Apply response rule",
        "Block, sinkhole or isolate what the form says (ctrl+b)",
        "responses",
        "add_rule",
    ),
    ("Unblock", "Lift the highlighted response rule (u)", "responses", "lift"),
    (
        "Send situation report",
        "Send the sitrep to the director (ctrl+o)",
        "briefing",
        "send_sitrep",
    ),
)

PARTS = ("exercise", "indicators", "responses", "score", "shared", "traffic")


@dataclass
class Snapshot:
    """Everything the console shows, read in one go (at start and on reconnect)."""

    exercise: ExerciseView
    indicators: list[DeployedIndicator]
    responses: list[ResponseRule]
    score: TeamScore
    shared: list[SharedIndicator]
    events: list[Event] = field(default_factory=list)
    cursor: int = 0


class TeamApp(ClientApp):
    CSS_PATH = "team.tcss"
    AUTO_FOCUS = "#alert-table"
    TITLE = "Grapevine team console"
    TABS = TABS
    PALETTE = PALETTE
    PARTS = PARTS
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        *(
            Binding(f"f{i}", f"show_tab('{tab}')", title, show=False)
            for i, (tab, title, _, _) in enumerate(TABS, start=1)
        ),
        # F8 works everywhere; ? wherever the focus is not in a text field
        Binding("f8", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("f9", "reload", "Reload"),
        Binding("f10", "toggle_theme", "Theme"),
    ]

    def __init__(
        self,
        client: ConsoleClient,
        *,
        poll_wait: float = 2.0,
        shared_every: float = 10.0,
        clock_every: float = 5.0,
        guide: bool = False,
    ) -> None:
        """``guide``: a first-time player, shown the briefing first and the help as
        they leave it."""
        super().__init__(client, poll_wait=poll_wait)
        self.shared_every = shared_every
        self.clock_every = clock_every
        self.team: str | None = None
        self.indicator_names: dict[str, str] = {}
        self.deployed: set[str] = set()
        self.guide = guide
        self.first_tab = "briefing" if guide else "alerts"
        """The tab shown first (what has the focus first must be on it)."""
        if guide:
            self.AUTO_FOCUS = "#briefing-scroll"  # focusing another tab would show it
        self.guided = False
        """True once the help was shown by itself (the caller remembers it)."""

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(self.client.user, id="status")
        with TabbedContent(initial=self.first_tab, id="tabs"):
            for tab, title, pane, _ in TABS:
                with TabPane(title, id=tab):
                    yield pane(id=f"{tab}-pane")
        yield Footer(compact=True)  # every key fits at 80 columns (see team.tcss)

    def on_ready(self) -> None:
        """Start reading once the first frame is up (every widget mounted)."""
        self.load()
        self.set_interval(self.clock_every, partial(self.refresh_part, "exercise"))
        self.set_interval(self.shared_every, partial(self.refresh_part, "shared"))

    def on_unmount(self) -> None:
        super().on_unmount()
        gc.unfreeze()

    def tab_opened(self, tab: str) -> None:
        if tab == "traffic" and self.loaded:
            self.pane(TrafficView).opened()
        if self.guide and not self.guided and tab != "briefing":
            self.guided = True
            # once the switch has settled: a screen pushed while the tabs are still
            # moving the focus brought the briefing back when it closed
            self.call_after_refresh(self.action_help)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def more_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Help: keys", "What every key does (? or F8)", self.action_help)

    # -- running client calls ----------------------------------------------------------

    def refused(self, what: str, error: ClientError) -> None:
        super().refused(what, error)
        if error.position is not None:
            self.pane(Workbench).refused(error)

    # -- reading -------------------------------------------------------------------------

    def read_everything(self) -> Snapshot:
        client = self.client
        exercise = client.exercise()
        self.team = client.team
        snapshot = Snapshot(
            exercise=exercise,
            indicators=client.indicators(),
            responses=client.responses(),
            score=client.score(),
            shared=client.shared(),
        )
        while True:
            page = client.events(snapshot.cursor, limit=1000)
            snapshot.events += page.events
            if not page.events:
                return snapshot
            snapshot.cursor = page.last_seq

    def show_everything(self, snapshot: Snapshot) -> None:
        self.show_exercise(snapshot.exercise)
        self.show_indicators(snapshot.indicators)
        self.show_shared(snapshot.shared)
        self.pane(ResponsesPane).show(snapshot.responses)
        self.pane(ScorePanel).show(snapshot.score)
        self.apply_events(snapshot.events, live=False)
        self.show_link(Link("up"))
        self.data_shown()
        self.follow(snapshot.cursor)
        # Everything up to here lives as long as the console: out of the collector's
        # sight, a full collection no longer walks it (those stopped the frames for
        # 100-400 ms while the alerts came in); given back when the console closes.
        gc.freeze()

    def refresh_part(self, part: str) -> None:
        """Read one list again (``exercise``, ``indicators``, ``responses``, ``score``,
        ``shared``, and ``traffic`` while its tab is open) and show it."""
        if not self.loaded or self._stop.is_set():
            return
        if part == "traffic":
            if self.main.query_one("#tabs", TabbedContent).active == "traffic":
                self.pane(TrafficView).refresh_live()
            return
        calls: dict[str, Callable[[ConsoleClient], Any]] = {
            "exercise": lambda c: c.exercise(),
            "indicators": lambda c: c.indicators(),
            "responses": lambda c: c.responses(),
            "score": lambda c: c.score(),
            "shared": lambda c: c.shared(),
        }
        shows: dict[str, Callable[[Any], Any]] = {
            "exercise": self.show_exercise,
            "indicators": self.show_indicators,
            "responses": lambda rules: self.pane(ResponsesPane).show(rules),
            "score": lambda score: self.pane(ScorePanel).show(score),
            "shared": self.show_shared,
        }
        call, show = calls[part], shows[part]
        self.act(f"read {part}", call, show, group=f"read-{part}", background=True)

    # -- showing ---------------------------------------------------------------------------

    def show_link(self, link: Link) -> None:
        self.main.query_one(StatusLine).show_link(link)

    def show_exercise(self, view: ExerciseView) -> None:
        self.main.query_one(StatusLine).show_exercise(view)
        self.pane(BriefingPane).show_briefing(view.title, view.briefing)

    def show_indicators(self, indicators: list[DeployedIndicator]) -> None:
        self.indicator_names.update({i.indicator_id: i.name for i in indicators if i.name})
        self.deployed = {i.indicator_id for i in indicators}
        self.pane(Workbench).show_deployed(indicators)
        inbox = self.pane(SharedInbox)
        inbox.show(list(inbox.shared.values()), self.deployed)

    def show_shared(self, shared: list[SharedIndicator]) -> None:
        for s in shared:
            if s.name:
                self.indicator_names.setdefault(s.indicator_id, s.name)
        self.pane(SharedInbox).show(shared, self.deployed)

    def apply_page(self, page: EventPage) -> None:
        self.apply_events(page.events, live=True)

    def apply_events(self, events: Iterable[Event], *, live: bool) -> None:
        """Show what events tell (alerts, states, messages) and ask for the lists they
        change to be read again. A page's alerts go into the feed together."""
        briefing = self.pane(BriefingPane)
        new_alerts: list[Any] = []
        states: list[tuple[str, str]] = []  # shown once the page's alerts are in
        for e in events:
            kind = getattr(e, "kind", "")
            if kind == "alert":
                new_alerts.append(e)
                self.refresh_soon("score")
            elif kind in ("alert-acknowledged", "alert-false-positive"):
                state = "acknowledged" if kind == "alert-acknowledged" else "false-positive"
                states.append((e.alert_id, state))  # type: ignore[attr-defined]
                self.refresh_soon("score")
            elif kind == "message":
                briefing.add_message(e.time, "director", e.text)  # type: ignore[attr-defined]
                if live:
                    self.notify(e.text, title="Message from the director", markup=False)  # type: ignore[attr-defined]
            elif kind == "sitrep-scored":
                text = f"sitrep {e.sitrep_id} scored {e.points:g}"  # type: ignore[attr-defined]
                briefing.add_message(e.time, "director", text)
                self.refresh_soon("score")
            elif kind.startswith("indicator-") and kind != "indicator-published":
                self.refresh_soon("indicators", "score")
            elif kind.startswith("response-"):
                self.refresh_soon("responses")
            elif kind == "traffic":
                self.refresh_soon("traffic")
                if e.dropped:  # type: ignore[attr-defined]
                    self.refresh_soon("responses", "score")
            elif kind == "sighting":
                self.refresh_soon("shared")
            elif kind in ("exercise-started", "exercise-finished", "clock"):
                self.refresh_soon("exercise")
        alerts = self.pane(AlertFeed)
        alerts.add_all(new_alerts)  # the page's alerts in one change of the table
        for alert_id, state in states:
            alerts.set_state(alert_id, state)

    # -- actions that span panes -------------------------------------------------------------

    def show_observations(self, alert: AlertRow) -> None:
        """Jump to the traffic view showing the alert's observations (marked *)."""
        since, until = alert_window(alert.observed)
        search = Search(
            address=source_address(alert.summary),
            start=alert.observed - 1,
            end=alert.observed + 1,
            since=since,
            until=until,
            marked=frozenset(alert.observation_ids),
        )
        traffic = self.pane(TrafficView)
        traffic.set_filters(search)
        traffic.run(search)
        self.action_show_tab("traffic")
        self.main.query_one("#traffic-table").focus()

    def block_source(self, alert: AlertRow) -> None:
        address = source_address(alert.summary)
        if address is None:
            self.notify("this alert names no source address", severity="warning")
            return
        self.pane(ResponsesPane).apply("block-ip", address)
