"""A team's endpoints over real HTTP: every action changes the engine's state as read
back through the API, and every refusal names its field."""

from __future__ import annotations

import pytest
from taxii2client.v21 import Collection

from indicators.tlp import TLP2_MARKING_IDS, Tlp
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import RangeHarness, ok, refused

SCANNER = "[ipv4-addr:value = '203.0.113.66']"


def _deploy(api: RangeHarness, user: str, team: str, pattern: str = SCANNER, **extra) -> dict:
    return ok(api.post(user, f"/teams/{team}/indicators", {"pattern": pattern, **extra}), 201)


def _alerts(api: RangeHarness, user: str, team: str, **params) -> list[dict]:
    return ok(api.get(user, f"/teams/{team}/alerts", **params))["alerts"]


# -- alerts --------------------------------------------------------------------------


def test_alerts_come_from_deployed_indicators_and_hide_labels_from_teams(started):
    deployed = _deploy(started, "ee-analyst", "ee", name="scanner")["indicator"]
    started.step(120)
    alerts = _alerts(started, "ee-analyst", "ee")
    assert alerts and {a["indicator_id"] for a in alerts} == {deployed["indicator_id"]}
    assert all(a["state"] == "new" and a["labels"] == [] for a in alerts)
    assert any("203.0.113.66" in line for line in alerts[0]["summary"])
    director_view = _alerts(started, "director", "ee")
    assert [a["alert_id"] for a in director_view] == [a["alert_id"] for a in alerts]
    assert any(a["labels"] for a in director_view)
    assert _alerts(started, "lv-analyst", "lv") == []
    last = alerts[-1]["seq"]
    assert _alerts(started, "ee-analyst", "ee", after=last) == []


def test_acknowledge_and_false_positive_change_the_alert_state(started):
    _deploy(started, "ee-analyst", "ee")
    started.step(120)
    first, second = _alerts(started, "ee-analyst", "ee")[:2]
    done = ok(started.post("ee-analyst", f"/teams/ee/alerts/{first['alert_id']}/acknowledge"))
    assert done["seq"] > 0
    marked = started.post(
        "ee-analyst", f"/teams/ee/alerts/{second['alert_id']}/false-positive", {"note": "lab"}
    )
    ok(marked)
    states = {a["alert_id"]: a["state"] for a in _alerts(started, "ee-analyst", "ee")}
    assert states[first["alert_id"]] == "acknowledged"
    assert states[second["alert_id"]] == "false-positive"
    acked = _alerts(started, "ee-analyst", "ee", state="acknowledged")
    assert [a["alert_id"] for a in acked] == [first["alert_id"]]
    events = ok(started.get("ee-analyst", "/events", after=done["seq"] - 1))["events"]
    assert events[0]["kind"] == "alert-acknowledged" and events[0]["actor"] == "ee-analyst"


def test_alert_refusals(started):
    _deploy(started, "ee-analyst", "ee")
    started.step(120)
    alert = _alerts(started, "ee-analyst", "ee")[0]["alert_id"]
    refused(started.post("ee-analyst", "/teams/ee/alerts/ee-a999/acknowledge"), 404, "alert_id")
    refused(started.post("lv-analyst", f"/teams/ee/alerts/{alert}/acknowledge"), 403, "team")
    refused(started.post("lv-analyst", f"/teams/lv/alerts/{alert}/acknowledge"), 404, "alert_id")
    refused(started.post("partner", f"/teams/ee/alerts/{alert}/acknowledge"), 403, None)
    refused(started.get("ee-analyst", "/teams/ee/alerts", state="closed"), 400, "state")
    refused(started.get("ee-analyst", "/teams/nowhere/alerts"), 403, "team")
    refused(started.get("director", "/teams/nowhere/alerts"), 404, "team")
    bad = started.post(
        "ee-analyst", f"/teams/ee/alerts/{alert}/false-positive", {"note": "x", "extra": 1}
    )
    refused(bad, 422, "extra")


# -- observations --------------------------------------------------------------------


