"""The after-action report: Markdown, one self-contained HTML page, ATT&CK Navigator layers.

Input is a :class:`~range.report.data.ReportData` (plain frozen values); every renderer
is a pure function of it (:func:`range.report.markdown.render`,
:func:`range.report.html.render`, :func:`range.report.navigator.layers`).
:func:`write_report` writes them all into a folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from range.report import html, markdown, navigator
from range.report.data import ReportData


def layer_filename(team_id: str) -> str:
    """``layer-TEAM.json``, with anything but letters, digits, ``.``, ``_``, ``-`` as ``_``."""
    return f"layer-{re.sub(r'[^A-Za-z0-9_.-]', '_', team_id)}.json"


def write_report(data: ReportData, out_dir: Path | str) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``layer-TEAM.json`` per team into
    ``out_dir`` (created if missing); return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "report.md": markdown.render(data),
        "report.html": html.render(data),
    }
    for team, layer in navigator.layers(data).items():
        files[layer_filename(team)] = json.dumps(layer, indent=2, sort_keys=True) + "\n"
    written = []
    for name, text in files.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
