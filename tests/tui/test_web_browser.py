"""``grapevine web`` in headless Chromium: the page loads, the terminal draws the
login, and typing into the page logs in and opens the team console.

Chromium is driven over its DevTools protocol (a websocket, spoken with aiohttp).
xterm.js draws the terminal on a canvas, so what it shows is read from the bytes the
page receives: a script installed before the page's own wraps ``WebSocket`` and
keeps them. A screenshot checks that the canvas is really painted.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests

from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import RangeHarness
from tests.range.report import png
from tests.tui.web import ANSI, DEADLINE, web_server

RECORD = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.__screen = "";
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (event.data instanceof ArrayBuffer) {
          window.__screen += decoder.decode(event.data, {stream: true});
        }
      });
    }
  };
})();
"""
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1200,800",
]


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.fail("chromium is missing (make deps installs the Debian package)")


class DevTools:
    """One page of a running Chromium, over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self.ids)
        await self.ws.send_str(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads((await asyncio.wait_for(self.ws.receive(), DEADLINE)).data)
            if message.get("id") == call_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})

    async def screen(self) -> str:
        """The text the terminal was sent so far (escape sequences removed)."""
        result = await self.call("Runtime.evaluate", expression="window.__screen || ''")
        return ANSI.sub("", result["result"]["value"])

    async def until(self, words: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while words not in (text := await self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {DEADLINE}s for {words!r}: {text[-800:]!r}")
            await asyncio.sleep(0.05)
        return text

    async def key(self, key: str, code: int, text: str) -> None:
        for kind in ("keyDown", "keyUp"):
            await self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                code=key,
                windowsVirtualKeyCode=code,
                **({"text": text} if kind == "keyDown" else {}),
            )


def devtools_url(profile: Path, chromium: subprocess.Popen) -> str:
    """The page target's DevTools websocket, once Chromium says its port."""
    active = profile / "DevToolsActivePort"
    deadline = time.monotonic() + DEADLINE
    while not active.exists() or not active.read_text().strip():
        if chromium.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"chromium did not start: {chromium.stderr.read()[-2000:]}")
        time.sleep(0.05)
    port = active.read_text().split()[0]
    targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
    return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")


async def drive(url: str, page: str) -> tuple[str, str, bytes]:
    """Open ``page``, wait for the login, log in as ee's analyst; the login's text,
    the console's text and a screenshot of the login."""
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        tools = DevTools(ws)
        await tools.call("Page.enable")
        await tools.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD)
        await tools.call("Page.navigate", url=page)
        login = await tools.until("Log in")
        first_byte = await tools.call(
            "Runtime.evaluate", expression="document.body.classList.contains('-first-byte')"
        )
        assert first_byte["result"]["value"] is True  # xterm.js wrote the bytes
        shot = base64.b64decode((await tools.call("Page.captureScreenshot"))["data"])

        for kind in ("mousePressed", "mouseReleased"):  # focus the page, off the form
            await tools.call(
                "Input.dispatchMouseEvent", type=kind, x=5, y=5, button="left", clickCount=1
            )
        await tools.call("Input.insertText", text="ee-analyst")
        await tools.until("ee-analyst")
        await tools.key("Enter", 13, "\r")
        await tools.until("Enter: log in")
        await tools.call("Input.insertText", text=PASSWORD)
        await tools.until("•" * len(PASSWORD))
        await tools.key("Enter", 13, "\r")
        console = await tools.until("● connected")
        return login, console, shot


def test_the_page_shows_the_login_and_opens_the_console(started: RangeHarness, tmp_path):
    chromium = find_chromium()
    profile = tmp_path / "profile"
    with web_server(started.server.url) as web:
        browser = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HOME": str(tmp_path)},
        )
        try:
            login, console, shot = asyncio.run(drive(devtools_url(profile, browser), web.url))
        finally:
            browser.terminate()
            try:
                browser.wait(timeout=20)
            except subprocess.TimeoutExpired:
                browser.kill()
                browser.wait()
    for words in ("Grapevine · log in to", "User", "Password", "Console", "Log in"):
        assert words in login
    assert "ee · running" in console and "Tiny range" in console  # the status line
    image = png.decode(shot)
    assert image.width == 1200 and image.height > 400
    assert len(image.colours()) > 8, "the terminal is not painted"
