"""indicators/export/shape.py: a pattern as top-level alternatives in normal form."""

from __future__ import annotations

import pytest

from indicators.export.shape import UntranslatableError, observations


def described(pattern: str) -> list[list[list[str]]]:
    return [
        [[c.describe() for c in alternative] for alternative in obs.alternatives]
        for obs in observations(pattern)
    ]


def test_or_of_ands_is_distributed_into_alternatives() -> None:
    pattern = (
        "[network-traffic:dst_port = 443 AND (network-traffic:src_port = 1 "
        "OR network-traffic:src_port = 2)] OR [domain-name:value = 'a.example']"
    )
    assert described(pattern) == [
        [
            ["network-traffic:dst_port = 443", "network-traffic:src_port = 1"],
            ["network-traffic:dst_port = 443", "network-traffic:src_port = 2"],
        ],
        [["domain-name:value = 'a.example'"]],
    ]


def test_repeats_and_within_are_carried_on_the_observation() -> None:
    (obs,) = observations("[domain-name:value = 'a.example'] REPEATS 3 TIMES WITHIN 2.5 SECONDS")
    assert (obs.repeats, obs.within_seconds) == (3, 2.5)


def test_the_normal_form_is_bounded() -> None:
    ors = " OR ".join(f"network-traffic:dst_port = {p}" for p in range(9))
    pattern = f"[({ors}) AND ({ors.replace('dst_port', 'src_port')})]"
    with pytest.raises(UntranslatableError, match="more than 64 alternatives"):
        observations(pattern)
    assert len(observations(pattern, max_alternatives=100)[0].alternatives) == 81


def test_an_invalid_pattern_names_the_position() -> None:
    with pytest.raises(UntranslatableError, match=r"invalid pattern: .*at position \d+"):
        observations("[domain-name:value = 'a'")


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[domain-name:value = 'a'] AND [domain-name:value = 'b']", "two separate observations"),
        (
            "([domain-name:value = 'a'] OR [domain-name:value = 'b']) REPEATS 2 TIMES",
            "REPEATS over",
        ),
        ("[domain-name:value = 'a'] WITHIN 5 SECONDS", "WITHIN without REPEATS"),
        ("[ipv4-addr:value = '192.0.2.1' AND domain-name:value = 'a']", "can never match"),
    ],
)
def test_shapes_no_single_rule_can_hold_are_refused(pattern: str, reason: str) -> None:
    with pytest.raises(UntranslatableError, match=reason):
        observations(pattern)
