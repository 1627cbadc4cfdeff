"""The status line: the connection, who, the exercise's state and clock, and its
title last (what a narrow terminal cuts)."""

from __future__ import annotations

from textual.widgets import Static

from range.api.models import ClockView, ExerciseView
from tui.client import Link
from tui.team.cells import clock as clock_text


class StatusLine(Static):
    def __init__(self, user: str, **kw: object) -> None:
        super().__init__("connecting…", markup=False, **kw)  # type: ignore[arg-type]
        self.user = user
        self.exercise: ExerciseView | None = None
        self.link = "connecting…"
        self.ended: ClockView | None = None
        """The clock as the exercise ended (the server's goes on; this one stops)."""

    def show_exercise(self, view: ExerciseView) -> None:
        self.exercise = view
        if view.status == "finished" and self.ended is None:
            self.ended = stopped(view.clock)
        elif view.status != "finished":
            self.ended = None
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
            self.update(f"{self.link} · {self.user}")
            return
        clock = self.ended or view.clock
        state = "paused" if clock.paused and view.status == "running" else view.status
        self.update(
            f"{self.link} · {view.caller.team or '-'} · {state} {clock_text(clock.epoch)}"
            f" +{clock.elapsed:.0f}s/{clock.duration:.0f}s · {view.title}"
        )


def stopped(clock: ClockView) -> ClockView:
    """``clock`` at the scenario's end at the latest (a finished exercise's clock, read
    after its end, has gone past it)."""
    over = max(0.0, clock.elapsed - clock.duration)
    return clock.model_copy(update={"epoch": clock.epoch - over, "elapsed": clock.elapsed - over})
