"""ReportData refuses references that do not resolve, naming the record and field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from range.errors import RangeError
from range.report.data import Detection, Share
from tests.range.report.sample import SCOREBOARD, START, sample_report


def test_the_sample_is_consistent():
    data = sample_report()
    assert data.scenario.team("cert-lv").name == "CERT.LV"
    assert data.scenario.inject("i5-dns").attack_ids == ("T1071.004", "T1048")


def test_unknown_team_in_a_detection_names_the_field():
    data = sample_report()
    bad = (*data.detections, Detection("cert-xx", "i1-scan", START, "ind", None))
    with pytest.raises(RangeError, match=r"detections\[6\]\.team: unknown team 'cert-xx'"):
        replace(data, detections=bad)


def test_unknown_inject_credited_to_a_share_names_the_field():
    data = sample_report()
    share = Share("cert-ee", "cert-lv", "ind", "[x:y = 1]", "TLP:GREEN", START, None, "nope", 1)
    with pytest.raises(RangeError, match=r"shares\[0\]\.gave_detection_of: unknown inject"):
        replace(data, shares=(share,))


def test_malformed_attack_id_is_refused():
    data = sample_report()
    injects = (replace(data.scenario.injects[0], attack_ids=("T1498.1",)),)
    with pytest.raises(RangeError, match=r"injects\[0\]\.attack_ids: 'T1498\.1' is not"):
        replace(data, scenario=replace(data.scenario, injects=injects))


def test_unknown_score_category_is_refused():
    board = {
        "teams": [
            {
                "team": "cert-ee",
                "total": 1,
                "lines": [{**SCOREBOARD["teams"][0]["lines"][0], "category": "bonus"}],
            }
        ]
    }
    with pytest.raises(RangeError, match=r"teams\[0\]\.lines\[0\]\.category: 'bonus'"):
        replace(sample_report(), scoreboard=board)


def test_unknown_team_lookup_says_which():
    with pytest.raises(RangeError, match="no team 'cert-fi'"):
        sample_report().scenario.team("cert-fi")
