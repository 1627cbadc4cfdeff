"""Resume: replaying the log rebuilds the exercise; the rest of the run is the same.
On SQLite and on PostgreSQL (the event log and the store in either)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from indicators.store import Store
from range.clock import ExerciseClock
from range.engine import Exercise
from range.errors import RangeError, ReplayError
from range.log import EventLog
from tests.conftest import on_backends
from tests.range.plan import drive

ROOT = Path(__file__).resolve().parents[2]


def dump(ex: Exercise) -> list[str]:
    return [e.model_dump_json() for e in ex.log.after(0, limit=None)]


def fresh(tiny, path: Path | str) -> Exercise:
    return Exercise(tiny, Store.open(path), ExerciseClock(tiny.epoch(0), None))


@pytest.fixture
def unbroken(tiny, new_db: Callable[[str], str]) -> Exercise:
    ex = fresh(tiny, new_db("unbroken"))
    drive(ex)
    yield ex
    ex.store.close()


@on_backends("stop", [0, 10, 59.5, 95, 101, 172, 240], on_postgresql=[0, 101, 240])
def test_resume_equals_unbroken(tiny, new_db, unbroken, stop):
    path = new_db("broken")
    first = fresh(tiny, path)
    drive(first, stop=stop)
    logged = first.log.last_seq
    first.store.close()
    del first

    store = Store.open(path)
    clock = ExerciseClock(tiny.epoch(0), None)
    again = Exercise.resume(tiny, store, clock)
    assert again.log.last_seq == logged  # replay appended nothing
    # replay stops at the last logged event; quiet ticks after it are simply run again
    last = max(e.time for e in again.log.after(0, limit=None))
    assert last <= again.now <= tiny.epoch(stop) and clock.now() == again.now
    drive(again)
    assert dump(again) == dump(unbroken)
    assert again.scoreboard().to_json() == unbroken.scoreboard().to_json()
    store.close()


def test_resume_refuses_an_empty_log_and_another_seed(tiny, store_url):
    store = Store.open(store_url)
    with pytest.raises(RangeError, match="empty"):
        Exercise.resume(tiny, store, ExerciseClock(tiny.epoch(0), None))
    ex = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    ex.start()
    with pytest.raises(RangeError, match="seed"):
        Exercise.resume(tiny, store, ExerciseClock(tiny.epoch(0), None), seed=8)
    store.close()


def test_a_log_of_another_run_does_not_replay(tiny, store_url):
    path = store_url
    ex = fresh(tiny, path)
    drive(ex, stop=120)
    ex.store.close()
    changed = tiny.model_copy(
        update={"injects": [i.model_copy(update={"at": i.at + 1}) for i in tiny.injects]}
    )
    with Store.open(path) as store, pytest.raises(ReplayError, match="diverged"):
        Exercise.resume(changed, store, ExerciseClock(tiny.epoch(0), None))


def _child(db: str, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.range.plan", str(db), mode],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _line(proc: subprocess.Popen[str], deadline: float) -> str:
    """The child's next line, waiting at most until ``deadline``."""
    assert proc.stdout is not None
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "the child said nothing in time"
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if ready:
            return proc.stdout.readline()


def _run_to_end(proc: subprocess.Popen[str], deadline: float) -> str:
    """Let the child step to the end; its scoreboard JSON."""
    while True:
        line = _line(proc, deadline)
        assert line, f"the child ended without a score (exit {proc.wait(timeout=30)})"
        if line.startswith("SCORE "):
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            return line.removeprefix("SCORE ").strip()
        proc.stdin.write("\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def reference(tiny, tmp_path_factory) -> tuple[str, list[str]]:
    """The unbroken run's scoreboard (as the child prints it) and events."""
    ex = fresh(tiny, tmp_path_factory.mktemp("ref") / "ref.db")
    drive(ex, chunk=15)
    out = ex.scoreboard().to_json().replace("\n", ""), dump(ex)
    ex.store.close()
    return out


@on_backends("kills", [[1], [3, 4], [9], [14]], on_postgresql=[[3, 4]])
def test_sigkill_mid_run_then_resume_gives_the_same_scoreboard(store_url, reference, kills):
    """kill -9 the runner while it steps (after 1, 3 then 4 more, 9 or 14 steps of 15 s),
    resume in a new process each time, run to the end: the same scoreboard and log."""
    deadline = time.monotonic() + 240
    db = store_url
    mode = "run"
    killed_at: list[int] = []
    for steps in kills:
        proc = _child(db, mode)
        for _ in range(steps):  # let it take `steps` steps, then kill it in the next one
            _line(proc, deadline)
            proc.stdin.write("\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        with Store.open(db) as store:
            killed_at.append(EventLog(store).last_seq)
        mode = "resume"
    assert 0 < killed_at[-1] < len(reference[1])
    assert _run_to_end(_child(db, "resume"), deadline) == reference[0]
    with Store.open(db) as store:
        assert [e.model_dump_json() for e in EventLog(store).after(0, limit=None)] == reference[1]
