"""The shared inbox: indicators other CERTs and partners published that this team
may read over TAXII (TLP, producer); deploy one with one key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.client import SharedIndicator
from tui.team.pane import Pane, selected_key


class SharedInbox(Pane):
    BINDINGS = [
        Binding("d", "deploy", "Deploy"),
        Binding("ctrl+r", "reload", "Reload"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.shared: dict[str, SharedIndicator] = {}

    def compose(self) -> ComposeResult:
        table: DataTable = DataTable(id="inbox-table", cursor_type="row", zebra_stripes=True)
        table.add_column("published", key="created", width=8)
        table.add_column("producer", key="producer", width=8)
        table.add_column("TLP", key="tlp", width=12)
        table.add_column("state", key="state", width=8)
        table.add_column("name", key="name", width=16)
        table.add_column("pattern", key="pattern", width=60)
        yield table
        yield Static("Nothing shared with you yet.", id="inbox-status")

    def show(self, shared: list[SharedIndicator], deployed: set[str]) -> None:
        table = self.query_one("#inbox-table", DataTable)
        table.clear()
        self.shared = {s.indicator_id: s for s in shared}
        for s in reversed(shared):
            table.add_row(
                s.created[11:19],
                s.producer,
                s.tlp,
                "deployed" if s.indicator_id in deployed else "",
                s.name,
                s.pattern,
                key=s.indicator_id,
            )
        count = f"{len(shared)} shared indicator(s); d deploys the highlighted one"
        self.query_one("#inbox-status", Static).update(count if shared else "Nothing shared yet.")

    def action_deploy(self) -> None:
        key = selected_key(self.query_one("#inbox-table", DataTable))
        if key is None:
            return
        self.console.act(
            f"deploy shared {key}",
            lambda c: c.import_indicator(key),
            lambda _: self.console.refresh_part("indicators"),
        )

    def action_reload(self) -> None:
        self.console.refresh_part("shared")
