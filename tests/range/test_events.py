from __future__ import annotations

import pytest
from pydantic import ValidationError

from range.events import (
    KINDS,
    Alert,
    InjectFired,
    LabelCounts,
    Message,
    ResponseApplied,
    Traffic,
    parse_event,
)

T = 1_767_600_000.0


def alert(**kw) -> Alert:
    base = dict(
        time=T + 60,
        team="ee",
        alert_id="ee-a1",
        indicator_id="indicator--1",
        producer="lv",
        observation_ids=["observed-data--1"],
        summary=["ipv4-addr 203.0.113.66"],
        observed=T + 59,
        labels=["ee-scan"],
    )
    return Alert(**{**base, **kw})


def traffic() -> Traffic:
    return Traffic(
        time=T + 1,
        team="ee",
        start=T,
        frames=3,
        bytes=180,
        delivered=2,
        dropped={"ee-r1": 1},
        labels={
            "ee-scan": LabelCounts(frames=1, dropped={"ee-r1": 1}),
            "benign": LabelCounts(frames=2, delivered=2),
        },
    )


@pytest.mark.parametrize(
    "event",
    [
        alert(),
        traffic(),
        InjectFired(
            time=T,
            team="ee",
            inject="x",
            technique="network-scan",
            target_host="portal",
            attacker="203.0.113.66",
            at=T,
            impact_at=T + 60,
        ),
        Message(time=T, text="hello", to=["ee"]),
        ResponseApplied(
            time=T,
            team="ee",
            actor="alice",
            rule="ee-r1",
            rule_kind="block-ip",
            value="203.0.113.66",
            direction="both",
        ),
    ],
)
def test_json_round_trip_keeps_kind_and_fields(event):
    back = parse_event(event.model_dump_json())
    assert type(back) is type(event)
    assert back == event
    assert parse_event(event.model_dump()) == event


def test_every_kind_parses_by_its_discriminator():
    assert len(KINDS) == len(set(KINDS)) == 19
    assert "attacker-rotated" in KINDS and "sitrep-scored" in KINDS
    with pytest.raises(ValidationError):
        parse_event({"kind": "no-such-kind", "time": T})
    with pytest.raises(ValidationError):
        parse_event({"kind": "message", "time": T, "text": "x", "surprise": 1})


def test_team_view_strips_labels():
    view = alert().for_team("ee")
    assert view is not None and view.labels == [] and view.indicator_id == "indicator--1"
    tv = traffic().for_team("ee")
    assert tv.labels == {} and tv.dropped == {"ee-r1": 1} and tv.frames == 3
    assert "ee-scan" not in tv.model_dump_json()


def test_others_and_director_only_events_are_hidden_from_a_team():
    assert alert().for_team("lv") is None
    fired = InjectFired(
        time=T,
        team="ee",
        inject="x",
        technique="t",
        target_host="h",
        attacker="a",
        at=T,
        impact_at=T,
    )
    assert fired.for_team("ee") is None
    assert Message(time=T, text="all").for_team("lv") is not None
    assert Message(time=T, text="ee only", to=["ee"]).for_team("lv") is None
    assert Message(time=T, text="ee only", to=["ee"]).for_team("ee") is not None


def test_comparable_leaves_out_seq_only():
    a, b = alert(seq=1), alert(seq=9)
    assert a != b and a.comparable() == b.comparable()
    assert "time" in a.comparable()
