"""A tabbed console app over one :class:`~tui.client.ConsoleClient`: the team and the
director consoles are both one.

Client calls run in thread workers, their answers come back on the UI thread, and
refusals become notifications; the first read is retried until the server answers;
the event feed is followed (long-poll) with the connection's state shown; bursts of
events asking for the same list to be read again are gathered into one read. The
tabs, their function keys and a command-palette entry for every pane action come
from the class attributes :attr:`ClientApp.TABS`, :attr:`ClientApp.PALETTE` and
:attr:`ClientApp.PARTS`.

A subclass implements :meth:`ClientApp.read_everything` (in a thread) and
:meth:`ClientApp.show_everything` (which calls :meth:`ClientApp.data_shown` and
:meth:`ClientApp.follow` with the events' cursor), :meth:`ClientApp.apply_page`,
:meth:`ClientApp.show_link` and :meth:`ClientApp.refresh_part`; panes call
:meth:`ClientApp.act` and never the client themselves.

The first read and the feed run on daemon threads, not Textual workers: the feed's
long-poll may be in flight when the console quits, and quitting waits for no one.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar, TypeVar

from textual.app import App, SystemCommand
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import TabbedContent

from range.api.models import EventPage
from range.events import Event
from tui.client import Backoff, ConsoleClient, Link
from tui.errors import ClientError, ConnectionLostError
from tui.widgets.ui_calls import UiCalls, run_on_ui

T = TypeVar("T")

COALESCE = 0.3
"""Seconds during which refreshes asked for by events are gathered into one."""

Tab = tuple[str, str, type, str]
"""A tab: its id, its title, its pane's class, and what gets the focus on it."""
PaletteEntry = tuple[str, str, str, str]
"""A command-palette entry: title, help, the tab, and the pane's action."""