def test_observation_search_filters(started):
    started.step(150)
    everything = ok(started.get("ee-analyst", "/teams/ee/observations", limit=1000))
    observations = everything["observations"]
    assert observations
    times = [o["time"] for o in observations]
    assert times == sorted(times, reverse=True)
    scanner = ok(started.get("ee-analyst", "/teams/ee/observations", address="203.0.113.66"))
    assert scanner["observations"]
    assert all("203.0.113.66" in o["addresses"] for o in scanner["observations"])
    assert len(scanner["observations"]) < len(observations)
    ssh = ok(started.get("ee-analyst", "/teams/ee/observations", port=22, protocol="tcp"))
    assert all(22 in o["ports"] and "tcp" in o["protocols"] for o in ssh["observations"])
    assert ssh["observations"]
    start = "2026-01-05T08:01:00Z"
    end = "2026-01-05T08:02:00Z"
    window = ok(started.get("ee-analyst", "/teams/ee/observations", start=start, end=end))
    epoch = started.exercise.scenario.epoch
    assert all(epoch(60) <= o["time"] < epoch(120) for o in window["observations"])
    one = ok(started.get("ee-analyst", "/teams/ee/observations", limit=1))["observations"]
    assert [o["id"] for o in one] == [observations[0]["id"]]
    assert one[0]["objects"][0]["type"] == "observed-data"
    assert ok(started.get("lv-analyst", "/teams/lv/observations"))["observations"] != one


def test_observation_search_refusals(started):
    refused(started.get("ee-analyst", "/teams/ee/observations", limit=0), 400, "limit")
    refused(started.get("ee-analyst", "/teams/ee/observations", port=70000), 400, "port")
    refused(started.get("ee-analyst", "/teams/ee/observations", start="yesterday"), 400, "start")
    window = started.get(
        "ee-analyst",
        "/teams/ee/observations",
        start="2026-01-05T08:02:00Z",
        end="2026-01-05T08:01:00Z",
    )
    refused(window, 400, "end")
    refused(started.get("lv-analyst", "/teams/ee/observations"), 403, "team")


# -- indicators ----------------------------------------------------------------------


def test_deploy_lists_and_undeploy(started):
    result = _deploy(started, "ee-analyst", "ee", name="scanner")
    indicator = result["indicator"]
    assert indicator["name"] == "scanner" and indicator["producer"] == "ee"
    assert not indicator["imported"] and indicator["pattern"] == SCANNER
    listed = ok(started.get("ee-analyst", "/teams/ee/indicators"))["indicators"]
    assert listed == [indicator]
    assert ok(started.get("lv-analyst", "/teams/lv/indicators"))["indicators"] == []
    ok(started.delete("ee-analyst", f"/teams/ee/indicators/{indicator['indicator_id']}"))
    assert ok(started.get("ee-analyst", "/teams/ee/indicators"))["indicators"] == []
    started.step(120)
    assert _alerts(started, "ee-analyst", "ee") == []


def test_deploy_hunts_back_over_recent_observations(started):
    started.step(120)
    result = _deploy(started, "ee-analyst", "ee")
    assert result["retro_alerts"] > 0
    alerts = _alerts(started, "ee-analyst", "ee")
    assert len(alerts) == result["retro_alerts"] and all(a["retro"] for a in alerts)


