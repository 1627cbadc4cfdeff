"""The Markdown report: totals equal the lines, every line explained, text stays text."""

from __future__ import annotations

import re

import pytest

from range.report import markdown
from tests.range.report.sample import HOSTILE, LINES, sample_report


@pytest.fixture(scope="module")
def report() -> str:
    return markdown.render(sample_report())


def section(report: str, title: str) -> str:
    start = report.index(f"## {title}\n")
    end = report.find("\n## ", start + 1)
    return report[start : end if end > 0 else None]


def test_summary_row_and_heading_carry_the_sum_of_each_teams_lines(report):
    summary = section(report, "Summary")
    for team, name in [("cert-ee", "CERT-EE"), ("cert-lv", "CERT.LV"), ("cert-lt", "NKSC-LT")]:
        total = sum(line["points"] for line in LINES[team])
        shown = f"{total:g}"
        assert re.search(rf"\| \*\*{re.escape(name)}\*\* \| \w\w \| \*\*{shown}\*\* \|", summary)
        assert f"### {name}: {shown} points\n" in report


def test_every_score_line_is_explained_under_its_team(report):
    lines = section(report, "Score lines")
    for team, name in [("cert-ee", "CERT-EE"), ("cert-lv", "CERT.LV"), ("cert-lt", "NKSC-LT")]:
        start = lines.index(f"### {name}:")
        end = lines.find("\n### ", start + 1)
        block = lines[start : end if end > 0 else None]
        for line in LINES[team]:
            assert markdown.text(line["why"]) in block


def test_timeline_shows_who_detected_and_what_was_missed(report):
    timeline = section(report, "Timeline of injects")
    assert "NKSC-LT +2m 00s (indicator from CERT.LV)" in timeline
    assert "**missed by every team**" in timeline
    assert "`T1071.004, T1048`" in timeline


def test_sharing_responses_and_false_positives_are_listed(report):
    sharing = section(report, "Sharing")
    assert "| CERT.LV | NKSC-LT | 1 | 1 | 1 | +8 |" in sharing
    assert "detection of i6-brute" in sharing
    assert "`198.51.100.0/24`" in section(report, "Responses")
    assert "| CERT.LV | 9 | 6 | 3 | 33% | -3 |" in section(report, "False positives")


def test_a_hostile_pattern_stays_inside_a_code_span(report):
    assert f"`{HOSTILE}`" in report
    outside = re.sub(r"`[^`]*`", "", report)
    assert "<script" not in outside and "<b>" not in outside


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a|b", "`a\\|b`"),
        ("x = `y`", "`` x = `y` ``"),
        ("``", "``` `` ```"),
    ],
)
def test_code_span_fences_and_pipes(value, expected):
    assert markdown.code(value) == expected


def test_text_escapes_html_and_markdown_syntax():
    assert markdown.text("<b>a</b> & *b* | c_d") == "&lt;b&gt;a&lt;/b&gt; &amp; \\*b\\* \\| c\\_d"


def test_attack_coverage_lists_detected_and_missed_techniques_per_team(report):
    coverage = section(report, "ATT&CK coverage")
    assert "| CERT-EE | `T1046, T1498.001` | - | - |" in coverage
    assert "| CERT.LV | `T1190` | - | `T1048, T1071.004` |" in coverage
