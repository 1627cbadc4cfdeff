"""The exercise director's console: a Textual app over one
:class:`~tui.client.ConsoleClient` logged in as the director.

Tabs: the scenario timeline (start, pause, resume, pace, fire an inject now), every
team at a glance, the sharing graph, situation reports (score them) and messages
(to one team or all). Client calls run in thread workers
(:meth:`~tui.widgets.client_app.ClientApp.act`). A worker follows the event log
(long-poll); the director sees every event, so the overview, the sharing graph, the
sitreps and the messages are folded from it (:class:`~tui.director.overview.Overview`)
and the timeline and the scoreboard are read again, coalesced, when events change
them. When the server goes away the status line says so, the follow worker retries
with back-off, and everything is read again once it is back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, TabbedContent, TabPane

from range.api.models import EventPage, ExerciseView, Scoreboard, TimelineEntry
from range.events import Event
from tui.client import ConsoleClient, Link
from tui.director.activity import activity_line
from tui.director.messages import MessagesPane
from tui.director.overview import Overview
from tui.director.sharing import SharingPane
from tui.director.sitreps import SitrepsPane
from tui.director.status import DirectorStatus
from tui.director.teams import TeamsPane
from tui.director.timeline import TimelinePane
from tui.widgets.client_app import ClientApp, PaletteEntry, Tab, all_events

TABS: tuple[Tab, ...] = (
    # id, title, pane, what gets the focus
    ("timeline", "Timeline", TimelinePane, "#timeline-table"),
    ("teams", "Teams", TeamsPane, "#teams-table"),
    ("sharing", "Sharing", SharingPane, "#sharing-table"),
    ("sitreps", "Sitreps", SitrepsPane, "#sitrep-table"),
    ("messages", "Messages", MessagesPane, "#message-text"),
)

PALETTE: tuple[PaletteEntry, ...] = (
    # title, help, tab, pane action
    ("Start exercise", "Start the exercise (s on the timeline)", "timeline", "start"),
    ("Pause exercise", "Pause simulated time (p)", "timeline", "pause"),
    ("Resume exercise", "Resume simulated time (p when paused, or r)", "timeline", "resume"),
    ("Faster", "Raise the speed a step (+)", "timeline", "faster"),
    ("Slower", "Lower the speed a step (-)", "timeline", "slower"),
    ("Set speed", "Type a speed factor or max (x)", "timeline", "speed"),
    ("Fire inject now", "Fire a copy of the highlighted inject now (f)", "timeline", "fire"),
    ("Score sitrep", "Score the highlighted situation report (ctrl+s)", "sitreps", "score"),
    ("Send message", "Message the chosen team, or all (ctrl+o)", "messages", "send"),
)

PARTS = ("exercise", "scoreboard", "timeline")
ACTIVITY = {
    "alert",
    "alert-false-positive",
    "indicator-published",
    "indicator-imported",
    "indicator-deployed",
    "response-applied",
}
"""Event kinds that change the teams' overview or the sharing graph."""


@dataclass
class Snapshot:
    """Everything the console shows, read in one go when it opens."""

    exercise: ExerciseView
    timeline: list[TimelineEntry]
    scoreboard: Scoreboard
    events: list[Event] = field(default_factory=list)
    cursor: int = 0


