from __future__ import annotations

import threading
import time

import pytest

from indicators.store import Store
from range.events import Alert, Message
from range.log import EventLog

T = 1_767_600_000.0


def alert(team: str, n: int) -> Alert:
    return Alert(
        time=T + n,
        team=team,
        alert_id=f"{team}-a{n}",
        indicator_id="indicator--1",
        producer=team,
        observation_ids=[],
        summary=[],
        observed=T,
        labels=["x"],
    )


@pytest.fixture
def store(store_url):
    """The range's store fixture, on SQLite and on PostgreSQL."""
    with Store.open(store_url) as s:
        yield s


def test_append_assigns_seq_and_survives_reopening(store_url):
    path = store_url
    with Store.open(path) as store:
        log = EventLog(store)
        assert log.last_seq == 0
        first = log.append(Message(time=T, text="hello"))
        batch = log.append_many([alert("ee", 1), alert("lv", 2)])
        assert [first.seq, *(e.seq for e in batch)] == [1, 2, 3]
    with Store.open(path) as store:  # a new connection reads what was committed
        log = EventLog(store)
        assert log.last_seq == 3
        events = log.after(0)
        assert [e.kind for e in events] == ["message", "alert", "alert"]
        assert events[1] == batch[0]
        assert log.append(Message(time=T, text="again")).seq == 4


def test_after_a_cursor_with_team_view_and_limit(store):
    log = EventLog(store)
    log.append_many([Message(time=T, text="all"), alert("ee", 1), alert("lv", 2), alert("ee", 3)])
    assert [e.seq for e in log.after(1)] == [2, 3, 4]
    ee = log.after(0, team="ee")
    assert [e.seq for e in ee] == [1, 2, 4]
    assert all(e.labels == [] for e in ee if e.kind == "alert")
    assert [e.seq for e in log.after(0, limit=2)] == [1, 2]
    assert [e.seq for e in log.after(0, team="lv", limit=1)] == [1]
    assert [e.seq for e in log.after(0, limit=None)] == [1, 2, 3, 4]


def test_after_pages_past_events_a_team_may_not_see(store):
    log = EventLog(store)
    log.append_many([alert("lv", n) for n in range(1, 8)] + [alert("ee", 8)])
    assert [e.seq for e in log.after(0, team="ee", limit=2)] == [8]


def test_wait_times_out_then_wakes_on_append(store):
    log = EventLog(store)
    started = time.monotonic()
    assert log.wait(0, timeout=0.05) is False
    assert time.monotonic() - started >= 0.05
    log.append(Message(time=T, text="one"))
    assert log.wait(0, timeout=0) is True

    woke: list[bool] = []
    waiter = threading.Thread(target=lambda: woke.append(log.wait(1, timeout=10)))
    waiter.start()
    log.append(Message(time=T, text="two"))
    waiter.join(timeout=10)
    assert woke == [True]


def test_concurrent_appenders_get_every_seq_once_and_a_follower_misses_none(store_url):
    """Three writers, each with a store of its own (as separate processes would), append
    at once while a follower reads after its cursor: seq is 1..N with no gap or
    repeat, and the follower, reading only after the last seq it saw, gets them all."""
    stores = [Store.open(store_url) for _ in range(4)]
    try:
        logs = [EventLog(s) for s in stores]
        errors: list[BaseException] = []

        def write(n: int) -> None:
            try:
                for i in range(20):
                    logs[n].append_many([alert(f"t{n}", i), alert(f"t{n}", 100 + i)])
            except BaseException as exc:  # reported below
                errors.append(exc)

        writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
        for thread in writers:
            thread.start()
        followed, last = [], 0
        while True:
            finished = not any(t.is_alive() for t in writers)  # before reading: a last read
            fresh = logs[3].after(last, limit=None)
            followed += fresh
            last = fresh[-1].seq if fresh else last
            if finished and not fresh:
                break
        for thread in writers:
            thread.join(30)
        assert errors == []
        assert [e.seq for e in followed] == list(range(1, 121))
        assert [e.seq for e in logs[3].after(0, limit=None)] == list(range(1, 121))
    finally:
        for store in stores:
            store.close()
