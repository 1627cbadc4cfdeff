"""Fixtures of the engine tests: the tiny scenario, a store under tmp_path, and an
exercise on an as-fast-as-possible clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators.store import Store
from range.clock import ExerciseClock
from range.engine import Exercise
from scenarios.loader import load
from scenarios.model import Scenario

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.yaml"


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load(TINY)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "range.db") as s:
        yield s


@pytest.fixture
def exercise(tiny, store) -> Exercise:
    ex = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    ex.start()
    return ex