class DirectorApp(ClientApp):
    CSS_PATH = "director.tcss"
    AUTO_FOCUS = "#timeline-table"
    TITLE = "Grapevine director console"
    TABS = TABS
    PALETTE = PALETTE
    PARTS = PARTS
    BINDINGS = [
        *(
            Binding(f"f{i}", f"show_tab('{tab}')", title, show=False)
            for i, (tab, title, _, _) in enumerate(TABS, start=1)
        ),
        Binding("f9", "reload", "Reload"),
        Binding("f10", "toggle_theme", "Theme"),
    ]

    def __init__(
        self, client: ConsoleClient, *, poll_wait: float = 2.0, clock_every: float = 5.0
    ) -> None:
        super().__init__(client, poll_wait=poll_wait)
        self.clock_every = clock_every
        self.overview = Overview()

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield DirectorStatus(self.client.user, id="status")
        with TabbedContent(initial="timeline", id="tabs"):
            for tab, title, pane, _ in TABS:
                with TabPane(title, id=tab):
                    yield pane(id=f"{tab}-pane")
        yield Footer()

    def on_ready(self) -> None:
        """Start reading once the first frame is up (every widget mounted)."""
        self.load()
        self.set_interval(self.clock_every, partial(self.refresh_part, "exercise"))

    # -- reading -------------------------------------------------------------------------

    def read_everything(self) -> Snapshot:
        client = self.client
        snapshot = Snapshot(
            exercise=client.exercise(),
            timeline=client.timeline(),
            scoreboard=client.scoreboard(),
        )
        snapshot.events, snapshot.cursor = all_events(client)
        return snapshot

    def show_everything(self, snapshot: Snapshot) -> None:
        self.show_exercise(snapshot.exercise)
        self.apply_events(snapshot.events)
        self.show_timeline(snapshot.timeline)
        self.show_scoreboard(snapshot.scoreboard)
        self.show_link(Link("up"))
        self.data_shown()
        self.follow(snapshot.cursor)

    def refresh_part(self, part: str) -> None:
        """Read one part again (``exercise``, ``scoreboard``, ``timeline``) and show it."""
        if not self.loaded or self._stop.is_set():
            return
        calls: dict[str, Callable[[ConsoleClient], Any]] = {
            "exercise": lambda c: c.exercise(),
            "scoreboard": lambda c: c.scoreboard(),
            "timeline": lambda c: c.timeline(),
        }
        shows: dict[str, Callable[[Any], Any]] = {
            "exercise": self.show_exercise,
            "scoreboard": self.show_scoreboard,
            "timeline": self.show_timeline,
        }
        self.act(f"read {part}", calls[part], shows[part], group=f"read-{part}")

    # -- showing ---------------------------------------------------------------------------

    def show_link(self, link: Link) -> None:
        self.query_one(DirectorStatus).show_link(link)

    def show_exercise(self, view: ExerciseView) -> None:
        self.query_one(DirectorStatus).show_exercise(view)
        self.query_one(TimelinePane).show_exercise(view)
        self.query_one(TeamsPane).show_teams(view.teams)
        self.query_one(MessagesPane).show_teams(view.teams)

    def show_timeline(self, entries: list[TimelineEntry]) -> None:
        self.query_one(TimelinePane).show(entries)

    def show_scoreboard(self, board: Scoreboard) -> None:
        self.query_one(TeamsPane).show_board(board)

    def apply_page(self, page: EventPage) -> None:
        self.apply_events(page.events)

    def apply_events(self, events: Iterable[Event]) -> None:
        """Fold events into the overview, show what changed, and ask for the timeline,
        the scoreboard and the exercise to be read again when events change them."""
        events = list(events)
        before = len(self.overview.messages)
        self.overview.apply(events)
        kinds = {getattr(e, "kind", "") for e in events}
        messages = self.query_one(MessagesPane)
        for message in self.overview.messages[before:]:
            messages.add(message)
        lines = (activity_line(e, self.overview.indicator_name) for e in events)
        self.query_one(TimelinePane).add_activity([line for line in lines if line])
        if kinds & {"inject-fired", "alert"}:
            timeline = self.query_one(TimelinePane)
            timeline.show(list(timeline.entries.values()))  # the detection times now
            self.refresh_soon("timeline")
        if kinds - {"message", "sitrep", "clock"}:
            self.refresh_soon("scoreboard")
        if kinds & {"exercise-started", "exercise-finished", "clock"}:
            self.refresh_soon("exercise")
        if kinds & ACTIVITY:
            self.query_one(TeamsPane).redraw()
            self.query_one(SharingPane).redraw()
        if kinds & {"sitrep", "sitrep-scored"}:
            self.query_one(SitrepsPane).redraw()
