"""README.md's Layout section names what exists (and every subpackage of the two
library packages), so it does not promise modules that are not there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def layout() -> dict[str, str]:
    """Top-level directory -> its description, from the Layout section's code block."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Layout") :]
    block = section.split("```")[1]
    entries: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        match = re.match(r"^(\w+)/\s+(.*)$", line)
        if match:
            current = match.group(1)
            entries[current] = match.group(2)
        elif current and line.strip():
            entries[current] += " " + line.strip()
    return entries


def test_every_named_directory_exists() -> None:
    entries = layout()
    assert set(entries) == {"range", "indicators", "scenarios", "tui", "tests"}
    for top, description in entries.items():
        assert (ROOT / top).is_dir(), top
        for sub in re.findall(r"([\w/]+)/(?=[),\s]|$)", description):
            path = ROOT / sub if "/" in sub else ROOT / top / sub
            assert path.is_dir(), f"{top}/: {sub}/ does not exist"


def test_the_subpackages_of_indicators_and_scenarios_are_named() -> None:
    entries = layout()
    for top in ("indicators", "scenarios"):
        for sub in sorted(p for p in (ROOT / top).iterdir() if p.is_dir()):
            if sub.name.startswith(("_", ".")):
                continue
            assert f"{sub.name}/" in entries[top], f"{top}/{sub.name}/ is not in the Layout"
