"""A scripted exercise on tests/range/data/tiny.yaml, used by the engine tests and by
the crash test's child process (``python -m tests.range.plan DB STOP``).

Every action has its own actor (``plan-N``), so a driver resuming from a log knows
which actions were already applied: exactly those whose actor is in the log.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from indicators.store import Store
from range.clock import ExerciseClock
from range.engine import Exercise
from scenarios.loader import load

ATTACKER = "203.0.113.66"
OWN = "indicator--0e0e0e0e-0000-4000-8000-000000000001"
FP = "indicator--1f1f1f1f-0000-4000-8000-000000000002"
ATTACKER_PATTERN = f"[ipv4-addr:value = '{ATTACKER}']"


def published(ex: Exercise, team: str) -> str:
    return next(
        e.indicator_id
        for e in ex.log.after(0, team=team, limit=None)
        if e.kind == "indicator-published"
    )


def first_alert(ex: Exercise, team: str) -> str:
    return next(a.alert_id for a in ex.alerts(team))


PLAN: list[tuple[float, Callable[[Exercise, str], object]]] = [
    (10, lambda ex, who: ex.deploy("ee", OWN, ATTACKER_PATTERN, actor=who)),
    (
        40,
        lambda ex, who: ex.publish(
            "ee", ATTACKER_PATTERN, tlp="TLP:GREEN", name="scanner", actor=who
        ),
    ),
    (
        60,
        lambda ex, who: ex.deploy(
            "lv", FP, "[domain-name:value = 'portal.border.lv.example']", actor=who
        ),
    ),
    (95, lambda ex, who: ex.block_ip("ee", ATTACKER, actor=who)),
    (100, lambda ex, who: ex.import_indicator("lv", published(ex, "ee"), actor=who)),
    (110, lambda ex, who: ex.block_cidr("ee", "198.51.100.128/25", actor=who)),
    (
        150,
        lambda ex, who: ex.sitrep("ee", "Scanner 203.0.113.66 blocked at the border.", actor=who),
    ),
    (160, lambda ex, who: ex.score_sitrep("ee-s1", 30, note="timely", actor=who)),
    (170, lambda ex, who: ex.acknowledge("ee", first_alert(ex, "ee"), actor=who)),
    (171, lambda ex, who: ex.mark_false_positive("lv", first_alert(ex, "lv"), actor=who)),
]


def drive(
    ex: Exercise,
    stop: float | None = None,
    chunk: float | None = None,
    between: Callable[[], None] | None = None,
) -> None:
    """Run the plan from wherever ``ex`` stands up to offset ``stop`` (or the end).

    ``chunk`` steps in pieces of that many seconds; ``between`` runs after each step.
    """
    done = {e.actor for e in ex.log.after(0, limit=None)}
    start = ex.start_time
    end = ex.scenario.duration if stop is None else stop

    def step_to(offset: float) -> None:
        target = min(offset, end)
        while ex.now < start + target - 1e-9 and not ex.finished:
            nxt = target if chunk is None else min(target, ex.now - start + chunk)
            before = ex.now
            ex.step(start + nxt)
            if between is not None:
                between()
            if ex.now == before:  # ``target`` lies inside the next tick
                return

    if not ex.started:
        ex.start()
    for n, (offset, action) in enumerate(PLAN):
        if offset > end:
            break
        step_to(offset)
        who = f"plan-{n}"
        if who not in done:
            action(ex, who)
    step_to(end)


def new_exercise(db: str, *, resume: bool = False) -> Exercise:
    scenario = load(__file__.rsplit("/", 1)[0] + "/data/tiny.yaml")
    store = Store.open(db)
    clock = ExerciseClock(scenario.epoch(0), None)
    if resume:
        return Exercise.resume(scenario, store, clock)
    return Exercise(scenario, store, clock)


def main(argv: list[str]) -> int:
    """Child of the crash test: run (or resume) the plan, printing each step's seq;
    reads one line from stdin before each step so the parent decides when it runs."""
    db, mode = argv[0], argv[1]
    ex = new_exercise(db, resume=mode == "resume")

    def handshake() -> None:
        print(f"seq {ex.log.last_seq}", flush=True)
        sys.stdin.readline()

    drive(ex, chunk=15, between=handshake if mode != "quiet" else None)
    print("SCORE " + ex.scoreboard().to_json().replace("\n", ""), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
