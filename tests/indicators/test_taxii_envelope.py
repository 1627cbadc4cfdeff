"""Envelopes are written with orjson, the stored objects spliced in unparsed: what a
client reads back is exactly what was posted (non-ASCII text, numbers, nesting), with
the same envelope keys, and every other answer is Flask's JSON as before."""

from __future__ import annotations

import json
import random

from flask import Flask

from indicators.taxii.envelope import Envelope, EnvelopeJSONProvider, stored_array
from tests.indicators.conftest import TAXII, Harness
from tests.indicators.factory import indicator


def _odd(rng: random.Random) -> dict:
    obj = indicator(rng, value="203.0.113.9")
    obj["name"] = 'Ünïcödé — 東京 \u2028 "quoted" \\ back'
    obj["description"] = "emoji 🛂 and a tab\t"
    obj["x_grapevine_numbers"] = [0, -1, 2**53, 1.5, 1e-7, True, None]
    obj["x_grapevine_nested"] = {"a": [{"b": {"c": []}}], "": {}}
    return obj


def test_objects_read_back_exactly_as_posted(taxii: Harness) -> None:
    rng = random.Random(12)
    posted = [_odd(rng), indicator(rng)]
    session = taxii.http("de-analyst")
    url = taxii.objects_url("cert-de")
    response = session.post(
        url, data=json.dumps({"objects": posted}), headers={"Content-Type": TAXII}
    )
    assert response.status_code == 202 and response.json()["success_count"] == 2

    got = session.get(url, params={"match[id]": ",".join(o["id"] for o in posted)})
    assert got.status_code == 200
    assert got.headers["Content-Type"] == TAXII
    body = json.loads(got.content.decode("utf-8"))
    assert list(body) == ["more", "objects"] and body["more"] is False
    assert sorted(body["objects"], key=lambda o: o["id"]) == sorted(posted, key=lambda o: o["id"])

    one = session.get(url + posted[0]["id"] + "/")
    assert one.status_code == 200
    assert json.loads(one.content) == {"more": False, "objects": [posted[0]]}

    paged = session.get(url, params={"limit": 1})
    first = paged.json()
    assert list(first) == ["more", "next", "objects"] and first["more"] is True
    assert len(first["objects"]) == 1


def test_only_envelopes_go_through_orjson() -> None:
    app = Flask("envelope-test")
    app.json = EnvelopeJSONProvider(app)
    app.json.sort_keys = False
    with app.app_context():
        raw = '{"id":"x--1","name":"ü"}'
        envelope = Envelope(more=False, objects=stored_array([raw, raw]))
        assert app.json.dumps(envelope) == (
            '{"more":false,"objects":[{"id":"x--1","name":"ü"},{"id":"x--1","name":"ü"}]}'
        )
        # anything else is Flask's default provider: ASCII escapes, its own spacing
        assert app.json.dumps({"name": "ü", "more": False}) == '{"name": "\\u00fc", "more": false}'
