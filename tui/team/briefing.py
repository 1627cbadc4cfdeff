"""The scenario briefing, the director's messages, and situation reports to the
director."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.widgets import Input, Log, Static

from range.api.models import SitrepView
from tui.team.cells import clock
from tui.team.pane import Pane

HINT = "New here? Press ? for the keys of your first indicator (any time: ? or F8)."


class BriefingPane(Pane):
    BINDINGS = [Binding("ctrl+o", "send_sitrep", "Send sitrep")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="briefing-scroll"):
            yield Static("", id="briefing-text")
            yield Static(HINT, id="briefing-hint")
        yield Log(id="messages", highlight=False)
        yield Input(
            placeholder="situation report to the director (ctrl+o, Enter sends)",
            id="sitrep",
            compact=True,
        )

    def show_briefing(self, title: str, briefing: str) -> None:
        text = f"[b]{escape(title)}[/b]\n{escape(briefing) or '(no briefing)'}"
        self.query_one("#briefing-text", Static).update(text)

    def add_message(self, time: float, sender: str, text: str) -> None:
        self.query_one("#messages", Log).write_line(f"{clock(time)} {sender}: {text}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_send_sitrep()

    def action_send_sitrep(self) -> None:
        """Send what the sitrep field says (an empty field gets the focus instead)."""
        field = self.query_one("#sitrep", Input)
        text = field.value.strip()
        if not text:
            self.console.action_show_tab("briefing")
            field.focus()
            return
        self.console.act("send sitrep", lambda c: c.sitrep(text), self.sent)

    def sent(self, sitrep: SitrepView) -> None:
        self.query_one("#sitrep", Input).value = ""
        self.add_message(sitrep.time, "you (sitrep)", sitrep.text)
