"""Back-off after wrong passwords: free failures, doubling waits, forgetting."""

from __future__ import annotations

from indicators.taxii.config import LoginLimits
from indicators.taxii.throttle import Backoff

LIMITS = LoginLimits(free_failures=3, backoff=1.0, max_backoff=8.0, forget_after=100.0)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_free_failures_cost_nothing_then_waits_double_up_to_the_maximum() -> None:
    clock = Clock()
    backoff = Backoff(LIMITS, clock)
    for _ in range(2):
        backoff.failed("x")
        assert backoff.retry_after("x") == 0
    waits = []
    for _ in range(6):
        backoff.failed("x")
        waits.append(backoff.retry_after("x"))
        clock.now += waits[-1]
        assert backoff.retry_after("x") == 0
    assert waits == [1, 2, 4, 8, 8, 8]
    assert backoff.retry_after("y") == 0


def test_old_failures_are_forgotten_and_success_clears() -> None:
    clock = Clock()
    backoff = Backoff(LIMITS, clock)
    for _ in range(3):
        backoff.failed("x")
    clock.now += 101
    assert backoff.failed("x") == 1
    backoff.failed("x")
    backoff.succeeded("x")
    assert backoff.failed("x") == 1


def test_the_table_is_bounded() -> None:
    backoff = Backoff(LIMITS, Clock(), max_keys=10)
    for n in range(100):
        for _ in range(3):
            backoff.failed(f"name-{n}")
    assert backoff.retry_after("name-99") == 1
    assert backoff.retry_after("name-0") == 0
