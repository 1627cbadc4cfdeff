"""The console client against a real range server: typed answers, the API's errors
carried whole, the live feed and its reconnection, TAXII reads."""

from __future__ import annotations

import threading

import pytest

from indicators.taxii import ServerConfig, TaxiiServer
from range.api.app import create_range_app
from tests.range.api.conftest import ok
from tui.client import Backoff, Link
from tui.errors import ClientError, ConnectionLostError

SCANNER = "203.0.113.66"


def test_exercise_learns_the_team(started, client_for):
    client = client_for("ee-analyst")
    view = client.exercise()
    assert view.caller.team == "ee" == client.team
    assert client.teams == ["ee", "lv"]


def test_refusal_carries_the_api_error(started, client_for):
    client = client_for("ee-analyst")
    client.exercise()
    with pytest.raises(ClientError) as caught:
        client.test("[ipv4-addr:value = '1.2.3.4'")
    error = caught.value
    assert (error.status, error.field) == (422, "pattern")
    assert error.position == len("[ipv4-addr:value = '1.2.3.4'")
    assert "POST /api/teams/ee/patterns/test" in str(error)
    with pytest.raises(ClientError) as caught:
        client.respond("block-ip", "not-an-address")
    assert (caught.value.status, caught.value.field) == (422, "value")


def test_wrong_password_is_a_401(started):
    from tui.client import ConsoleClient

    client = ConsoleClient(started.server.url, "ee-analyst", "wrong")
    with pytest.raises(ClientError) as caught:
        client.exercise()
    assert (caught.value.status, caught.value.field) == (401, "authorization")


def test_actions_and_reads(started, client_for):
    client = client_for("ee-analyst")
    client.exercise()
    started.step(60)
    check = client.validate(f"[ipv4-addr:value = '{SCANNER}']")
    assert check.valid and not check.errors
    tested = client.test(f"[network-traffic:src_ref.value = '{SCANNER}']")
    assert tested.hits > 0 and tested.sample
    result = client.deploy(f"[network-traffic:src_ref.value = '{SCANNER}']", "scanner")
    assert result.retro_alerts == len(client.alerts()) > 0
    assert [i.name for i in client.indicators()] == ["scanner"]
    first = client.alerts()[0]
    client.acknowledge(first.alert_id)
    assert client.alerts(state="acknowledged")[0].alert_id == first.alert_id
    rule = client.respond("block-ip", SCANNER)
    assert [r.rule_id for r in client.responses()] == [rule.rule_id]
    client.lift(rule.rule_id)
    assert client.responses() == []
    assert client.score().total > 0
    flows = client.observations(address=SCANNER, port=22)
    assert flows and all(22 in o.ports and SCANNER in o.addresses for o in flows)
    client.undeploy(result.indicator.indicator_id)
    assert client.indicators() == []


def test_shared_reads_what_tlp_allows(started, client_for):
    ee, lv = client_for("ee-analyst"), client_for("lv-analyst")
    ee.exercise()
    lv.exercise()
    green = ee.publish(tlp="green", pattern=f"[ipv4-addr:value = '{SCANNER}']", name="scan")
    ee.publish(tlp="amber+strict", pattern="[domain-name:value = 'x.example']", name="mine")
    shared = lv.shared()
    assert [(s.indicator_id, s.producer, s.tlp, s.name) for s in shared] == [
        (green.indicator["id"], "ee", "TLP:GREEN", "scan")
    ]
    assert ee.shared() == []  # its own are not "shared with" it
    imported = lv.import_indicator(green.indicator["id"])
    assert imported.indicator.producer == "ee" and imported.indicator.imported


def test_backoff_doubles_up_to_its_most():
    backoff = Backoff(0.25, 2.0)
    assert [backoff.next() for _ in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    backoff.reset()
    assert backoff.next() == 0.25


def test_follow_reports_a_lost_server_and_comes_back(started, client_for):
    client = client_for("ee-analyst")
    client.exercise()
    stop = threading.Event()
    feed = client.follow(0, stop, wait=0.2, backoff=Backoff(0.05, 0.2))
    first = next(feed)
    assert first.events[0].kind == "exercise-started"
    port = started.server.port
    started.server.stop()
    lost = next(feed)
    assert isinstance(lost, Link) and lost.state == "down" and lost.retry_in == 0.05
    app = create_range_app(ServerConfig(), started.store, started.service)
    started.server = TaxiiServer(app, port=port).start()
    ok(started.post("director", "/director/messages", {"text": "back"}))
    items = []
    while not items or isinstance(items[-1], Link):
        assert len(items) < 20, items  # at most a few more refusals while it restarts
        items.append(next(feed))
    assert [i.state for i in items[:-1]][-1:] == ["up"]
    assert items[-1].events[-1].text == "back"
    stop.set()


def test_connection_refused_is_connection_lost(client_for, api):
    client = client_for("ee-analyst")
    api.server.stop()
    with pytest.raises(ConnectionLostError) as caught:
        client.exercise()
    assert caught.value.status == 0
