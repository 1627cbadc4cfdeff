"""tests/tui/screenshot.py: the README's screenshot of the team console is made
the same way twice, and the committed one is up to date."""

from __future__ import annotations

from tests.tui.screenshot import ROOT, SCANNER, SVG, render


def test_the_committed_screenshot_is_what_the_console_shows_now() -> None:
    svg = render()
    assert "scanner (ours)" in svg.replace("&#160;", " ") and SCANNER in svg
    assert svg == SVG.read_text(encoding="utf-8"), (
        f"{SVG.relative_to(ROOT)} is out of date: run `python -m tests.tui.screenshot`"
    )


def test_the_readme_shows_it() -> None:
    assert f"]({SVG.relative_to(ROOT)})" in (ROOT / "README.md").read_text()
