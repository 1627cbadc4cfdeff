"""A console app over one :class:`~tui.client.ConsoleClient`: client calls in thread
workers, their answers back on the UI thread, refusals as notifications, the first
read retried until the server answers, the event feed followed (long-poll) with the
connection's state shown, and list refreshes asked for by bursts of events gathered
into one.

A subclass implements :meth:`ClientApp.read_everything` (in a thread) and
:meth:`ClientApp.show_everything` (which calls :meth:`ClientApp.follow` with the
events' cursor), :meth:`ClientApp.apply_page`, :meth:`ClientApp.show_link` and
:meth:`ClientApp.refresh_part`; panes call :meth:`ClientApp.act` and never the
client themselves.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from textual import work
from textual.app import App
from textual.css.query import NoMatches
from textual.worker import get_current_worker

from range.api.models import EventPage
from range.events import Event
from tui.client import Backoff, ConsoleClient, Link
from tui.errors import ClientError, ConnectionLostError
from tui.widgets.ui_calls import UiCalls, run_on_ui

T = TypeVar("T")

COALESCE = 0.3
"""Seconds during which refreshes asked for by events are gathered into one."""


class ClientApp(UiCalls, App[None]):
    """The plumbing between a console's screens and its client."""

    def __init__(self, client: ConsoleClient, *, poll_wait: float = 2.0) -> None:
        super().__init__()
        self.client = client
        self.poll_wait = poll_wait
        """Seconds each long-poll of the event feed may wait."""
        self._stop = threading.Event()
        self._dirty: set[str] = set()
        self._flush_pending = False
        self._actions: queue.Queue[Callable[[], None]] = queue.Queue()
        self._acting = False

    def on_unmount(self) -> None:
        self._stop.set()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    # -- running client calls ----------------------------------------------------------

    def act(
        self,
        what: str,
        call: Callable[[ConsoleClient], T],
        done: Callable[[T], Any],
        *,
        group: str = "actions",
    ) -> None:
        """Run ``call(client)`` in a thread worker; ``done(result)`` on the UI thread
        once the server answered, or a notification saying what was refused and why.

        Actions (the default ``group``) reach the server one at a time in the order
        they were asked for (two quick "faster" presses are two steps); any other
        group is a read, where a newer call replaces one still running."""

        def job() -> None:
            try:
                result = call(self.client)
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
        """Say on screen that ``what`` was refused (or not confirmed) and why."""
        if isinstance(error, ConnectionLostError):
            message = f"{what}: not confirmed, the server did not answer; try again"
        else:
            where = f"{error.field}: " if error.field else ""
            message = f"{what} refused ({error.status}): {where}{error.detail}"
        self.notify(message, severity="error", timeout=8)

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

    def action_reload(self) -> None:
        """Read every part again (the server is back, or asked for)."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        """Read everything (retrying while the server is away), then show it."""
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

    @work(thread=True, exclusive=True, group="follow")
    def follow(self, after: int) -> None:
        """Follow the events after ``after``: each page to :meth:`apply_page`, each
        change of the connection to :meth:`show_link` (everything read again once the
        server is back)."""
        worker = get_current_worker()
        for item in self.client.follow(after, self._stop, wait=self.poll_wait):
            if worker.is_cancelled:
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
