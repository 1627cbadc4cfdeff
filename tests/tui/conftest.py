"""Fixtures of the console tests: the range API tests' real server over the tiny
scenario (``api``, ``started``), a console client per account, and bounded waits for
a condition on a running app (no fixed sleeps)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import RangeHarness, api, started, tiny_scenario
from tui.client import ConsoleClient

__all__ = ["api", "started", "tiny_scenario"]

DEADLINE = 10.0
"""Seconds a test waits for a condition before it fails."""


@pytest.fixture
def client_for(api: RangeHarness) -> Iterator[Callable[[str], ConsoleClient]]:
    """A new console client on the test server for a user (closed afterwards)."""
    made: list[ConsoleClient] = []

    def make(user: str) -> ConsoleClient:
        client = ConsoleClient(api.server.url, user, PASSWORD)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


async def until(pilot: Pilot, condition: Callable[[], object], what: str) -> None:
    """Let the app run until ``condition()`` is true; fail after :data:`DEADLINE`."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {DEADLINE}s for {what}")
        await pilot.pause(0.02)


def quits_at_once(app: App, started: RangeHarness) -> None:
    """Run ``app`` (a console over ``started``) until its event feed's long-poll waits
    on the server, press ctrl+q, and check it quit within a second, not waiting for
    the long-poll."""
    pressed = []

    async def main() -> None:
        async with app.run_test() as pilot:
            await until(pilot, lambda: app.loaded, "the console to load")  # type: ignore[attr-defined]
            await until(
                pilot,
                lambda: any(t.name == "console-follow" for t in threading.enumerate()),
                "the long-poll",
            )
            pressed.append(time.monotonic())
            await pilot.press("ctrl+q")

    asyncio.run(main())  # waits for the executor's threads as it ends
    assert time.monotonic() - pressed[0] < 1.0
    started.post("director", "/director/messages", {"text": "bye"})  # ends the long-poll
