"""scenarios/schema.py: the JSON Schema editors use agrees with the loader on shapes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from scenarios import library
from scenarios.loader import to_data
from scenarios.schema import DIALECT, plain_text, scenario_schema
from scenarios.techniques import registry

BROKEN = Path(__file__).parent / "data" / "broken"

# Broken files whose fault is a shape the schema can see.
SHAPE_ERRORS = [
    "bad-duration",
    "bad-params",
    "benign-unknown-role",
    "domain-not-example",
    "missing-field",
    "missing-nested-field",
    "not-a-mapping",
    "out-of-range",
    "unknown-field",
    "unknown-nested-field",
    "unknown-role",
    "unknown-technique",
    "wrong-type",
    "bad-mac",
    "typo-key",
    "typo-param",
]
# Broken files whose fault is a rule across fields: only the loader sees it.
REFERENCE_ERRORS = [
    "unknown-team",
    "unknown-host",
    "duplicate-team-id",
    "host-outside-networks",
    "inject-after-end",
    "message-unknown-team",
    "attacker-pool-inside-team",
]


def _json(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _raw(text: str) -> Any:
    return _json(YAML(typ="safe").load(text))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_draft_2020_12_and_names_every_technique() -> None:
    schema = scenario_schema()
    assert schema["$schema"] == DIALECT
    technique = schema["$defs"]["Inject"]["properties"]["technique"]
    assert sorted(c["const"] for c in technique["anyOf"]) == registry.names()
    assert all("(T" in c["description"] for c in technique["anyOf"])
    assert len(schema["$defs"]["Inject"]["allOf"]) == len(registry.names())
    assert schema["$defs"]["HostRole"]["enum"][0] == "surveillance-node"


@pytest.mark.parametrize("name", library.names())
def test_builtins_satisfy_the_schema(validator: jsonschema.Validator, name: str) -> None:
    assert list(validator.iter_errors(_raw(library.text(name)))) == []
    assert list(validator.iter_errors(_json(to_data(library.load(name))))) == []


@pytest.mark.parametrize("name", SHAPE_ERRORS)
def test_schema_rejects_shape_errors(validator: jsonschema.Validator, name: str) -> None:
    errors = list(validator.iter_errors(_raw((BROKEN / f"{name}.yaml").read_text())))
    assert errors, f"the schema accepts {name}.yaml"


@pytest.mark.parametrize("name", REFERENCE_ERRORS)
def test_reference_errors_are_left_to_the_loader(
    validator: jsonschema.Validator, name: str
) -> None:
    assert list(validator.iter_errors(_raw((BROKEN / f"{name}.yaml").read_text()))) == []


def test_params_are_checked_per_technique(validator: jsonschema.Validator) -> None:
    data = _raw(library.text("tutorial"))
    data["injects"][0]["params"] = {"rate": "fast"}
    errors = list(validator.iter_errors(data))
    assert [list(e.absolute_path) for e in errors] == [["injects", 0, "params", "rate"]]
    data["injects"][0]["params"] = {"connections": 3}  # an ssh-brute-force parameter
    assert list(validator.iter_errors(data))
    data["injects"][0]["technique"] = "ssh-brute-force"
    assert list(validator.iter_errors(data)) == []


def test_durations_accept_numbers_and_unit_strings(validator: jsonschema.Validator) -> None:
    data = _raw(library.text("tutorial"))
    for good in (900, 12.5, "15m", "1h30m", "90s", "90"):
        data["duration"] = good
        assert list(validator.iter_errors(data)) == [], good
    for bad in ("15 minutes", -5, "m"):
        data["duration"] = bad
        assert list(validator.iter_errors(data)), bad


def test_extension_keys_are_allowed(validator: jsonschema.Validator) -> None:
    data = _raw(library.text("tutorial"))
    data["x-defaults"] = {"technique": "network-scan"}
    assert list(validator.iter_errors(data)) == []
    data["y-defaults"] = {}
    assert list(validator.iter_errors(data))


def _descriptions(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["description"]] if isinstance(node.get("description"), str) else []
        return own + [d for value in node.values() for d in _descriptions(value)]
    if isinstance(node, list):
        return [d for item in node for d in _descriptions(item)]
    return []


def test_descriptions_carry_no_developer_cross_references() -> None:
    descriptions = _descriptions(scenario_schema())
    assert len(descriptions) > 50
    for text in descriptions:
        assert not re.search(r":[a-z]+:`", text), text
        assert "``" not in text, text
    mac = scenario_schema()["$defs"]["Host"]["properties"]["mac"]["description"]
    assert "mac_for" not in mac and "derived from the IP address" in mac


def test_plain_text_strips_sphinx_roles() -> None:
    assert plain_text("or :func:`mac_for` the :class:`~scenarios.model.Host`") == (
        "or `mac_for` the `Host`"
    )
    assert plain_text(":ref:`the roles <roles>` and ``dns``") == "`the roles` and `dns`"


def test_attacker_pools_are_a_list_or_a_cidr(validator: jsonschema.Validator) -> None:
    data = _raw(library.text("tutorial"))
    for good in (["203.0.113.67", "203.0.113.68"], "203.0.113.64/29", []):
        data["attackers"][0]["pool"] = good
        assert list(validator.iter_errors(data)) == [], good
    for bad in (5, [1, 2], ["203.0.113.1"] * 257):
        data["attackers"][0]["pool"] = bad
        assert list(validator.iter_errors(data)), bad
