"""scenarios/loader.py: positions, field paths and messages of every kind of error.

Each file in ``data/broken/`` is broken in one way (``several-errors.yaml`` in
many). The line of every expected error carries a marker comment::

    target: {team: zz, host: www}   # <- injects[0].target.team: no team 'zz'

saying which field path the error must name and a fragment of its message. The test
asserts that the loader reports exactly the marked errors, each on the marked line,
with a column that points at text on that line (not into the marker comment).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scenarios.errors import ScenarioError
from scenarios.loader import Issue, ScenarioValidationError, dumps, load, loads
from scenarios.model import Scenario

BROKEN = Path(__file__).parent / "data" / "broken"
MARKER = re.compile(r"#\s*<-\s*(?P<path>\S+?):\s+(?P<fragment>.+?)\s*$")

MINIMAL = """\
title: Minimal
duration: 10m
seed: 1
teams:
  - id: aa
    name: CERT-AA
    country: AT
    domain: aa.example
    networks: [192.0.2.0/26]
    hosts:
      - {name: ns1, role: dns, ip: 192.0.2.10}
      - {name: www, role: visa-portal, ip: 192.0.2.20}
injects:
  - id: scan
    at: 1m
    technique: network-scan
    target: {team: aa, host: www}
    attacker: 203.0.113.5
    impact: 1m
    params: {ports: [22, 443], rate: 50}
"""


def _expected(path: Path) -> list[tuple[int, str, str]]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            found.append((number, match["path"], match["fragment"]))
    return found


def _issues(path: Path) -> list[Issue]:
    with pytest.raises(ScenarioValidationError) as caught:
        load(path)
    return caught.value.issues


BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))


def test_there_is_a_broken_file_per_error_kind() -> None:
    assert len(BROKEN_FILES) >= 40
    for path in BROKEN_FILES:
        assert _expected(path), f"{path.name} has no '# <- PATH: message' marker"


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.stem)
def test_broken_file_reports_the_marked_errors(path: Path) -> None:
    issues = _issues(path)
    expected = _expected(path)
    assert sorted((i.line, i.path) for i in issues) == sorted((e[0], e[1]) for e in expected)
    lines = path.read_text().splitlines() or [""]
    for line, field, fragment in expected:
        issue = next(i for i in issues if (i.line, i.path) == (line, field))
        assert fragment in issue.message, f"{issue}"
        assert issue.file == str(path)
        text = lines[line - 1]
        code = text.split("# <-")[0].rstrip()
        if code.strip():
            assert 1 <= issue.column <= len(code), f"column {issue.column} outside {code!r}"
            assert not text[issue.column - 1].isspace()


def test_several_errors_are_all_reported_in_file_order() -> None:
    path = BROKEN / "several-errors.yaml"
    issues = _issues(path)
    assert len(issues) == 9
    assert [i.line for i in issues] == sorted(i.line for i in issues)
    # structural errors and cross-reference errors come out of one run
    paths = {i.path for i in issues}
    assert {
        "seed",
        "teams[0].country",
        "injects[0].target.host",
        "injects[1].params.connections",
    } <= paths


def test_issue_format_is_editor_jumpable() -> None:
    issues = _issues(BROKEN / "unknown-host.yaml")
    assert str(issues[0]) == (
        f"{BROKEN / 'unknown-host.yaml'}:19:13: injects[0].target.host: "
        "team 'aa' has no host 'portal' (hosts: ns1, www)"
    )
    with pytest.raises(ScenarioValidationError) as caught:
        load(BROKEN / "several-errors.yaml")
    lines = str(caught.value).splitlines()
    assert len(lines) == 9
    assert all(re.match(r"^.+\.yaml:\d+:\d+: \S+: .+$", line) for line in lines)


def test_yaml_syntax_error_reports_its_position() -> None:
    issues = _issues(BROKEN / "yaml-syntax.yaml")
    assert [(i.line, i.column, i.path) for i in issues] == [(7, 14, "<yaml>")]


def test_column_points_at_the_value_of_a_scalar_and_the_key_of_a_block() -> None:
    text = MINIMAL.replace("host: www}", "host: nope}")
    with pytest.raises(ScenarioValidationError) as caught:
        loads(text, "x.yaml")
    (issue,) = caught.value.issues
    line = text.splitlines()[issue.line - 1]
    assert line[issue.column - 1 :].startswith("nope")
    missing = MINIMAL.replace("    country: AT\n", "")
    with pytest.raises(ScenarioValidationError) as caught:
        loads(missing, "x.yaml")
    (issue,) = caught.value.issues
    assert (issue.line, issue.column, issue.path) == (5, 5, "teams[0].country")


def test_params_errors_point_at_the_params_own_lines() -> None:
    text = MINIMAL.replace("params: {ports: [22, 443], rate: 50}", "params:\n      rate: -3")
    with pytest.raises(ScenarioValidationError) as caught:
        loads(text, "x.yaml")
    (issue,) = caught.value.issues
    assert issue.path == "injects[0].params.rate"
    assert text.splitlines()[issue.line - 1].strip() == "rate: -3"
    assert "network-scan" in issue.message


def test_a_failed_team_does_not_cause_follow_up_errors() -> None:
    text = MINIMAL.replace("country: AT", "country: 12")
    with pytest.raises(ScenarioValidationError) as caught:
        loads(text, "x.yaml")
    # the inject names team aa, which is broken; only the team's own error is reported
    assert [i.path for i in caught.value.issues] == ["teams[0].country"]


def test_minimal_scenario_loads_with_derived_values() -> None:
    scenario = loads(MINIMAL, "x.yaml")
    team = scenario.team("aa")
    assert str(team.gateway) == "192.0.2.1"
    assert team.dns == "ns1"
    assert team.host("www").services == {"http": 80, "https": 443}
    assert team.host("www").mac == "02:00:c0:00:02:14"
    assert scenario.injects[0].params == {"ports": [22, 443], "rate": 50}
    assert scenario.injects[0].impact_time == 120.0


def test_dump_round_trips() -> None:
    scenario = loads(MINIMAL, "x.yaml")
    text = dumps(scenario)
    again = loads(text, "dumped.yaml")
    assert again == scenario
    assert "duration: 10m" in text
    assert dumps(again) == text


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load(tmp_path / "nope.yaml")


def test_undecodable_file_is_a_scenario_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="cannot read"):
        load(bad)


def test_validation_error_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError):
        loads("title: [", "x.yaml")


def test_loader_returns_the_model() -> None:
    assert isinstance(loads(MINIMAL), Scenario)


@pytest.mark.parametrize("title", ["Übung café", "line\x85break", "para\u2029graph", "two\nlines "])
def test_dump_keeps_any_text(title: str) -> None:
    scenario = loads(MINIMAL).model_copy(update={"title": title, "briefing": title * 2})
    again = loads(dumps(scenario))
    assert (again.title, again.briefing) == (title, title * 2)


ANCHORED = """\
title: Anchors
duration: 10m
seed: 1
x-defaults: &inject
  technique: network-scan
  attacker: 203.0.113.5
  impact: 1m
  params: {rate: {rate}}
