"""The OpenAPI 3.1 document: built from the route table, and honoured by the server.

schemathesis generates requests from ``/api/openapi.json`` (fetched over HTTP from a
running server) for every operation and sends each as the director and as a team
analyst: no answer may be a 5xx, have a status the document does not list, or have a
body that breaks its schema. Examples are bounded and derandomized (the hypothesis
profile of tests/conftest.py), and the server's long-poll and stream limits are cut
short so the run stays well under a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from range.api.openapi import openapi_document
from range.api.routes import ApiSettings
from range.api.table import ROUTES
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import RangeHarness, ok, start_range

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 10


def test_every_route_is_documented_with_its_refusals(api):
    document = ok(api.get("partner", "/openapi.json"))
    assert document == openapi_document(ROUTES)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["basic"] == {"type": "http", "scheme": "basic"}
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for route in ROUTES:
        operation = document["paths"]["/api" + route.path][route.method.lower()]
        responses = operation["responses"]
        assert str(route.status) in responses
        for code in ("400", "401", *(str(c) for c in route.refusals)):
            assert responses[code]["content"]["application/json"]["schema"] == error_ref
        if "{team}" in route.path:
            assert "403" in responses and "404" in responses
        if route.body is not None:
            assert "422" in responses and "requestBody" in operation
    schemas = document["components"]["schemas"]
    assert {"ErrorBody", "ErrorDetail", "ExerciseView", "EventPage", "Alert", "Traffic"} <= set(
        schemas
    )


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, tiny_scenario) -> Iterator[RangeHarness]:
    """A started exercise with traffic, alerts, a rule and a sitrep; short waits."""
    settings_ = ApiSettings(max_wait=0.2, stream_seconds=0.3, heartbeat=0.1)
    harness = start_range(tmp_path_factory.mktemp("fuzz") / "range.db", tiny_scenario, settings_)
    try:
        ok(harness.post("director", "/director/start"))
        ok(
            harness.post(
                "ee-analyst",
                "/teams/ee/indicators",
                {"pattern": "[ipv4-addr:value = '203.0.113.66']"},
            ),
            201,
        )
        ok(harness.post("ee-analyst", "/teams/ee/sitreps", {"text": "scan seen"}), 201)
        harness.step(150)
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()


@pytest.fixture(scope="module")
def range_schema(fuzzed: RangeHarness) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_url(fuzzed.url + "/openapi.json", auth=("partner", PASSWORD))


schema = schemathesis.pytest.from_fixture("range_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_match_the_document(case, fuzzed):
    for user in ("director", "ee-analyst"):
        case.call_and_validate(auth=(user, PASSWORD), checks=CHECKS, timeout=10)
