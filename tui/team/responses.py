"""Responses: block or unblock an address, network, port or domain, isolate a host;
the rule list with what each rule has dropped so far."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from range.api.models import ResponseRule
from tui.team.cells import clock
from tui.team.pane import Col, FitTable, Pane
from tui.widgets.tables import selected_key

KINDS = (
    ("block address", "block-ip"),
    ("block CIDR", "block-cidr"),
    ("block port", "block-port"),
    ("sinkhole domain", "sinkhole-domain"),
    ("isolate host", "isolate-host"),
)
DIRECTIONS = (("both ways", "both"), ("from it (src)", "src"), ("to it (dst)", "dst"))


class RulesTable(FitTable):
    BINDINGS = [Binding("u,delete", "lift", "Unblock")]

    def action_lift(self) -> None:
        key = selected_key(self)
        if key is not None:
            self.screen.query_one(ResponsesPane).lift(key)


class ResponsesPane(Pane):
    BINDINGS = [Binding("ctrl+b", "add_rule", "Apply rule")]

    def compose(self) -> ComposeResult:
        with Horizontal(id="rule-form"):
            yield Select(KINDS, value="block-ip", allow_blank=False, id="rule-kind", compact=True)
            yield Input(
                placeholder="address, CIDR, port, domain or host", id="rule-value", compact=True
            )
            yield Select(
                DIRECTIONS, value="both", allow_blank=False, id="rule-direction", compact=True
            )
        yield RulesTable(
            (
                Col("rule", "rule", 6),
                Col("since", "since", 8),
                Col("kind", "kind", 15),
                Col("value", "value", 16, 1),
                Col("dir", "direction", 4),
                Col("drops", "drops", 6),
            ),
            id="rules-table",
        )
        yield Static("No rules.", id="rules-status", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_add_rule()

    def action_add_rule(self) -> None:
        value = self.query_one("#rule-value", Input).value.strip()
        if not value:
            self.notify("give the address, CIDR, port, domain or host first", severity="warning")
            return
        kind = str(self.query_one("#rule-kind", Select).value)
        direction = str(self.query_one("#rule-direction", Select).value)
        self.apply(kind, value, direction)

    def apply(self, kind: str, value: str, direction: str = "both") -> None:
        self.console.act(
            f"{kind} {value}",
            lambda c: c.respond(kind, value, direction),
            self.applied,
        )

    def applied(self, rule: ResponseRule) -> None:
        self.query_one("#rule-value", Input).value = ""
        self.notify(f"{rule.rule_id}: {rule.kind} {rule.value} applied")
        self.console.refresh_part("responses")

    def action_lift(self) -> None:
        """Lift the rule highlighted in the list."""
        key = selected_key(self.query_one("#rules-table", DataTable))
        if key is not None:
            self.lift(key)

    def lift(self, rule_id: str) -> None:
        self.console.act(
            f"lift {rule_id}",
            lambda c: c.lift(rule_id),
            lambda _: self.console.refresh_part("responses"),
        )

    def show(self, rules: list[ResponseRule]) -> None:
        table = self.query_one("#rules-table", DataTable)
        table.clear()
        for r in rules:
            table.add_row(
                r.rule_id, clock(r.created_at), r.kind, r.value, r.direction, r.drops, key=r.rule_id
            )
        dropped = sum(r.drops for r in rules)
        status = f"{len(rules)} rule(s), {dropped} frame(s) dropped; u lifts the highlighted rule"
        self.query_one("#rules-status", Static).update(status if rules else "No rules.")
