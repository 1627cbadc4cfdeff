"""``grapevine web``: the consoles served to a browser session over textual-serve's
websocket, on loopback only; the session logs in, then gets its console (a browser
itself: tests/tui/test_web_browser.py)."""

from __future__ import annotations

import asyncio

import aiohttp
import requests

from range.commands.web import session_command
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import api, started, tiny_scenario
from tests.range.processes import stop
from tests.tui.web import Session, web_server

__all__ = ["api", "started", "tiny_scenario"]


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on ``port`` (IPv4 and IPv6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


async def browser_session(url: str, user: str, password: str, *until: str) -> Session:
    """Log in on a new session of the page at ``url``; the session once every one of
    ``until`` has been drawn (each may come in a frame of its own)."""
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{url}ws?width=100&height=30")
        session = Session(ws)
        await session.log_in(user, password)
        for words in until:
            await session.until(words)
        await ws.close()
        return session


def test_sessions_log_in_and_get_their_consoles_on_loopback_only(started):
    with web_server(started.server.url) as web:
        assert any("Ctrl-C" in line for line in web.printed)
        page = requests.get(web.url, timeout=10)
        assert page.status_code == 200 and "<div>Grapevine</div>" in page.text
        assert f'data-session-websocket-url="ws://127.0.0.1:{web.port}/ws"' in page.text
        assert listening_addresses(web.port) == {"0100007F"}  # 127.0.0.1, nothing else

        team = asyncio.run(browser_session(web.url, "ee-analyst", PASSWORD, "● connected"))
        assert "ee · running" in team.text()  # the team console's status line
        # the scoreboard, a partner's console by role: its title says live, its table
        # names the teams (the two may reach the browser in different frames)
        asyncio.run(browser_session(web.url, "partner", PASSWORD, "● live", "CERT-LV"))
        asyncio.run(browser_session(web.url, "ee-analyst", "not it", "wrong user or password"))
        assert stop(web.proc) == 0


def test_each_session_runs_the_login_with_the_range_url_quoted():
    command = session_command("http://127.0.0.1:8000/?a=1&b=2", "grapevine")
    quoted = "--url 'http://127.0.0.1:8000/?a=1&b=2' --api-root grapevine"
    assert command.endswith(f"-m tui.login {quoted}")
