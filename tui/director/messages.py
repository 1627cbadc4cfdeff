"""Messages: every message so far (the scenario's and the director's) and a form to
message one team or all."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Log, Select

from range.api.models import TeamInfo
from tui.director.overview import MessageEntry
from tui.director.pane import Pane
from tui.team.cells import clock

ALL = "all"


class MessagesPane(Pane):
    BINDINGS = [Binding("ctrl+o", "send", "Send message")]

    def compose(self) -> ComposeResult:
        yield Log(id="message-log", highlight=False)
        with Horizontal(id="message-form"):
            yield Select(
                [("to all teams", ALL)], value=ALL, allow_blank=False, id="message-to", compact=True
            )
            yield Input(placeholder="message (Enter sends)", id="message-text", compact=True)

    def show_teams(self, teams: list[TeamInfo]) -> None:
        select = self.query_one("#message-to", Select)
        chosen = select.value
        select.set_options([("to all teams", ALL), *((f"to {t.id}", t.id) for t in teams)])
        select.value = chosen if chosen in {ALL, *(t.id for t in teams)} else ALL

    def add(self, message: MessageEntry) -> None:
        to = ", ".join(message.to) if message.to else "all"
        sender = "scenario" if message.scheduled else "director"
        self.query_one("#message-log", Log).write_line(
            f"{clock(message.time)} {sender} → {to}: {message.text}"
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_send()

    def action_send(self) -> None:
        text = self.query_one("#message-text", Input).value.strip()
        if not text:
            self.notify("write the message first", severity="warning")
            self.query_one("#message-text", Input).focus()
            return
        to = str(self.query_one("#message-to", Select).value)
        teams = None if to == ALL else [to]
        self.console.act(f"message {to}", lambda c: c.message(text, teams), self.sent)

    def sent(self, _: object) -> None:
        self.query_one("#message-text", Input).value = ""
