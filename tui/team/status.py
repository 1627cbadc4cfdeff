"""The status line: who and where, the exercise's state and clock, the connection."""

from __future__ import annotations

from textual.widgets import Static

from range.api.models import ExerciseView
from tui.client import Link


class StatusLine(Static):
    def __init__(self, user: str, **kw: object) -> None:
        super().__init__("connecting…", markup=False, **kw)  # type: ignore[arg-type]
        self.user = user
        self.exercise: ExerciseView | None = None
        self.link = "connecting…"

    def show_exercise(self, view: ExerciseView) -> None:
        self.exercise = view
        self._draw()

    def show_link(self, link: Link) -> None:
        if link.state == "up":
            self.link = "● connected"
            self.remove_class("down")
        else:
            self.link = f"○ connection lost ({link.reason}); retrying in {link.retry_in:g}s"
            self.add_class("down")
        self._draw()

    def _draw(self) -> None:
        view = self.exercise
        if view is None:
            self.update(f"{self.user} · {self.link}")
            return
        clock = view.clock
        state = "paused" if clock.paused and view.status == "running" else view.status
        self.update(
            f"{view.caller.team or '-'} · {view.title} · {state} · {clock.time[11:19]}"
            f" (+{clock.elapsed:.0f}s/{clock.duration:.0f}s) · {self.link}"
        )
