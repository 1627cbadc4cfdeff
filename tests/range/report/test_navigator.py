"""ATT&CK Navigator layers: valid layer format 4.5, detected green, missed red."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from range.report import navigator
from tests.range.report.sample import sample_report

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "navigator-layer-4.5.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def errors(layer: dict) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(layer)]


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_a_layer_using_every_field_of_the_spec_validates():
    # Written from the spec's tables (not copied from it): every optional field used once.
    layer = {
        "name": "all fields",
        "versions": {"attack": "18", "navigator": "5.2.0", "layer": "4.5"},
        "domain": "ics-attack",
        "description": "d",
        "customDataURL": "https://collections.example/bundle.json",
        "filters": {"platforms": ["Windows"]},
        "sorting": 1,
        "layout": {
            "layout": "flat",
            "showID": True,
            "showName": False,
            "showAggregateScores": True,
            "countUnscored": False,
            "aggregateFunction": "max",
            "expandedSubtechniques": "all",
        },
        "hideDisabled": True,
        "techniques": [
            {
                "techniqueID": "T1021.002",
                "tactic": "lateral-movement",
                "comment": "c",
                "enabled": False,
                "score": 3.5,
                "color": "",
                "metadata": [{"name": "n", "value": "v"}, {"divider": True}],
                "links": [{"label": "l", "url": "https://attack.example/T1021"}, {"divider": True}],
                "showSubtechniques": True,
            }
        ],
        "gradient": {"colors": ["#fff", "#000000"], "minValue": -1, "maxValue": 1},
        "legendItems": [{"label": "x", "color": "#123456"}],
        "showTacticRowBackground": True,
        "tacticRowBackground": "#dddddd",
        "selectTechniquesAcrossTactics": False,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": True,
        "metadata": [{"name": "n", "value": "v"}],
        "links": [{"label": "l", "url": "https://attack.example/"}],
    }
    assert errors(layer) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda layer: layer.pop("name"), "name"),
        (lambda layer: layer["versions"].update(layer="4.4"), "layer"),
        (lambda layer: layer["versions"].update(navigator="4.8.2"), "navigator"),
        (lambda layer: layer.update(domain="mitre-enterprise"), "domain"),
        (lambda layer: layer["techniques"][0].update(techniqueID="1190"), "techniqueID"),
        (lambda layer: layer["techniques"][0].update(techniqueID="T1498.1"), "techniqueID"),
        (lambda layer: layer["techniques"][0].update(colour="#fff"), "colour"),
        (lambda layer: layer["gradient"].update(colors=["#ff0000"]), "colors"),
        (lambda layer: layer["legendItems"].append({"label": "no colour"}), "color"),
    ],
)
def test_the_schema_rejects_what_the_spec_forbids(change, path):
    layer = navigator.layer(sample_report(), "cert-ee")
    change(layer)
    assert errors(layer), f"a layer with a bad {path} validated"


@pytest.mark.parametrize("team", ["cert-ee", "cert-lv", "cert-lt"])
def test_every_team_layer_validates(team):
    layer = navigator.layers(sample_report())[team]
    assert errors(layer) == []
    assert layer["gradient"]["maxValue"] > layer["gradient"]["minValue"]
    assert layer["versions"]["layer"] == "4.5"
    assert layer["domain"] == "enterprise-attack"


def colours(team: str) -> dict[str, str]:
    layer = navigator.layer(sample_report(), team)
    return {t["techniqueID"]: t["color"] for t in layer["techniques"]}


def test_detected_techniques_are_green_and_missed_ones_red():
    assert colours("cert-ee") == {"T1046": navigator.DETECTED, "T1498.001": navigator.DETECTED}
    assert colours("cert-lv") == {
        "T1190": navigator.DETECTED,
        "T1071.004": navigator.MISSED,
        "T1048": navigator.MISSED,
    }
    assert colours("cert-lt") == {"T1071.001": navigator.DETECTED, "T1110.001": navigator.DETECTED}


def test_a_technique_detected_in_one_inject_and_missed_in_another_is_partly():
    data = sample_report()
    injects = tuple(
        replace(i, attack_ids=("T1190",)) if i.id == "i5-dns" else i for i in data.scenario.injects
    )
    data = replace(data, scenario=replace(data.scenario, injects=injects))
    (technique,) = navigator.layer(data, "cert-lv")["techniques"]
    assert technique["techniqueID"] == "T1190"
    assert technique["color"] == navigator.PARTLY
    assert technique["score"] == 50
    assert [m["name"] for m in technique["metadata"]] == ["i2-exploit", "i5-dns"]
    assert "i5-dns: missed" in technique["comment"]
