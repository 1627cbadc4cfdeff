"""A range server (TAXII + range API) on an ephemeral loopback port with bots playing
its teams, stepped as fast as possible by the engine runner with the bots' hook."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from indicators.store import Store
from indicators.taxii import ServerConfig, TaxiiServer
from range.api.app import create_range_app
from range.api.service import RangeService
from range.bots.runner import BotRunner, create_accounts, make_bots
from range.clock import ExerciseClock
from range.engine import Exercise
from range.runner import ExerciseRunner, batch_end
from scenarios.model import Scenario
from tests.indicators.conftest import FAST_POLICY

DATA = Path(__file__).parent / "data"
DEADLINE = 60.0


@dataclass
class BotRange:
    store: Store
    exercise: Exercise
    service: RangeService
    server: TaxiiServer
    bots: BotRunner


@contextmanager
def bot_range(
    db: Path,
    scenario: Scenario,
    teams: list[str],
    *,
    resume: bool = False,
    clock: ExerciseClock | None = None,
) -> Iterator[BotRange]:
    """The server over a new exercise of ``scenario`` (or the one ``db`` holds,
    resumed), bots for ``teams`` with fresh accounts (not acting yet); the clock runs
    as fast as possible unless one is given."""
    store = Store.open(db)
    clock = clock or ExerciseClock(scenario.epoch(0), None)
    if resume:
        exercise = Exercise.resume(scenario, store, clock)
    else:
        exercise = Exercise(scenario, store, clock)
    service = RangeService(exercise)
    server = TaxiiServer(create_range_app(ServerConfig(db=str(db)), store, service)).start()
    passwords = create_accounts(store, teams, FAST_POLICY)
    bots = BotRunner(make_bots(scenario, server.url, passwords))
    try:
        yield BotRange(store, exercise, service, server, bots)
    finally:
        bots.close()
        server.stop()
        store.close()


def run_to_end(harness: BotRange) -> None:
    """Start the exercise and let the runner (with the bots' hook) take it to the end."""
    harness.service.start("director")
    runner = ExerciseRunner(
        harness.exercise, lock=harness.service.lock, after_step=harness.bots.act
    ).start()
    runner.join(DEADLINE)
    runner.stop()
    assert runner.error is None, runner.error
    assert harness.exercise.finished


def step_with_bots(harness: BotRange, until: float, batch: float = 60.0) -> None:
    """What the runner does as fast as possible, by hand: step ``batch`` seconds, let
    the bots act (not after the last step), up to simulated ``until``."""
    exercise = harness.exercise
    while not exercise.finished and exercise.now < until:
        harness.service.step(min(batch_end(exercise, batch), exercise.end_time))
        if not exercise.finished:
            harness.bots.act(exercise.now)
