"""One line per event worth a director's glance (pure: an event in, a line out)."""

from __future__ import annotations

from collections.abc import Callable

from range.events import (
    Alert,
    AlertFalsePositive,
    Event,
    ExerciseFinished,
    ExerciseStarted,
    IndicatorImported,
    IndicatorPublished,
    InjectFired,
    ResponseApplied,
    ResponseLifted,
    Sitrep,
    SitrepScored,
)
from tui.team.cells import clock


def activity_line(event: Event, name_of: Callable[[str], str]) -> str | None:
    """``HH:MM:SS who what`` for the events the activity feed lists, else ``None``;
    ``name_of`` names an indicator from its id."""
    team = event.team or "-"
    match event:
        case ExerciseStarted():
            what = "exercise started"
        case ExerciseFinished():
            what = "exercise finished"
        case InjectFired():
            how = "fired by the director" if event.ad_hoc else "fired"
            what = f"inject {event.inject} {how} ({event.technique} on {event.target_host})"
        case Alert():
            source = "own" if event.producer == team else f"from {event.producer}"
            labels = ", ".join(label for label in event.labels if label != "benign")
            what = f"{team} alert: {name_of(event.indicator_id)} ({source})" + (
                f" on {labels}" if labels else " on benign traffic"
            )
        case AlertFalsePositive():
            what = f"{team} marked {event.alert_id} a false positive"
        case IndicatorPublished():
            what = f"{team} shared {name_of(event.indicator_id)} ({event.tlp})"
        case IndicatorImported():
            what = f"{team} imported {name_of(event.indicator_id)} from {event.producer}"
        case ResponseApplied():
            what = f"{team} {event.rule_kind} {event.value}"
        case ResponseLifted():
            what = f"{team} lifted {event.rule}"
        case Sitrep():
            what = f"{team} sent sitrep {event.sitrep_id}"
        case SitrepScored():
            what = f"sitrep {event.sitrep_id} scored {event.points:g}"
        case _:
            return None
    return f"{clock(event.time)} {what}"
