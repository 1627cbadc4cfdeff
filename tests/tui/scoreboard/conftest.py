"""The scoreboard tests' exercise: scores for both teams of the tiny scenario."""

from __future__ import annotations

import pytest

from tests.range.api.conftest import RangeHarness, ok

SCANNER = "[ipv4-addr:value = '203.0.113.66']"


@pytest.fixture
def scored(started: RangeHarness) -> RangeHarness:
    """ee deploys the scanner's indicator and shares it (TLP:GREEN); lv deploys it
    too, so ee detects its scan and brute force and lv its scan, credited to ee. The
    exercise is at 01:00 (only ee's scan detected so far)."""
    ok(started.post("ee-analyst", "/teams/ee/indicators", {"pattern": SCANNER}), 201)
    body = {"pattern": SCANNER, "tlp": "green", "name": "scanner"}
    published = ok(started.post("ee-analyst", "/teams/ee/publish", body), 201)
    indicator_id = published["indicator"]["id"]
    ok(started.post("lv-analyst", "/teams/lv/imports", {"indicator_id": indicator_id}), 201)
    started.step(60)
    return started
