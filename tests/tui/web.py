"""``grapevine web`` as a child process over a test range server, and a browser
session spoken the way textual-serve's page speaks it (a websocket carrying the
terminal's bytes one way and ``["stdin", text]`` the other)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import aiohttp
import requests

from tests.range.processes import launch, stop

DEADLINE = 30.0
"""Seconds to wait for the web server, a browser session or a screen (a session
starts a Python process per browser tab, slow on a loaded machine)."""
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Web:
    """A running ``grapevine web``: its process, address and what it printed."""

    proc: object
    url: str
    port: int
    printed: list[str]


@contextmanager
def web_server(range_url: str, *extra: str) -> Iterator[Web]:
    """``grapevine web --url RANGE_URL`` on a free port, once it answers HTTP."""
    port = free_port()
    proc, printed = launch("web", "--url", range_url, "--port", str(port), *extra)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                requests.get(url, timeout=5)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"grapevine web did not serve: {printed}") from None
                time.sleep(0.1)
        yield Web(proc, url, port, printed)
    finally:
        if proc.poll() is None:
            stop(proc)


@dataclass
class Session:
    """One browser session on the websocket: the screen's text as it comes."""

    ws: aiohttp.ClientWebSocketResponse
    received: list[str] = field(default_factory=list)

    def text(self) -> str:
        return ANSI.sub("", "".join(self.received))

    async def until(self, words: str, deadline: float = DEADLINE) -> None:
        """Read frames until ``words`` has been drawn; fail after ``deadline`` s."""
        end = time.monotonic() + deadline
        while words not in self.text():
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"waited {deadline}s for {words!r}: {self.text()[-800:]!r}")
            try:
                message = await asyncio.wait_for(self.ws.receive(), left)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received.append(message.data.decode("utf-8", "replace"))
            elif message.type != aiohttp.WSMsgType.TEXT:
                ended = f"the session ended ({message.type!r})"
                raise AssertionError(f"{ended}: {self.text()[-800:]!r}")

    async def type(self, text: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", text]))

    def forget(self) -> None:
        """Drop what was drawn so far (to wait for something drawn anew)."""
        self.received.clear()

    async def log_in(self, user: str, password: str) -> None:
        """Fill in the login page (each step once the screen shows it took)."""
        await self.until("Log in")
        await self.type(user)
        await self.until(user)
        await self.type("\r")
        await self.until("Enter: log in")
        self.forget()
        await self.type(password)
        await self.until("•" * len(password))
        self.forget()
        await self.type("\r")
