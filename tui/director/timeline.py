"""The scenario timeline: each inject's state (pending, fired, detected by whom and
when); start, pause, resume and pace the exercise; fire an inject now."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Log, Static

from range.api.models import ExerciseView, Fired, TimelineEntry
from tui.director.pane import Pane
from tui.director.status import speed_text
from tui.team.cells import clock
from tui.widgets.tables import fill, selected_key

WIDE = 140
"""Columns from which the activity feed shows beside the timeline."""

SPEEDS: tuple[float | str, ...] = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, "max")
"""The steps of faster (+) and slower (-)."""


def offset(seconds: float) -> str:
    """Seconds after the scenario's start as ``+M:SS`` (``+H:MM:SS`` past an hour)."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"+{hours}:{minutes:02}:{secs:02}" if hours else f"+{minutes}:{secs:02}"


def next_speed(current: float | str, faster: bool) -> float | str:
    """The next step of :data:`SPEEDS` above (or below) ``current``."""
    rank = [float("inf") if s == "max" else float(s) for s in SPEEDS]
    now = float("inf") if current == "max" else float(current)
    if faster:
        return next((s for s, r in zip(SPEEDS, rank, strict=True) if r > now), "max")
    below = [s for s, r in zip(SPEEDS, rank, strict=True) if r < now]
    return below[-1] if below else SPEEDS[0]


def parse_speed(text: str) -> float | str:
    """``2``, ``60x`` or ``max``; :class:`ValueError` saying why otherwise."""
    text = text.strip().lower()
    if text == "max":
        return "max"
    text = text.removesuffix("x")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"speed {text!r} is not a number or max") from None
    if not value > 0:
        raise ValueError(f"speed {text!r} must be more than 0")
    return value


class TimelinePane(Pane):
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("p", "pause_or_resume", "Pause/resume"),
        Binding("r", "resume", "Resume", show=False),
        Binding("plus,equals_sign", "faster", "Pace", key_display="+/-"),
        Binding("minus", "slower", "Slower", show=False),
        Binding("x", "speed", "Speed…"),
        Binding("f", "fire", "Fire"),
    ]

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.entries: dict[str, TimelineEntry] = {}
        self.start_epoch = 0.0
        self.speed: float | str = 1
        self.paused = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="timeline-body"):
            with Vertical(id="timeline-main"):
                table: DataTable = DataTable(
                    id="timeline-table", cursor_type="row", zebra_stripes=True
                )
                table.add_column("inject", key="inject")
                table.add_column("at", key="at")
                table.add_column("target", key="target")
                table.add_column("state", key="state")
                table.add_column("detected by", key="detected")
                table.add_column("technique", key="technique")
                table.add_column("fired", key="fired")
                yield table
                yield Static("", id="inject-detail", classes="detail")
                with Horizontal(id="speed-row"):
                    yield Label("speed:", id="speed-label")
                    yield Input(placeholder="2, 60 or max; Enter sets it", id="speed", compact=True)
            with Vertical(id="activity-box"):
                yield Label("Activity", id="activity-title")
                yield Log(id="activity", highlight=False, max_lines=2000)

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#activity-box").display = event.size.width >= WIDE

    def add_activity(self, lines: list[str]) -> None:
        if lines:
            self.query_one("#activity", Log).write_lines(lines)

    @property
    def table(self) -> DataTable:
        return self.query_one("#timeline-table", DataTable)

    def show_exercise(self, view: ExerciseView) -> None:
        self.start_epoch = view.clock.epoch - view.clock.elapsed
        self.speed = view.clock.speed
        self.paused = view.status == "paused" or view.clock.paused
        self.query_one("#speed-label", Label).update(f"speed (now {speed_text(view.clock.speed)}):")

    def show(self, entries: list[TimelineEntry]) -> None:
        """Show the timeline (the cursor stays on the inject it was on)."""
        self.entries = {e.inject: e for e in entries}
        rows = [
            (
                e.inject,
                (
                    e.inject,
                    offset(e.at - self.start_epoch),
                    f"{e.team}/{e.host}",
                    e.state,
                    self._detected_text(e),
                    e.technique,
                    clock(e.fired_at) if e.fired_at is not None else "",
                ),
            )
            for e in entries
        ]
        fill(self.table, rows)
        self._show_detail()

    def _detected_text(self, entry: TimelineEntry) -> str:
        when = self.console.overview.detected_at
        parts = []
        for team in entry.detected_by:
            at = when.get((entry.inject, team))
            parts.append(f"{team} {clock(at)}" if at is not None else team)
        return ", ".join(parts)

    def current(self) -> TimelineEntry | None:
        key = selected_key(self.table)
        return self.entries.get(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        entry = self.current()
        if entry is None:
            self.query_one("#inject-detail", Static).update("The scenario has no injects.")
            return
        kind = "fired by the director" if entry.ad_hoc else "scenario inject"
        detected = self._detected_text(entry) or "nobody yet"
        self.query_one("#inject-detail", Static).update(
            f"{entry.inject} ({kind}): {entry.technique} on {entry.team}/{entry.host}"
            f" at {offset(entry.at - self.start_epoch)}, {entry.state}\n"
            f"detected by: {detected}"
        )

    # -- actions ---------------------------------------------------------------------

    def _clock_action(self, what: str, call_name: str) -> None:
        self.console.act(what, lambda c: getattr(c, call_name)(), self.console.show_exercise)

    def action_start(self) -> None:
        self._clock_action("start", "start_exercise")

    def action_pause(self) -> None:
        self._clock_action("pause", "pause_exercise")

    def action_resume(self) -> None:
        self._clock_action("resume", "resume_exercise")

    def action_pause_or_resume(self) -> None:
        """Pause, or resume when paused (the state taken as asked, so a quick second
        press undoes the first)."""
        if self.paused:
            self.action_resume()
        else:
            self.action_pause()
        self.paused = not self.paused

    def action_faster(self) -> None:
        self.set_speed(next_speed(self.speed, faster=True))

    def action_slower(self) -> None:
        self.set_speed(next_speed(self.speed, faster=False))

    def action_speed(self) -> None:
        self.query_one("#speed", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            speed = parse_speed(event.value)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        event.input.value = ""
        self.set_speed(speed)
        self.table.focus()

    def set_speed(self, speed: float | str) -> None:
        self.speed = speed  # the next step starts from here, before the server answers
        self.console.act(
            f"speed {speed_text(speed)}",
            lambda c: c.set_speed(speed),  # type: ignore[arg-type]
            self.console.show_exercise,
        )

    def action_fire(self) -> None:
        entry = self.current()
        if entry is None:
            return
        if entry.ad_hoc:
            self.notify("fire a scenario inject (this one is a copy)", severity="warning")
            return
        self.console.act(f"fire {entry.inject}", lambda c: c.fire_inject(entry.inject), self.fired)

    def fired(self, result: Fired) -> None:
        self.notify(f"fired {result.inject}")
        self.console.refresh_part("timeline")
