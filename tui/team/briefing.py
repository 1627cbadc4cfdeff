"""The scenario briefing, the director's messages, and situation reports to the
director."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Log, Static

from range.api.models import SitrepView
from tui.team.cells import clock
from tui.team.pane import Pane


class BriefingPane(Pane):
    BINDINGS = [Binding("ctrl+o", "send_sitrep", "Send sitrep")]

    def compose(self) -> ComposeResult:
        yield Static("", id="briefing")
        yield Log(id="messages", highlight=False)
        yield Input(
            placeholder="situation report to the director (Enter sends)", id="sitrep", compact=True
        )

    def show_briefing(self, title: str, briefing: str) -> None:
        self.query_one("#briefing", Static).update(f"{title}\n{briefing or '(no briefing)'}")

    def add_message(self, time: float, sender: str, text: str) -> None:
        self.query_one("#messages", Log).write_line(f"{clock(time)} {sender}: {text}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_send_sitrep()

    def action_send_sitrep(self) -> None:
        text = self.query_one("#sitrep", Input).value.strip()
        if text:
            self.console.act("send sitrep", lambda c: c.sitrep(text), self.sent)

    def sent(self, sitrep: SitrepView) -> None:
        self.query_one("#sitrep", Input).value = ""
        self.add_message(sitrep.time, "you (sitrep)", sitrep.text)
