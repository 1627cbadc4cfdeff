"""write_report writes report.md, report.html and one layer per team, deterministically."""

from __future__ import annotations

import json

from range.report import html, layer_filename, markdown, navigator, write_report
from range.report.data import ReportData, ScenarioInfo
from tests.range.report.sample import sample_report


def test_writes_every_file_with_the_renderers_output(tmp_path):
    data = sample_report()
    written = write_report(data, tmp_path / "aar")
    names = sorted(p.name for p in written)
    assert names == sorted(
        [
            "report.md",
            "report.html",
            "layer-cert-ee.json",
            "layer-cert-lv.json",
            "layer-cert-lt.json",
        ]
    )
    assert sorted(p.name for p in (tmp_path / "aar").iterdir()) == names
    assert (tmp_path / "aar" / "report.md").read_text() == markdown.render(data)
    assert (tmp_path / "aar" / "report.html").read_text() == html.render(data)
    layer = json.loads((tmp_path / "aar" / "layer-cert-lv.json").read_text())
    assert layer == navigator.layer(data, "cert-lv")


def test_output_is_byte_identical_across_runs(tmp_path):
    first = {p.name: p.read_bytes() for p in write_report(sample_report(), tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_report(sample_report(), tmp_path / "b")}
    assert first == second


def test_layer_file_names_stay_inside_the_folder():
    assert layer_filename("cert-ee") == "layer-cert-ee.json"
    assert layer_filename("../x/y z") == "layer-.._x_y_z.json"


def test_an_exercise_where_nothing_happened_still_reports(tmp_path):
    quiet = ScenarioInfo(
        "Quiet day", "", 1, 1767600000.0, 0, sample_report().scenario.teams[:2], ()
    )
    data = ReportData(scenario=quiet, scoreboard={"teams": []})
    files = {p.name: p.read_text() for p in write_report(data, tmp_path)}
    assert "*None.*" in files["report.md"] and "No score lines." in files["report.md"]
    assert files["report.html"].count("<svg") == 3
    assert json.loads(files["layer-cert-ee.json"])["techniques"] == []
