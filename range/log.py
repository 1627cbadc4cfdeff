"""The append-only exercise event log, in the same database as the STIX store.

Table ``exercise_events`` (part of the store's schema, :mod:`indicators.store.schema`):
``seq`` (1, 2, 3... in commit order), ``kind``, ``time`` (simulated), ``team`` and the
event as JSON. One store holds one exercise.

* :meth:`EventLog.append` / :meth:`EventLog.append_many` write in one committed
  transaction on the store's write engine (SQLite WAL, ``synchronous=FULL``; or
  PostgreSQL): an event returned from them is durable and carries its ``seq``.
  Appends hold the write lock ``exercise_events`` (on PostgreSQL an advisory lock;
  on SQLite the database's single writer lock), so ``seq`` is given in commit order
  and a reader after a cursor never misses an event committed later.
* :meth:`EventLog.after` reads after a cursor (``seq``), optionally as one team
  sees them (:meth:`range.events.Event.for_team`).
* :meth:`EventLog.wait` blocks until an event after a cursor exists or the timeout
  passes (a :class:`threading.Condition`, for long-poll and server-sent events);
  it sees appends made through this object (this process).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from sqlalchemy import func, insert, select

from indicators.store import Store
from indicators.store.engine import write_lock
from indicators.store.schema import exercise_events
from range.events import Event, parse_event


class EventLog:
    """The exercise's events in ``store`` (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        # the store's own engines: same database, same WAL and durability settings;
        # the table is the store's (created when the store was opened)
        self._read, self._write = store.engines
        self._cond = threading.Condition()
        with self._read.connect() as conn:
            self._last = conn.execute(select(func.max(exercise_events.c.seq))).scalar() or 0

    @property
    def last_seq(self) -> int:
        """The ``seq`` of the newest event (0 if none)."""
        with self._cond:
            return self._last

    def append(self, event: Event) -> Event:
        """Store ``event``; returns it with its ``seq``, committed."""
        return self.append_many([event])[0]

    def append_many(self, events: Sequence[Event]) -> list[Event]:
        """Store ``events`` in one transaction, in order; returns them with their ``seq``."""
        if not events:
            return []
        with self._write.begin() as conn:
            write_lock(conn, "exercise_events")  # writers queue: seq is ours, in commit order
            first = (conn.execute(select(func.max(exercise_events.c.seq))).scalar() or 0) + 1
            out = [e.model_copy(update={"seq": first + i}) for i, e in enumerate(events)]
            conn.execute(
                insert(exercise_events),
                [
                    {
                        "seq": e.seq,
                        "kind": e.kind,  # type: ignore[attr-defined]
                        "time": e.time,
                        "team": e.team,
                        "body": e.model_dump_json(),
                    }
                    for e in out
                ],
            )
        with self._cond:
            self._last = max(self._last, out[-1].seq)
            self._cond.notify_all()
        return out

    def after(
        self, seq: int = 0, *, team: str | None = None, limit: int | None = 1000
    ) -> list[Event]:
        """Events with ``seq`` greater than ``seq``, oldest first; as ``team`` sees them
        (others' and director-only events left out, labels stripped) if given."""
        t = exercise_events
        stmt = select(t.c.body).where(t.c.seq > seq).order_by(t.c.seq)
        if team is not None:
            stmt = stmt.where((t.c.team == team) | t.c.team.is_(None))
        out: list[Event] = []
        last = seq
        while True:
            page = stmt.where(t.c.seq > last)
            if limit is not None:
                page = page.limit(limit)
            with self._read.connect() as conn:
                bodies = list(conn.execute(page).scalars())
            if not bodies:
                return out
            for body in bodies:
                event = parse_event(body)
                last = event.seq
                view = event if team is None else event.for_team(team)
                if view is not None:
                    out.append(view)
            if limit is None or len(out) >= limit:
                return out[:limit] if limit is not None else out

    def wait(self, after_seq: int, timeout: float) -> bool:
        """Block until an event after ``after_seq`` exists (True) or ``timeout`` seconds
        pass (False)."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while self._last <= after_seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True