def test_deploy_refusals(started):
    bad = refused(
        started.post("ee-analyst", "/teams/ee/indicators", {"pattern": "[ipv4-addr:value = '1"}),
        422,
        "pattern",
    )
    assert isinstance(bad["position"], int) and "position" in bad["detail"]
    both = {
        "pattern": SCANNER,
        "indicator_id": "indicator--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
    }
    refused(started.post("ee-analyst", "/teams/ee/indicators", both), 422, "body")
    refused(started.post("ee-analyst", "/teams/ee/indicators", {}), 422, "body")
    refused(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": 5}), 422, "pattern")
    unknown = {"indicator_id": "indicator--11111111-1111-4111-8111-111111111111"}
    refused(started.post("ee-analyst", "/teams/ee/indicators", unknown), 404, "indicator_id")
    refused(
        started.post("ee-analyst", "/teams/ee/indicators", {"indicator_id": "x"}),
        422,
        "indicator_id",
    )
    refused(
        started.delete("ee-analyst", "/teams/ee/indicators/indicator--nope"), 404, "indicator_id"
    )
    refused(started.post("lv-analyst", "/teams/ee/indicators", {"pattern": SCANNER}), 403, "team")
    raw = started.http("ee-analyst").post(
        started.url + "/teams/ee/indicators",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    refused(raw, 400, "body")


def test_deploy_before_the_start_is_a_conflict(api):
    refused(api.post("ee-analyst", "/teams/ee/indicators", {"pattern": SCANNER}), 409, None)


def test_pattern_validation_gives_positions_and_warnings(started):
    good = ok(started.post("ee-analyst", "/teams/ee/patterns/validate", {"pattern": SCANNER}))
    assert good == {"valid": True, "errors": [], "warnings": []}
    mixed = "[ipv4-addr:value = '203.0.113.66' AND domain-name:value = 'x.example']"
    warned = ok(started.post("ee-analyst", "/teams/ee/patterns/validate", {"pattern": mixed}))
    assert warned["valid"] and warned["warnings"][0]["position"] is not None
    broken = ok(
        started.post(
            "ee-analyst", "/teams/ee/patterns/validate", {"pattern": "[ipv4-addr:value = ]"}
        )
    )
    assert not broken["valid"] and broken["errors"][0]["position"] == 19


def test_pattern_test_finds_hits_without_deploying(started):
    started.step(150)
    result = ok(
        started.post(
            "ee-analyst",
            "/teams/ee/patterns/test",
            {"pattern": "[network-traffic:dst_port = 22]", "sample": 2},
        )
    )
    assert result["searched"] > 0 and result["hits"] > 0
    assert 0 < len(result["sample"]) <= 2 and all(22 in o["ports"] for o in result["sample"])
    none = ok(
        started.post(
            "ee-analyst",
            "/teams/ee/patterns/test",
            {"pattern": "[domain-name:value = 'no.example']"},
        )
    )
    assert none["hits"] == 0 and none["sample"] == []
    assert ok(started.get("ee-analyst", "/teams/ee/indicators"))["indicators"] == []
    assert _alerts(started, "ee-analyst", "ee") == []
    bad = started.post("ee-analyst", "/teams/ee/patterns/test", {"pattern": "[x:y = 1"})
    assert refused(bad, 422, "pattern")["position"] is not None


# -- publishing and importing ---------------------------------------------------------


def _collection(api: RangeHarness, user: str, collection: str) -> Collection:
    return Collection(
        f"{api.server.url}grapevine/collections/{collection}/", user=user, password=PASSWORD
    )


def _readable(api: RangeHarness, user: str, collection: str, indicator_id: str) -> bool:
    objects = _collection(api, user, collection).get_objects().get("objects", [])
    return any(o["id"] == indicator_id for o in objects)


@pytest.mark.parametrize(
    ("tlp", "lv_reads", "partner_reads"),
    [("clear", True, True), ("green", True, True), ("amber", True, False),
     ("amber+strict", False, False)],
)  # fmt: skip
def test_publish_writes_a_tlp_marked_indicator_to_the_team_collection(
    started, tlp, lv_reads, partner_reads
):
    published = ok(
        started.post(
            "ee-analyst", "/teams/ee/publish", {"pattern": SCANNER, "tlp": tlp, "name": "scan"}
        ),
        201,
    )
    obj = published["indicator"]
    assert obj["type"] == "indicator" and obj["pattern"] == SCANNER and obj["name"] == "scan"
    assert obj["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.from_name(tlp)]]
    collection = published["collection"]
    assert _readable(started, "ee-analyst", collection, obj["id"])
    assert _readable(started, "lv-analyst", collection, obj["id"]) is lv_reads
    assert _readable(started, "partner", collection, obj["id"]) is partner_reads
    events = ok(started.get("ee-analyst", "/events"))["events"]
    assert any(
        e["kind"] == "indicator-published" and e["indicator_id"] == obj["id"] for e in events
    )


def test_publish_red_names_its_recipients(started):
    deployed = _deploy(started, "ee-analyst", "ee", name="scanner")["indicator"]
    body = {"indicator_id": deployed["indicator_id"], "tlp": "red", "recipients": ["lv"]}
    published = ok(started.post("ee-analyst", "/teams/ee/publish", body), 201)
    obj = published["indicator"]
    assert obj["pattern"] == SCANNER and obj["name"] == "scanner"
    assert obj["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.RED]]
    assert _readable(started, "lv-analyst", published["collection"], obj["id"])
    assert not _readable(started, "partner", published["collection"], obj["id"])


def test_publish_refusals(started):
    refused(
        started.post("ee-analyst", "/teams/ee/publish", {"pattern": SCANNER, "tlp": "white"}),
        422,
        "tlp",
    )
    refused(
        started.post(
            "ee-analyst",
            "/teams/ee/publish",
            {"pattern": SCANNER, "tlp": "amber", "recipients": ["lv"]},
        ),
        422,
        "recipients",
    )
    refused(
        started.post(
            "ee-analyst",
            "/teams/ee/publish",
            {"pattern": SCANNER, "tlp": "red", "recipients": ["xx"]},
        ),
        422,
        "recipients.0",
    )
    refused(
        started.post("ee-analyst", "/teams/ee/publish", {"pattern": "[bad", "tlp": "red"}),
        422,
        "pattern",
    )
    refused(
        started.post("lv-analyst", "/teams/ee/publish", {"pattern": SCANNER, "tlp": "red"}),
        403,
        "team",
    )
    refused(
        started.post("partner", "/teams/ee/publish", {"pattern": SCANNER, "tlp": "red"}), 403, None
    )


def test_import_deploys_another_teams_indicator_credited_to_its_producer(started):
    shared = ok(
        started.post("ee-analyst", "/teams/ee/publish", {"pattern": SCANNER, "tlp": "green"}), 201
    )["indicator"]
    imported = ok(
        started.post("lv-analyst", "/teams/lv/imports", {"indicator_id": shared["id"]}), 201
    )
    assert imported["indicator"]["imported"] and imported["indicator"]["producer"] == "ee"
    listed = ok(started.get("lv-analyst", "/teams/lv/indicators"))["indicators"]
    assert [i["indicator_id"] for i in listed] == [shared["id"]]
    events = ok(started.get("lv-analyst", "/events"))["events"]
    kinds = [e for e in events if e["kind"] == "indicator-imported"]
    assert kinds and kinds[0]["producer"] == "ee" and kinds[0]["team"] == "lv"
    started.step(240)  # lv-scan at 2m: lv detects with ee's indicator
    lv_alerts = _alerts(started, "lv-analyst", "lv")
    assert lv_alerts and all(a["producer"] == "ee" for a in lv_alerts)
    lines = ok(started.get("ee-analyst", "/teams/ee/score"))["lines"]
    assert any(line["category"] == "sharing" and line["points"] > 0 for line in lines)
    # the producer reads lv's sighting of its indicator back over TAXII
    lv_collection = started.exercise.teams["lv"].collection
    objects = _collection(started, "ee-analyst", lv_collection).get_objects()["objects"]
    sightings = [o for o in objects if o["type"] == "sighting"]
    assert sightings, "ee cannot read lv's sighting of its indicator"
    (sighting,) = sightings
    assert sighting["sighting_of_ref"] == shared["id"]
    assert sighting["count"] >= len(lv_alerts) > 0
    assert sighting["created_by_ref"] == started.exercise.teams["lv"].identity
    assert sighting["where_sighted_refs"] == [started.exercise.teams["lv"].identity]
    assert sighting["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.GREEN]]


def test_import_refusals(started):
    strict = ok(
        started.post(
            "ee-analyst", "/teams/ee/publish", {"pattern": SCANNER, "tlp": "amber+strict"}
        ),
        201,
    )["indicator"]
    refused(
        started.post("lv-analyst", "/teams/lv/imports", {"indicator_id": strict["id"]}),
        404,
        "indicator_id",
    )
    refused(
        started.post("ee-analyst", "/teams/ee/imports", {"indicator_id": strict["id"]}),
        422,
        "indicator_id",
    )
    green = ok(
        started.post("ee-analyst", "/teams/ee/publish", {"pattern": SCANNER, "tlp": "green"}), 201
    )["indicator"]
    ok(started.post("lv-analyst", "/teams/lv/imports", {"indicator_id": green["id"]}), 201)
    refused(
        started.post("lv-analyst", "/teams/lv/imports", {"indicator_id": green["id"]}),
        409,
        "indicator_id",
    )
    refused(
        started.post("lv-analyst", "/teams/lv/imports", {"indicator_id": "nope"}),
        422,
        "indicator_id",
    )
    refused(started.post("partner", "/teams/lv/imports", {"indicator_id": green["id"]}), 403, None)


def test_deploy_by_id_of_another_teams_indicator_is_an_import(started):
    green = ok(
        started.post("ee-analyst", "/teams/ee/publish", {"pattern": SCANNER, "tlp": "green"}), 201
    )["indicator"]
    result = ok(
        started.post("lv-analyst", "/teams/lv/indicators", {"indicator_id": green["id"]}), 201
    )
    assert result["indicator"]["imported"] and result["indicator"]["producer"] == "ee"


# -- responses -----------------------------------------------------------------------


def test_responses_apply_count_drops_and_lift(started):
    block = ok(
        started.post(
            "ee-analyst", "/teams/ee/responses", {"kind": "block-ip", "value": "203.0.113.66"}
        ),
        201,
    )
    assert block["kind"] == "block-ip" and block["drops"] == 0
    port = ok(
        started.post(
            "ee-analyst",
            "/teams/ee/responses",
            {"kind": "block-port", "value": "TCP/22", "direction": "dst"},
        ),
        201,
    )
    assert port["value"] == "tcp/22" and port["direction"] == "dst"
    isolate = ok(
        started.post(
            "ee-analyst", "/teams/ee/responses", {"kind": "isolate-host", "value": "gate"}
        ),
        201,
    )
    assert isolate["value"] == "192.0.2.30"
    sinkhole = ok(
        started.post(
            "ee-analyst",
            "/teams/ee/responses",
            {"kind": "sinkhole-domain", "value": "Bad.Example."},
        ),
        201,
    )
    assert sinkhole["value"] == "bad.example"
    started.step(120)
    rules = {r["rule_id"]: r for r in ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"]}
    assert set(rules) == {
        block["rule_id"],
        port["rule_id"],
        isolate["rule_id"],
        sinkhole["rule_id"],
    }
    assert rules[block["rule_id"]]["drops"] > 0
    ok(started.delete("ee-analyst", f"/teams/ee/responses/{block['rule_id']}"))
    left = ok(started.get("ee-analyst", "/teams/ee/responses"))["rules"]
    assert block["rule_id"] not in {r["rule_id"] for r in left}
    assert ok(started.get("lv-analyst", "/teams/lv/responses"))["rules"] == []


def test_response_refusals(started):
    post = lambda body: started.post("ee-analyst", "/teams/ee/responses", body)  # noqa: E731
    refused(post({"kind": "block-ip", "value": "not-an-address"}), 422, "value")
    refused(post({"kind": "block-cidr", "value": "10.0.0.0/99"}), 422, "value")
    refused(post({"kind": "block-port", "value": "tcp/0"}), 422, "value")
    refused(post({"kind": "isolate-host", "value": "198.51.100.20"}), 422, "value")
    refused(post({"kind": "firewall", "value": "x"}), 422, "kind")
    refused(post({"kind": "block-ip", "value": "203.0.113.1", "direction": "up"}), 422, "direction")
    refused(started.delete("ee-analyst", "/teams/ee/responses/ee-r99"), 404, "rule_id")
    refused(
        started.post(
            "lv-analyst", "/teams/ee/responses", {"kind": "block-ip", "value": "203.0.113.1"}
        ),
        403,
        "team",
    )


# -- score and sitreps ---------------------------------------------------------------


def test_score_lines_sum_to_the_total(started):
    _deploy(started, "ee-analyst", "ee")
    started.step(240)
    score = ok(started.get("ee-analyst", "/teams/ee/score"))
    assert score["team"] == "ee" and score["total"] > 0
    assert round(sum(line["points"] for line in score["lines"]), 1) == score["total"]
    assert round(sum(score["categories"].values()), 1) == score["total"]
    assert any(line["category"] == "detection" for line in score["lines"])
    refused(started.get("lv-analyst", "/teams/ee/score"), 403, "team")


def test_sitrep_is_filed_and_scored_by_the_director(started):
    sitrep = ok(
        started.post("ee-analyst", "/teams/ee/sitreps", {"text": "scan seen, blocked"}), 201
    )
    assert sitrep["team"] == "ee" and sitrep["text"] == "scan seen, blocked"
    scored = started.post(
        "director",
        f"/director/sitreps/{sitrep['sitrep_id']}/score",
        {"points": 7.5, "comment": "ok"},
    )
    ok(scored)
    lines = ok(started.get("ee-analyst", "/teams/ee/score"))["lines"]
    assert [line["points"] for line in lines if line["category"] == "sitrep"] == [7.5]
    refused(started.post("ee-analyst", "/teams/ee/sitreps", {"text": ""}), 422, "text")
    refused(started.post("ee-analyst", "/teams/ee/sitreps", {}), 422, "text")
