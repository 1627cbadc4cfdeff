"""The JSON Schema of scenario files, for editor completion and checking.

``grapevine scenario schema`` prints it. It is generated from the pydantic model
(:class:`scenarios.model.Scenario`), then completed with what only the registry
knows: the technique names (an ``enum``) and, per technique, the schema of its
``params`` (``if technique == X then params: X.Params``). Point an editor at it, for
example with a ``# yaml-language-server: $schema=scenario.schema.json`` first line.

The schema checks shapes; rules across fields (references, addresses inside
networks, times inside the duration) are the loader's (``grapevine scenario validate``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from scenarios.model import Scenario
from scenarios.techniques.base import Technique

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://grapevine.example/schemas/scenario.schema.json"


_SPHINX_ROLE = re.compile(r":(?:[a-z]+:)+`~?([^`<]*?)\s*(<[^`]*>)?`")
"""``:func:`mac_for```, ``:class:`~a.b.C```, ``:ref:`text <target>```."""


def plain_text(text: str) -> str:
    """A docstring as a person editing a scenario reads it: Sphinx roles become the
    bare name (the last part of a dotted one, or a link's text), reST ````code````
    becomes ```code```."""

    def name(match: re.Match[str]) -> str:
        shown = match.group(1)
        return f"`{shown if match.group(2) else shown.rsplit('.', 1)[-1]}`"

    return _SPHINX_ROLE.sub(name, text).replace("``", "`")


def _plain_descriptions(node: Any) -> Any:
    """``node`` with every ``description`` (and ``title``) made :func:`plain_text`."""
    if isinstance(node, dict):
        return {
            key: plain_text(value)
            if key in ("description", "title") and isinstance(value, str)
            else _plain_descriptions(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_plain_descriptions(item) for item in node]
    return node


def _techniques(techniques: Mapping[str, type[Technique]] | None) -> Mapping[str, type[Technique]]:
    if techniques is not None:
        return techniques
    from scenarios.techniques import registry

    return registry.all_techniques()


def _summary(name: str, cls: type[Technique]) -> str:
    ids = ", ".join(cls.attack_ids)
    return f"{cls.summary or name} ({ids})" if ids else cls.summary or name


def _params_schema(name: str, cls: type[Technique], defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of ``cls.Params``; its own definitions move into ``defs``, prefixed."""
    prefix = f"params-{name}-"
    schema = cls.Params.model_json_schema(ref_template=f"#/$defs/{prefix}{{model}}")
    for key, definition in schema.pop("$defs", {}).items():
        defs[prefix + key] = definition
    schema["description"] = f"parameters of {name}: {_summary(name, cls)}"
    return schema


def scenario_schema(techniques: Mapping[str, type[Technique]] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file.

    ``techniques`` (name -> class) defaults to the ``grapevine.techniques`` registry.
    """
    table = _techniques(techniques)
    base = copy.deepcopy(Scenario.model_json_schema(mode="validation"))
    schema: dict[str, Any] = {"$schema": DIALECT, "$id": SCHEMA_ID, **base}
    schema["title"] = "Grapevine scenario"
    schema["patternProperties"] = {"^x-": {"description": "ignored: a place for YAML anchors"}}
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    inject = defs["Inject"]
    inject["properties"]["technique"] = {
        "title": "Technique",
        "description": "a registered attack technique",
        "type": "string",
        "anyOf": [
            {"const": name, "description": _summary(name, cls)}
            for name, cls in sorted(table.items())
        ],
    }
    rules = []
    for name, cls in sorted(table.items()):
        rules.append(
            {
                "if": {"properties": {"technique": {"const": name}}, "required": ["technique"]},
                "then": {"properties": {"params": _params_schema(name, cls, defs)}},
            }
        )
    if rules:
        inject["allOf"] = rules
    return _plain_descriptions(schema)
