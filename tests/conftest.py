"""Fixtures shared by every test package: a fixed clock, a seeded random source, and
the hypothesis profile.

Hypothesis runs derandomized by default (the profile ``grapevine``), so the same
commit draws the same examples in CI and on every machine; set
``HYPOTHESIS_PROFILE=explore`` to search with fresh randomness locally.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings

from indicators.clock import ManualClock

settings.register_profile("grapevine", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "grapevine"))

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