teams:
  - id: aa
    name: CERT-AA
    country: AT
    domain: aa.example
    networks: [192.0.2.0/26]
    hosts:
      - {name: ns1, role: dns, ip: 192.0.2.10}
      - {name: www, role: visa-portal, ip: 192.0.2.20}
injects:
  - <<: *inject
    id: scan-1
    at: 1m
    target: {team: aa, host: www}
  - <<: *inject
    id: scan-2
    at: 3m
    target: {team: aa, host: {host}}
"""


def test_anchors_merge_keys_and_extension_keys() -> None:
    scenario = loads(ANCHORED.replace("{rate}", "20").replace("{host}", "ns1"), "a.yaml")
    assert [i.technique for i in scenario.injects] == ["network-scan", "network-scan"]
    assert scenario.injects[1].params == {"rate": 20}
    assert scenario.injects[1].impact_time == 240.0


def test_errors_in_merged_content_point_at_the_anchor() -> None:
    text = ANCHORED.replace("{rate}", "-1").replace("{host}", "nope")
    with pytest.raises(ScenarioValidationError) as caught:
        loads(text, "a.yaml")
    found = {(i.line, i.path) for i in caught.value.issues}
    assert found == {
        (8, "injects[0].params.rate"),
        (8, "injects[1].params.rate"),
        (26, "injects[1].target.host"),
    }


def test_ipv6_team_file_loads_with_derived_values_and_round_trips() -> None:
    path = Path(__file__).parent / "data" / "ipv6-team.yaml"
    scenario = load(path)
    team = scenario.team("ee")
    assert [str(n) for n in team.networks] == ["2001:db8:ee::/64", "192.0.2.0/26"]
    assert str(team.gateway) == "2001:db8:ee::1"
    assert team.host("portal").mac == "02:06:00:00:00:20"
    assert str(scenario.attacker_named("scanner").ip) == "2001:db8:bad::66"
    assert loads(dumps(scenario), "dumped.yaml") == scenario


def test_unterminated_quote_is_reported_where_it_opened() -> None:
    text = "title: Quoted\nduration: 10m\nseed: 1\nbriefing: 'never closed\nteams: []\n"
    with pytest.raises(ScenarioValidationError) as caught:
        loads(text, "x.yaml")
    first, last = caught.value.issues
    assert (first.line, first.column, first.path) == (4, 11, "<yaml>")
    assert "quoted scalar that starts here" in first.message and "at 6:1" in first.message
    assert (last.line, last.column) == (6, 1) and "started at 4:11" in last.message


def test_syntax_error_without_context_is_one_issue() -> None:
    with pytest.raises(ScenarioValidationError) as caught:
        loads("title: a\n  b: c\n", "x.yaml")
    (issue,) = caught.value.issues
    assert (issue.line, issue.path) == (2, "<yaml>") and "not allowed here" in issue.message


def test_a_misspelled_role_is_named_in_words_with_a_suggestion() -> None:
    with pytest.raises(ScenarioValidationError) as caught:
        loads(MINIMAL.replace("role: dns,", "role: dnss,"), "x.yaml")
    (issue,) = caught.value.issues
    assert issue.path == "teams[0].hosts[0].role"
    assert issue.message.startswith("unknown host role 'dnss'; did you mean 'dns'? Known roles: ")
    assert "Input should be" not in issue.message


def test_an_unknown_key_without_a_close_match_lists_the_known_ones() -> None:
    with pytest.raises(ScenarioValidationError) as caught:
        loads(MINIMAL.replace("seed: 1\n", "seed: 1\nxyzzy: 2\n"), "x.yaml")
    (issue,) = caught.value.issues
    assert issue.message.startswith("unknown field (expected one of: title, ")
