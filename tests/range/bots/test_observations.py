"""Observations as the detectors read them: each kind of bundle the engine's sensor
makes becomes one flat record with the fields that matter; the shared helpers."""

from __future__ import annotations

from range.bots.observations import (
    Site,
    common_suffix,
    covering_network,
    decode,
    entropy,
    first_window,
)
from tests.range.bots.test_analytics import sensed
from tests.scenarios.conftest import ATTACKER, TARGET, run_technique


def test_every_kind_of_observation_is_read():
    kinds = {}
    for technique in ("web-exploit", "phishing-smtp", "smb-lateral", "dns-tunnel"):
        for o in decode(sensed(run_technique(technique).packets)):
            kinds.setdefault(o.kind, []).append(o)
    assert set(kinds) == {"flow", "http", "email", "file", "dns"}
    kinds = {kind: records[0] for kind, records in kinds.items()} | {
        "http": next(o for o in kinds["http"] if o.target == "/")
    }
    http = kinds["http"]
    assert (http.src, http.dst, http.method, http.host) == (
        ATTACKER,
        TARGET,
        "GET",
        "gate-1.border.fr.example",
    )
    assert kinds["flow"].proto == "tcp" and kinds["flow"].flags >= 0
    assert kinds["email"].name == "it-servicedesk@eu-border-support.example"
    assert kinds["email"].urls == ("http://login.eu-border-support.example/ees/validate",)
    assert kinds["file"].name.endswith(".exe") and "ADMIN$" in kinds["file"].directory
    assert kinds["dns"].name.endswith(".t.tunnel-relay.example")


def test_decode_gives_one_record_per_id_in_time_order():
    bundles = sensed(run_technique("network-scan").packets)
    records = decode(bundles + list(reversed(bundles)))
    assert len(records) == len(bundles)
    assert records == sorted(records, key=lambda o: (o.time, o.id))


def test_site():
    site = Site(("198.51.100.0/24", "2001:db8:10::/48"), ("border.fr.example",))
    assert site.internal("198.51.100.7") and site.internal("2001:db8:10::1")
    assert not site.internal("203.0.113.66") and not site.internal("not an address")
    assert site.own_domain("intranet.border.fr.example") and site.own_domain("border.fr.example.")
    assert not site.own_domain("evilborder.fr.example")


def test_helpers():
    assert covering_network(["203.0.113.66"]) == "203.0.113.66"
    assert covering_network(["203.0.113.65", "203.0.113.78"]) == "203.0.113.64/28"
    assert common_suffix(["a1.b.t.z.example", "c2.d.t.z.example"]) == "t.z.example"
    assert entropy("aaaa") == 0 and entropy("abcd") == 2
    records = decode(sensed(run_technique("network-scan").packets))
    window = first_window(records, 0.1, lambda w: len(w) >= 2)
    assert window and window[-1].time - window[0].time <= 0.1
    assert first_window(records, 0.1, lambda w: len(w) > len(records)) is None
