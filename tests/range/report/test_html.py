"""The HTML report: one self-contained, well-formed page whose charts and text are safe,
and which Chromium renders into a non-blank page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from range.report import html, write_report
from tests.range.report import png
from tests.range.report.sample import HOSTILE, LINES, sample_report

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Page(HTMLParser):
    """Every element with its attributes and ancestors; end tags must match."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.text: dict[str, list[str]] = {}
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), tuple(self.stack)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), tuple(self.stack)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]} at {self.getpos()}")
            return
        self.stack.pop()

    def handle_data(self, data):
        for tag in set(self.stack):
            self.text.setdefault(tag, []).append(data)


@pytest.fixture(scope="module")
def page_source() -> str:
    return html.render(sample_report())


@pytest.fixture(scope="module")
def page(page_source) -> Page:
    parser = Page()
    parser.feed(page_source)
    parser.close()
    return parser


def test_the_page_is_well_formed(page):
    assert page.problems == []
    assert page.stack == []
    assert [e[0] for e in page.elements[:3]] == ["html", "head", "meta"]


def test_nothing_is_loaded_from_outside(page, page_source):
    for tag, attrs, _ in page.elements:
        assert tag not in {"script", "link", "iframe", "object", "embed", "img"}
        for name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
            assert attrs.get(name) is None or not re.match(r"\s*(https?:)?//", attrs[name])
    css = "".join(page.text["style"])
    assert "@import" not in css and "url(" not in css
    assert not re.search(r"(src|href)\s*=\s*['\"]?\s*(https?:)?//", page_source, re.I)


def test_three_charts_with_titles_and_one_score_series_per_team(page):
    charts = [(a["id"], a) for t, a, _ in page.elements if t == "svg"]
    assert [c for c, _ in charts] == ["score-chart", "delay-chart", "sharing-graph"]
    assert all(a.get("role") == "img" and a.get("aria-labelledby") for _, a in charts)
    titles = [a.get("id") for t, a, anc in page.elements if t == "title" and "svg" in anc]
    assert {"score-chart-title", "delay-chart-title", "sharing-graph-title"} <= set(titles)
    series = [a["data-team"] for t, a, _ in page.elements if a.get("class") == "series"]
    assert series == ["cert-ee", "cert-lv", "cert-lt"]


def test_tables_have_column_headers(page):
    tables = [a["id"] for t, a, _ in page.elements if t == "table"]
    assert {"summary", "timeline", "delays", "sharing", "helped", "responses", "alerts"} <= set(
        tables
    )
    assert {"lines-cert-ee", "lines-cert-lv", "lines-cert-lt"} <= set(tables)
    headers = [a for t, a, _ in page.elements if t == "th"]
    assert headers and all(a.get("scope") == "col" for a in headers)


def test_a_hostile_pattern_is_shown_as_text_and_never_runs(page, page_source):
    assert not any(t == "script" for t, _, _ in page.elements)
    assert not any(t == "b" for t, _, _ in page.elements)
    assert HOSTILE in page.text["code"]
    assert "&lt;script&gt;alert(&quot;pwn&quot;)&lt;/script&gt;" in page_source


def test_every_score_line_and_total_is_on_the_page(page):
    text = " ".join(page.text["body"])
    for team, lines in LINES.items():
        for line in lines:
            assert line["why"] in text, team
    totals = page.text["div"]
    assert {"32", "16", "14"} <= {t.strip() for t in totals}


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def test_chromium_renders_the_report_into_a_full_non_blank_page(tmp_path):
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing under CI (make deps installs the Debian package)")
        pytest.skip("chromium not installed (Debian package: chromium)")
    write_report(sample_report(), tmp_path / "out")
    shot = tmp_path / "shot.png"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        (tmp_path / "out" / "report.html").as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert shot.exists(), f"no screenshot; chromium exited {done.returncode}: {done.stderr[-2000:]}"
    data = shot.read_bytes()
    assert png.size(data) == (1280, 2000)
    image = png.decode(data)
    assert image.pixel(10, 10) == (0x0B, 0x4F, 0x8A), "header not styled"
    seen = image.colours()
    assert len(seen) > 50, f"only {len(seen)} colours: blank page?"
    for colour in ("#0072b2", "#e69f00", "#009e73"):  # the three teams' series and cards
        rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in seen, f"team colour {colour} not drawn"
