"""The bot's client against a real server: observation windows larger than a page
are read whole, refusals name the call and the server's reason, and other teams'
indicators come over TAXII within what TLP allows."""

from __future__ import annotations

import pytest

from range.bots.client import RangeClient
from range.bots.runner import bot_user
from range.errors import BotError
from scenarios.loader import load
from tests.range.bots.conftest import DATA, bot_range

SCANNER = "[ipv4-addr:value = '203.0.113.66']"


@pytest.fixture
def started(tmp_path):
    scenario = load(DATA / "two-teams.yaml")
    with bot_range(tmp_path / "range.db", scenario, ["a", "b"]) as harness:
        harness.service.start("director")
        harness.service.step(scenario.epoch(120))
        yield harness


def _client(harness, team: str) -> RangeClient:
    return next(b.client for b in harness.bots.bots if b.team == team)


def test_a_window_larger_than_a_page_is_read_whole(started):
    client = _client(started, "a")
    client.page = 7
    start, now = started.exercise.start_time, started.exercise.now
    expected = {r.id for r in started.service.observations("a", limit=100_000)}
    assert len(expected) > 3 * client.page
    views = client.observations(start, now + 1)
    assert sorted(v["id"] for v in views) == sorted(expected)
    half = client.observations(start + 90, now + 1)
    assert {v["id"] for v in half} == {
        r.id for r in started.service.observations("a", since=start + 90, limit=100_000)
    }


def test_a_refusal_names_the_call_and_the_reason(started):
    client = _client(started, "a")
    with pytest.raises(BotError, match=r"bot-a: POST /teams/a/indicators -> 422"):
        client.deploy("[ipv4-addr:value = ", "broken")
    with pytest.raises(BotError, match=r"POST /teams/a/responses -> 422"):
        client.respond("block-ip", "not-an-address")


@pytest.mark.parametrize(("tlp", "b_reads"), [("green", True), ("amber+strict", False)])
def test_other_teams_indicators_come_over_taxii_within_tlp(started, tlp, b_reads):
    published = _client(started, "a").publish(SCANNER, tlp, "scanner")["indicator"]
    shared = _client(started, "b").shared(["a", "b"])
    assert [(s.indicator_id, s.producer, s.pattern) for s in shared] == (
        [(published["id"], "a", SCANNER)] if b_reads else []
    )
    assert _client(started, "a").shared(["a", "b"]) == []  # its own are not "shared"
    assert bot_user("a") == "bot-a"
