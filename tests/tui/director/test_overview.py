"""The director's fold of the event log, the activity lines and the timeline's pure
helpers, on events the engine really logs (tiny scenario)."""

from __future__ import annotations

import pytest

from tests.range.api.conftest import ok
from tui.director.activity import activity_line
from tui.director.overview import Overview
from tui.director.timeline import next_speed, offset, parse_speed

SCANNER = "203.0.113.66"


def test_overview_of_a_shared_detection(started):
    shared = {"pattern": f"[ipv4-addr:value = '{SCANNER}']", "tlp": "green", "name": "scan"}
    published = ok(started.post("lv-analyst", "/teams/lv/publish", shared), 201)
    indicator = published["indicator"]["id"]
    ok(started.post("ee-analyst", "/teams/ee/imports", {"indicator_id": indicator}), 201)
    started.step(60)
    ok(
        started.post("ee-analyst", "/teams/ee/responses", {"kind": "block-ip", "value": SCANNER}),
        201,
    )
    sitrep = ok(started.post("ee-analyst", "/teams/ee/sitreps", {"text": "seen"}), 201)
    path = f"/director/sitreps/{sitrep['sitrep_id']}/score"
    ok(started.post("director", path, {"points": 3, "comment": "ok"}))
    events = started.service.view().events

    overview = Overview()
    overview.apply(events)
    alerts = [e for e in events if e.kind == "alert"]
    ee, lv = overview.team("ee"), overview.team("lv")
    assert (ee.alerts, ee.imports, ee.responses, ee.shares) == (len(alerts), 1, 1, 0)
    assert ee.detections == {"ee-scan"} and lv.shares == 1 and lv.alerts == 0
    assert list(overview.edges) == [("lv", "ee")]
    edge = overview.edges["lv", "ee"]
    assert (edge.imports, edge.alerts, edge.indicators) == (
        1,
        len(alerts),
        {indicator: len(alerts)},
    )
    assert overview.detected_at["ee-scan", "ee"] == min(a.time for a in alerts)
    assert overview.indicator_name(indicator) == "scan"
    entry = overview.sitreps[sitrep["sitrep_id"]]
    assert (entry.team, entry.points, entry.comment) == ("ee", 3, "ok")
    assert [m.text for m in overview.messages] == ["Welcome on shift."]

    lines = [activity_line(e, overview.indicator_name) for e in events]
    shown = [line[9:] for line in lines if line]
    assert "lv shared scan (TLP:GREEN)" in shown and "ee imported scan from lv" in shown
    assert "ee alert: scan (from lv) on ee-scan" in shown
    assert (
        f"ee block-ip {SCANNER}" in shown and shown[-1] == f"sitrep {sitrep['sitrep_id']} scored 3"
    )
    assert all(line is None for e, line in zip(events, lines, strict=True) if e.kind == "traffic")


def test_an_alert_on_benign_traffic_is_no_detection_and_own_alerts_no_edge(started):
    portal_client = "[network-traffic:dst_ref.value = '198.51.100.20']"
    ok(started.post("lv-analyst", "/teams/lv/indicators", {"pattern": portal_client}), 201)
    started.step(60)
    overview = Overview()
    overview.apply(started.service.view().events)
    assert overview.team("lv").alerts > 0 and overview.team("lv").detections == set()
    assert overview.edges == {}


@pytest.mark.parametrize(
    ("current", "faster", "expected"),
    [
        (1, True, 2),
        (2, False, 1),
        ("max", False, 300),
        (300, True, "max"),
        ("max", True, "max"),
        (0.5, False, 0.5),
        (3, True, 5),
        (3, False, 2),
    ],
)
def test_speed_steps(current, faster, expected):
    assert next_speed(current, faster) == expected


def test_parse_speed_and_offset():
    assert parse_speed(" 60x ") == 60 and parse_speed("MAX") == "max" and parse_speed("2.5") == 2.5
    for bad in ("fast", "0", "-1", "x"):
        with pytest.raises(ValueError):
            parse_speed(bad)
    assert offset(90) == "+1:30" and offset(3725) == "+1:02:05" and offset(-3) == "+0:00"