class ClientApp(UiCalls, App[None]):
    """The plumbing between a console's tabs and its client."""

    TABS: ClassVar[tuple[Tab, ...]] = ()
    PALETTE: ClassVar[tuple[PaletteEntry, ...]] = ()
    PARTS: ClassVar[tuple[str, ...]] = ()
    """The parts :meth:`refresh_part` reads again (all of them: :meth:`action_reload`)."""

    def __init__(self, client: ConsoleClient, *, poll_wait: float = 2.0) -> None:
        super().__init__()
        self.client = client
        self.poll_wait = poll_wait
        """Seconds each long-poll of the event feed may wait."""
        self.loaded = False
        """True once the first snapshot is on screen and the first tab is shown (tests
        wait for it)."""
        self._data_shown = False
        self._tab_shown = False
        self._stop = threading.Event()
        self._dirty: set[str] = set()
        self._flush_pending = False
        self._actions: queue.Queue[Callable[[], None]] = queue.Queue()
        self._acting = False

    # -- the tabs --------------------------------------------------------------------

    @property
    def main(self) -> Screen:
        """The console's screen (queries go there, not to a screen pushed over it)."""
        if not self.screen_stack:  # closing
            raise NoMatches("the console is closing")
        return self.screen_stack[0]

    def pane(self, cls: type[T]) -> T:
        return self.main.query_one(cls)  # type: ignore[arg-type]

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if not self.screen_stack:  # closing
            return
        self._tab_shown = True
        self.loaded = self._data_shown
        tab = event.pane.id or ""
        focus = {t: selector for t, _, _, selector in self.TABS}
        for widget in self.main.query(focus.get(tab, "#none")):  # none while closing
            widget.focus()
        self.tab_opened(tab)

    def tab_opened(self, tab: str) -> None:
        """Tab ``tab`` was just shown (and what it focuses focused)."""

    def data_shown(self) -> None:
        """The first snapshot is on screen (:attr:`loaded` once a tab is shown too)."""
        self._data_shown = True
        self.loaded = self._tab_shown

    def action_show_tab(self, tab: str) -> None:
        self.main.query_one("#tabs", TabbedContent).active = tab

    def action_reload(self) -> None:
        """Read every part again (the server is back, or asked for)."""
        for part in self.PARTS:
            self.refresh_part(part)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    async def action_quit(self) -> None:
        """Quit at once: the feed's long-poll runs on a daemon thread nobody waits for."""
        self._stop.set()
        self.exit()

    def on_unmount(self) -> None:
        self._stop.set()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for i, (tab, title, _, _) in enumerate(self.TABS, start=1):
            yield SystemCommand(
                f"Go to {title}", f"Show the {title} tab (F{i})", partial(self.action_show_tab, tab)
            )
        for title, help_text, tab, action in self.PALETTE:
            yield SystemCommand(title, help_text, partial(self._palette, tab, action))
        yield from self.more_commands()
        yield SystemCommand("Reload everything", "Read every list again (F9)", self.action_reload)
        yield SystemCommand("Toggle light/dark", "Switch theme (F10)", self.action_toggle_theme)

    def more_commands(self) -> Iterable[SystemCommand]:
        """A console's own palette entries beside its panes' actions."""
        return ()

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

        Actions (the default ``group``) reach the server one at a time in the order
        they were asked for (two quick "faster" presses are two steps); any other
        group is a read, where a newer call replaces one still running. A
        ``background`` read that finds the server away says nothing: the status line
        already does, and everything is read again once it is back."""

        def job() -> None:
            try:
                result = call(self.client)
            except ConnectionLostError as exc:
                if not background:
                    self.from_thread(self.refused, what, exc)
                return
            except ClientError as exc:
                self.from_thread(self.refused, what, exc)
                return
            self.from_thread(done, result)

        if group != "actions":
            self.run_worker(job, name=what, group=group, thread=True, exclusive=True)
            return
        self._actions.put(job)
        if not self._acting:
            self._acting = True
            self.run_worker(self._run_actions, name="actions", group="actions", thread=True)

    def _run_actions(self) -> None:
        """Run queued actions in order until the console closes."""
        while not self._stop.is_set():
            try:
                job = self._actions.get(timeout=0.2)
            except queue.Empty:
                continue
            job()

    def from_thread(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` on the UI thread, unless the console is closing."""

        def guarded() -> None:
            # the layout is fixed, so a widget can be missing only while closing
            with contextlib.suppress(NoMatches):
                callback(*args)

        if not self._stop.is_set():
            run_on_ui(self, guarded)

    def refused(self, what: str, error: ClientError) -> None:
        """Say on screen that ``what`` was refused (or not done) and why."""
        if isinstance(error, ConnectionLostError):
            message = (
                f"{what}: NOT DONE, no answer from the server (see the status line);"
                " what you typed is kept, try again once it says connected"
            )
        else:
            where = f"{error.field}: " if error.field else ""
            message = f"{what} refused ({error.status}): {where}{error.detail}"
        self.notify(message, severity="error", timeout=8, markup=False)

    # -- reading -------------------------------------------------------------------------

    def read_everything(self) -> Any:
        """Read all the console shows (in a thread; :func:`all_events` for the log)."""
        raise NotImplementedError

    def show_everything(self, snapshot: Any) -> None:
        """Show what :meth:`read_everything` read, then :meth:`follow` the events."""
        raise NotImplementedError

    def show_link(self, link: Link) -> None:
        """Show the connection's state."""
        raise NotImplementedError

    def apply_page(self, page: EventPage) -> None:
        """Show what a page of new events tells."""
        raise NotImplementedError

    def load(self) -> None:
        """Read everything (retrying while the server is away), then show it, on a
        daemon thread."""
        threading.Thread(target=self._load, name="console-load", daemon=True).start()

    def _load(self) -> None:
        backoff = Backoff()
        while not self._stop.is_set():
            try:
                snapshot = self.read_everything()
            except ConnectionLostError as exc:
                delay = backoff.next()
                self.from_thread(self.show_link, Link("down", delay, exc.detail))
                self._stop.wait(delay)
                continue
            except ClientError as exc:
                self.from_thread(self.refused, "connect", exc)
                return
            self.from_thread(self.show_everything, snapshot)
            return

    def follow(self, after: int) -> None:
        """Follow the events after ``after`` on a daemon thread: each page to
        :meth:`apply_page`, each change of the connection to :meth:`show_link`
        (everything read again once the server is back)."""
        threading.Thread(
            target=self._follow, args=(after,), name="console-follow", daemon=True
        ).start()

    def _follow(self, after: int) -> None:
        for item in self.client.follow(after, self._stop, wait=self.poll_wait):
            if self._stop.is_set():
                return
            if isinstance(item, Link):
                self.from_thread(self.show_link, item)
                if item.state == "up":
                    self.from_thread(self.action_reload)
            else:
                self.from_thread(self.apply_page, item)

    # -- refreshing ----------------------------------------------------------------------

    def refresh_part(self, part: str) -> None:
        """Read the part named ``part`` again and show it."""
        raise NotImplementedError

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


def all_events(client: ConsoleClient, after: int = 0) -> tuple[list[Event], int]:
    """Every event after ``after`` the account may see, and the cursor after them."""
    events: list[Event] = []
    while True:
        page = client.events(after, limit=1000)
        if not page.events:
            return events, after
        events += page.events
        after = page.last_seq
