from __future__ import annotations

from indicators.store import ObjectFilter, Store
from indicators.tlp import TLP2_MARKING_IDS, Reader, Tlp
from range.sightings import SightingState, sighting_id, sighting_object

T = 1_767_600_000.0


def test_sighting_versions_are_stored_and_never_less_strict(tmp_path):
    state = SightingState("indicator--0e0e0e0e-0000-4000-8000-000000000001", "ee", Tlp.CLEAR)
    state.seen(T + 5, T + 6)
    state.seen(T + 2, T + 7)
    assert (state.count, state.first_seen, state.last_seen) == (2, T + 2, T + 5)
    with Store.open(tmp_path / "s.db") as store:
        store.ensure_api_root("grapevine", "Grapevine exercise")
        coll = store.provision_team("lv", "grapevine")
        ident = store.ensure_team("lv")
        first = sighting_object(state, "lv", ident, T + 7)
        assert first["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.GREEN]]  # CLEAR -> GREEN
        state.seen(T + 9, T + 10)
        second = sighting_object(state, "lv", ident, T + 10)
        status = store.add_objects("grapevine", coll.id, [first, second, second])
        assert status["failure_count"] == 0
        every = ObjectFilter(versions=frozenset({"all"}))
        rows = store.query("grapevine", coll.id, Reader(team="ee"), every, limit=None).objects()
        assert [r["count"] for r in rows] == [2, 3]
        assert {r["id"] for r in rows} == {sighting_id("lv", state.indicator_id)}
    red = SightingState("indicator--x", "ee", Tlp.RED)
    assert sighting_object(red, "lv", "identity--x", T)["object_marking_refs"] == [
        TLP2_MARKING_IDS[Tlp.RED]
    ]
