"""The indicator workbench: write a STIX pattern (checked by the server as you type,
the error position marked under the line), test it on recent observations, deploy
it, publish it with a TLP, and undeploy what is deployed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Input, Select, Static, TextArea

from range.api.models import (
    DeployedIndicator,
    DeployResult,
    PatternCheck,
    PatternTestResult,
    PublishResult,
)
from tui.errors import ClientError
from tui.team.cells import clock, flow_of, position_marker, short_id
from tui.team.pane import Col, FitTable, Pane
from tui.widgets.tables import selected_key

TLPS = ("clear", "green", "amber", "amber+strict", "red")
DEBOUNCE = 0.3
"""Seconds of quiet typing before the pattern is sent for validation."""


class DeployedTable(FitTable):
    BINDINGS = [Binding("u,delete", "undeploy", "Undeploy")]

    def action_undeploy(self) -> None:
        key = selected_key(self)
        if key is not None:
            self.screen.query_one(Workbench).undeploy(key)


class Workbench(Pane):
    BINDINGS = [
        Binding("ctrl+t", "test", "Test"),
        Binding("ctrl+g", "deploy", "Deploy"),
        Binding("ctrl+s", "publish", "Publish"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self._timer: Timer | None = None
        self.check: PatternCheck | None = None
        """The server's last verdict on the editor's text."""
        self.checked_text = ""

    def compose(self) -> ComposeResult:
        # tab leaves the editor for the name field (a pattern has no use for tabs)
        yield TextArea(id="pattern", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        hint = "Write a STIX pattern, e.g. [ipv4-addr:value = '203.0.113.66']"
        yield Static(hint, id="check", markup=False)
        with Horizontal(id="publish-row"):
            yield Input(placeholder="name", id="indicator-name", compact=True)
            yield Select(
                [(f"TLP:{t.upper()}", t) for t in TLPS],
                value="green",
                allow_blank=False,
                id="tlp",
                compact=True,
            )
        yield Static("", id="test-result", markup=False)
        yield DeployedTable(
            (
                Col("deployed", "time", 8),
                Col("name", "name", 10, 1),
                Col("producer", "producer", 8),
                Col("TLP", "tlp", 12),
                Col("pattern", "pattern", 8, 4),
            ),
            id="deployed-table",
        )

    @property
    def pattern(self) -> str:
        return self.query_one("#pattern", TextArea).text.strip()

    @property
    def indicator_name(self) -> str:
        return self.query_one("#indicator-name", Input).value.strip()

    # -- validation as you type --------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._validate)

    def _validate(self) -> None:
        text = self.pattern
        if not text:
            self.query_one("#check", Static).update("")
            return
        self.console.act(
            "validate",
            lambda c: c.validate(text),
            lambda check: self.show_check(text, check),
            group="validate",
            background=True,
        )

    def show_check(self, text: str, check: PatternCheck) -> None:
        if text != self.pattern:
            return  # an answer for text since changed; the newer one is on its way
        self.check, self.checked_text = check, text
        status = self.query_one("#check", Static)
        if check.valid:
            warnings = "; ".join(w.message for w in check.warnings)
            status.update("✓ valid" + (f" — {warnings}" if warnings else ""))
            status.set_classes("ok")
            return
        error = check.errors[0]
        if error.position is None:
            status.update(f"✗ {error.message}")
        else:
            line, column, marked = position_marker(text, error.position)
            status.update(f"✗ line {line} col {column}: {error.message}\n{marked}")
        status.set_classes("error")

    # -- actions -----------------------------------------------------------------------

    def action_test(self) -> None:
        text = self.pattern
        if text:
            self.console.act("test pattern", lambda c: c.test(text, 5), self.show_test)

    def show_test(self, result: PatternTestResult) -> None:
        lines = [f"{result.hits} hit(s) in {result.searched} recent observation(s)"]
        for o in result.sample:
            src, dst = flow_of(o)
            lines.append(f"  {clock(o.time)} {src} -> {dst} {','.join(o.protocols)}")
        self.query_one("#test-result", Static).update("\n".join(lines))

    def action_deploy(self) -> None:
        text, name = self.pattern, self.indicator_name
        if text:
            self.console.act("deploy", lambda c: c.deploy(text, name), self.deployed)

    def deployed(self, result: DeployResult) -> None:
        found = f", {result.retro_alerts} alert(s) from the hunt" if result.retro_alerts else ""
        self.query_one("#test-result", Static).update(
            f"deployed {result.indicator.name or short_id(result.indicator.indicator_id)}{found}"
        )
        self.console.refresh_part("indicators")

    def action_publish(self) -> None:
        text, name = self.pattern, self.indicator_name
        tlp = str(self.query_one("#tlp", Select).value)
        if text:
            self.console.act(
                f"publish TLP:{tlp.upper()}",
                lambda c: c.publish(tlp=tlp, pattern=text, name=name),
                self.published,
            )

    def published(self, result: PublishResult) -> None:
        self.query_one("#test-result", Static).update(
            f"published {short_id(result.indicator['id'])} to collection {result.collection}"
        )

    def action_undeploy(self) -> None:
        """Undeploy the indicator highlighted in the deployed list."""
        key = selected_key(self.query_one("#deployed-table", DataTable))
        if key is not None:
            self.undeploy(key)

    def undeploy(self, indicator_id: str) -> None:
        self.console.act(
            f"undeploy {short_id(indicator_id)}",
            lambda c: c.undeploy(indicator_id),
            lambda _: self.console.refresh_part("indicators"),
        )

    def refused(self, error: ClientError) -> None:
        """Mark a pattern refusal (deploy/test) the way validation does."""
        if error.position is not None:
            line, column, marked = position_marker(self.pattern, error.position)
            self.query_one("#check", Static).update(
                f"✗ line {line} col {column}: {error.detail}\n{marked}"
            )

    def show_deployed(self, indicators: list[DeployedIndicator]) -> None:
        table = self.query_one("#deployed-table", DataTable)
        table.clear()
        for i in indicators:
            table.add_row(
                clock(i.deployed_at),
                i.name or short_id(i.indicator_id),
                i.producer,
                i.tlp,
                i.pattern,
                key=i.indicator_id,
            )
