"""Fixtures shared by every test package: a fixed clock and a seeded random source."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from indicators.clock import ManualClock

EPOCH = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
"""The fixed start of time in tests."""


def stamp(seconds: float) -> str:
    """The STIX timestamp ``seconds`` after EPOCH (microsecond precision)."""
    return (EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def clock() -> ManualClock:
    """A clock fixed at EPOCH that advances one millisecond per read."""
    return ManualClock(EPOCH, tick=timedelta(milliseconds=1))


@pytest.fixture
def rng() -> random.Random:
    """A random source with a fixed seed."""
    return random.Random(20260302)
