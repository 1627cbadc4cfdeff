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

import contextlib
import gc
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from range.api.models import (
    DeployedIndicator,
    EventPage,
    ExerciseView,
    ResponseRule,
    TeamScore,
)
from range.events import Event
from tui.client import Backoff, ConsoleClient, Link, SharedIndicator
from tui.errors import ClientError, ConnectionLostError
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
from tui.widgets.ui_calls import UiCalls, run_on_ui

T = TypeVar("T")

TABS: tuple[tuple[str, str, type, str], ...] = (
    # id, title, pane, what gets the focus
    ("alerts", "Alerts", AlertFeed, "#alert-table"),
    ("traffic", "Traffic", TrafficView, "#filter-address"),
    ("workbench", "Indicators", Workbench, "#pattern"),
    ("inbox", "Shared", SharedInbox, "#inbox-table"),
    ("responses", "Responses", ResponsesPane, "#rule-value"),
    ("score", "Score", ScorePanel, "#score-table"),
    ("briefing", "Briefing", BriefingPane, "#briefing-scroll"),
)

PALETTE: tuple[tuple[str, str, str, str], ...] = (
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
COALESCE = 0.3
"""Seconds during which list refreshes asked for by events are gathered into one."""


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


class TeamApp(UiCalls, App[None]):
    CSS_PATH = "team.tcss"
    AUTO_FOCUS = "#alert-table"
    TITLE = "Grapevine team console"
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
        super().__init__()
        self.client = client
        self.poll_wait = poll_wait
        self.shared_every = shared_every
        self.clock_every = clock_every
        self.team: str | None = None
        self.indicator_names: dict[str, str] = {}
        self.deployed: set[str] = set()
        self.loaded = False
        """True once the first snapshot is on screen and the first tab is shown (tests
        wait for it)."""
        self._data_shown = False
        self._tab_shown = False
        self._stop = threading.Event()
        self._dirty: set[str] = set()
        self._flush_pending = False
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

    @property
    def main(self) -> Screen:
        """The console's screen (queries go there, not to the help over it)."""
        if not self.screen_stack:  # closing
            raise NoMatches("the console is closing")
        return self.screen_stack[0]

    def pane(self, cls: type[T]) -> T:
        return self.main.query_one(cls)  # type: ignore[arg-type]

    def on_ready(self) -> None:
        """Start reading once the first frame is up (every widget mounted)."""
        self.load()
        self.set_interval(self.clock_every, partial(self.refresh_part, "exercise"))
        self.set_interval(self.shared_every, partial(self.refresh_part, "shared"))

    def on_unmount(self) -> None:
        self._stop.set()
        gc.unfreeze()

    async def action_quit(self) -> None:
        """Quit at once: the feed's long-poll runs on a daemon thread nobody waits for."""
        self._stop.set()
        self.exit()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if not self.screen_stack:  # closing
            return
        self._tab_shown = True
        self.loaded = self._data_shown
        focus = {tab: selector for tab, _, _, selector in TABS}
        tab = event.pane.id or ""
        for widget in self.main.query(focus.get(tab, "#none")):  # none while closing
            widget.focus()
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

    def action_show_tab(self, tab: str) -> None:
        self.main.query_one("#tabs", TabbedContent).active = tab

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_reload(self) -> None:
        for part in PARTS:
            self.refresh_part(part)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for i, (tab, title, _, _) in enumerate(TABS, start=1):
            yield SystemCommand(
                f"Go to {title}", f"Show the {title} tab (F{i})", partial(self.action_show_tab, tab)
            )
        for title, help_text, tab, action in PALETTE:
            yield SystemCommand(title, help_text, partial(self._palette, tab, action))
        yield SystemCommand("Help: keys", "What every key does (? or F8)", self.action_help)
        yield SystemCommand("Reload everything", "Read every list again (F9)", self.action_reload)
        yield SystemCommand("Toggle light/dark", "Switch theme (F10)", self.action_toggle_theme)

    def _palette(self, tab: str, action: str) -> None:
        self.action_show_tab(tab)
        pane = self.main.query_one(f"#{tab}-pane")
        getattr(pane, f"action_{action}")()

    # -- running client calls ----------------------------------------------------------

    def act(
        self,
        what: str,
        call: Callable[[ConsoleClient], T],
        done: Callable[[T], Any],
        *,
        group: str = "actions",
        background: bool = False,
    ) -> None:
        """Run ``call(client)`` in a thread worker; ``done(result)`` on the UI thread
        once the server answered, or a notification saying what was refused and why.
        A ``background`` read that finds the server away says nothing: the status line
        already does, and everything is read again once it is back."""

        def job() -> None:
            try:
                result = call(self.client)
            except ConnectionLostError as exc:
                if not background:
                    self._from_thread(self.refused, what, exc)
                return
            except ClientError as exc:
                self._from_thread(self.refused, what, exc)
                return
            self._from_thread(done, result)

        self.run_worker(job, name=what, group=group, thread=True, exclusive=group != "actions")

    def _from_thread(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the UI thread, unless the console is closing."""

        def guarded() -> None:
            # the layout is fixed, so a widget can be missing only while closing
            with contextlib.suppress(NoMatches):
                callback(*args)

        if not self._stop.is_set():
            run_on_ui(self, guarded)

    def refused(self, what: str, error: ClientError) -> None:
        if isinstance(error, ConnectionLostError):
            message = (
                f"{what}: NOT DONE, no answer from the server (see the status line);"
                " what you typed is kept, try again once it says connected"
            )
        else:
            where = f"{error.field}: " if error.field else ""
            message = f"{what} refused ({error.status}): {where}{error.detail}"
        self.notify(message, severity="error", timeout=8, markup=False)
        if error.position is not None:
            self.pane(Workbench).refused(error)

    # -- reading -------------------------------------------------------------------------

    def _read_all(self) -> Snapshot:
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

    def load(self) -> None:
        """Read everything (retrying while the server is away), then follow events, on
        a daemon thread: quitting never waits for it."""
        threading.Thread(target=self._load, name="team-load", daemon=True).start()

    def _load(self) -> None:
        backoff = Backoff()
        while not self._stop.is_set():
            try:
                snapshot = self._read_all()
            except ConnectionLostError as exc:
                delay = backoff.next()
                self._from_thread(self.show_link, Link("down", delay, exc.detail))
                self._stop.wait(delay)
                continue
            except ClientError as exc:
                self._from_thread(self.refused, "connect", exc)
                return
            self._from_thread(self._loaded, snapshot)
            return

    def _loaded(self, snapshot: Snapshot) -> None:
        self.show_exercise(snapshot.exercise)
        self.show_indicators(snapshot.indicators)
        self.show_shared(snapshot.shared)
        self.pane(ResponsesPane).show(snapshot.responses)
        self.pane(ScorePanel).show(snapshot.score)
        self.apply_events(snapshot.events, live=False)
        self.show_link(Link("up"))
        self._data_shown = True
        self.loaded = self._tab_shown
        self.follow(snapshot.cursor)
        # Everything up to here lives as long as the console: out of the collector's
        # sight, a full collection no longer walks it (those stopped the frames for
        # 100-400 ms while the alerts came in); given back when the console closes.
        gc.freeze()

    def follow(self, after: int) -> None:
        """Follow the event log after ``after`` on a daemon thread (its long-poll may be
        in flight when the console quits; nobody waits for it)."""
        thread = threading.Thread(target=self._follow, args=(after,), name="team-follow")
        thread.daemon = True
        thread.start()

    def _follow(self, after: int) -> None:
        for item in self.client.follow(after, self._stop, wait=self.poll_wait):
            if self._stop.is_set():
                return
            if isinstance(item, Link):
                self._from_thread(self.show_link, item)
                if item.state == "up":
                    self._from_thread(self.action_reload)
            else:
                self._from_thread(self.apply_page, item)

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

    def refresh_soon(self, *parts: str) -> None:
        """Refresh ``parts`` once after :data:`COALESCE` seconds (bursts of events)."""
        self._dirty.update(parts)
        if not self._flush_pending:
            self._flush_pending = True
            self.set_timer(COALESCE, self._refresh_dirty)

    def _refresh_dirty(self) -> None:
        self._flush_pending = False
        dirty, self._dirty = self._dirty, set()
        for part in sorted(dirty):
            self.refresh_part(part)

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
