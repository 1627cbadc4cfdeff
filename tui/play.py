"""The team console as ``grapevine play`` opens it: one player on one machine.

:class:`PlayApp` is the team console (:class:`tui.team.app.TeamApp`) with what a
single player needs around it:

* a new run starts on the briefing tab, not on the alerts; a first-time player (no
  marker under the config directory, :func:`tui.team.help.first_time`) also gets the
  help overlay by itself once they leave the briefing, as ``grapevine team`` does;
* ``q`` (where no text field has the focus), ``ctrl+q`` and ``ctrl+c`` quit: the
  command that opened the console then stops the exercise and writes the report;
* when the exercise is over the console stays open, with a line under the status
  line saying so and how to quit, so the player can still read everything.

:func:`run` opens it on the terminal and returns when the player quits. SIGTERM and
SIGINT (from outside: ``ctrl+c`` at the keyboard is a key in the console) close the
console the same way, so the caller always gets control back to clean up.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
from pathlib import Path
from types import FrameType

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from range.api.models import ExerciseView
from tui.client import ConsoleClient
from tui.team.app import TeamApp
from tui.team.help import first_time, remember_guided
from tui.team.status import StatusLine

FINISHED_TEXT = "■ Exercise finished. Read on; q quits and writes the after-action report."
"""The line shown once the exercise is over (tests look for its start)."""


def _team_css() -> list[str | Path]:
    """The team console's stylesheets, found next to its module (a relative CSS_PATH
    would be looked for next to this one)."""
    css = TeamApp.CSS_PATH
    paths = [css] if isinstance(css, (str, Path)) else list(css or [])
    here = Path(inspect.getfile(TeamApp)).parent
    return [here / p for p in paths]


class PlayApp(TeamApp):
    """The team console for a single player (see the module docstring)."""

    CSS_PATH = _team_css()
    CSS = """
    #finished {
        display: none;
        height: 1;
        padding: 0 1;
        background: $warning;
        color: $text;
        text-style: bold;
    }
    #finished.shown {
        display: block;
    }
    """
    BINDINGS = [
        # the footer shows ctrl+q: q types into a text field, where the footer would
        # not show it
        Binding("q", "quit", "Quit", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        client: ConsoleClient,
        *,
        briefing_first: bool = False,
        guide: bool = False,
        **kw: float,
    ) -> None:
        super().__init__(client, guide=guide, **kw)
        self.briefing_first = briefing_first and not guide  # a guided start shows it
        if self.briefing_first:
            # what gets the focus first decides the tab shown first (a focused widget
            # brings its tab forward), so the briefing tab's field takes it
            self.AUTO_FOCUS = "#sitrep"
            self.first_tab = "briefing"  # from the start: a later switch races the keys
        self.finished = False
        """True once the console has shown that the exercise is over."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield widget
            if isinstance(widget, StatusLine):
                yield Static(FINISHED_TEXT, id="finished")

    def show_exercise(self, view: ExerciseView) -> None:
        super().show_exercise(view)
        if view.status == "finished" and not self.finished:
            self.finished = True
            self.query_one("#finished", Static).add_class("shown")
            self.notify(
                "The exercise is over. Quit (q) to write the after-action report.",
                title="Exercise finished",
                timeout=30,
            )


def run(
    url: str, user: str, password: str, *, api_root: str = "grapevine", briefing_first: bool = False
) -> None:
    """Run the console on the terminal until the player quits (or SIGTERM/SIGINT)."""
    client = ConsoleClient(url, user, password, api_root=api_root)
    app = PlayApp(client, briefing_first=briefing_first, guide=briefing_first and first_time())

    def close(signum: int, frame: FrameType | None) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # the console is not running (yet, or any more)
            raise KeyboardInterrupt from None
        loop.call_soon_threadsafe(app.exit)

    previous = {sig: signal.signal(sig, close) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        app.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        client.close()
    if app.guided:
        remember_guided()
