"""The README's screenshot of the team console (``tui/screenshots/team-console.svg``).

What a new player of ``grapevine play tutorial`` sees three simulated minutes in,
after deploying a first indicator for the scanner: the console as play opens it
(:class:`tui.play.PlayApp`) on a real range server over the tutorial, its clock
stepped to fixed times, so the picture is the same on every run (ids come from the
seed and the log; no wall-clock time or server address is shown).

Regenerate it with ``python -m tests.tui.screenshot`` (from the repository root);
``tests/tui/test_screenshot.py`` fails while the committed file is out of date.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from textual.widgets import DataTable

from scenarios import library
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import ok, start_range
from tui.client import ConsoleClient
from tui.play import PlayApp

ROOT = Path(__file__).resolve().parents[2]
SVG = ROOT / "tui" / "screenshots" / "team-console.svg"
SIZE = (100, 30)
SCANNER = "203.0.113.66"
TITLE = "grapevine play tutorial"
DEADLINE = 20.0


def render() -> str:
    """The screenshot as SVG text."""
    with tempfile.TemporaryDirectory() as tmp:
        harness = start_range(Path(tmp) / "range.db", library.load("tutorial"))
        try:
            ok(harness.post("director", "/director/start"))
            harness.step(60)
            body = {"pattern": f"[ipv4-addr:value = '{SCANNER}']", "name": "scanner"}
            ok(harness.post("ee-analyst", "/teams/ee/indicators", body), 201)
            harness.step(180)  # the scan came at 2m: the sensor matched it live
            client = ConsoleClient(harness.server.url, "ee-analyst", PASSWORD)
            try:
                return asyncio.run(_shoot(PlayApp(client, poll_wait=0.5)))
            finally:
                client.close()
        finally:
            harness.server.stop()
            harness.store.close()


async def _shoot(app: PlayApp) -> str:
    async with app.run_test(size=SIZE) as pilot:
        deadline = asyncio.get_running_loop().time() + DEADLINE
        while not (app.loaded and app.query_one("#alert-table", DataTable).row_count):
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the console did not show the alerts")
            await pilot.pause(0.05)
        await pilot.pause(0.3)  # the lists read after the events (score, indicators)
        return app.export_screenshot(title=TITLE)


def main() -> int:
    SVG.parent.mkdir(parents=True, exist_ok=True)
    SVG.write_text(render(), encoding="utf-8")
    print(f"written: {SVG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
