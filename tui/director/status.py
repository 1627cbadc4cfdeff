"""The director's status line: the exercise's state, clock and speed, the connection."""

from __future__ import annotations

from tui.team.status import StatusLine


def speed_text(speed: float | str) -> str:
    return "max speed" if speed == "max" else f"{speed:g}x"


class DirectorStatus(StatusLine):
    """The team console's status line with the clock's speed; the connection comes
    first, so a narrow terminal still shows it."""

    def _draw(self) -> None:
        view = self.exercise
        if view is None:
            self.update(f"{self.link} · {self.user}")
            return
        clock = view.clock
        state = "paused" if clock.paused and view.status == "running" else view.status
        self.update(
            f"{self.link} · {self.user} · {view.title} · {state} · {clock.time[11:19]}"
            f" (+{clock.elapsed:.0f}s/{clock.duration:.0f}s) · {speed_text(clock.speed)}"
        )
