"""indicators/export/sources.py: what an export reads, under TLP, from a bundle or a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators.export.sources import (
    ExportSourceError,
    StoreCollections,
    describe_reader,
    parse_reader,
    read_collections,
    readable,
)
from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Reader, Tlp
from tests.indicators.test_export_intake import stix_indicator


def marked(pattern: str, tlp: Tlp | None) -> dict:
    indicator = stix_indicator(pattern, f"{tlp}")
    if tlp is not None:
        indicator["object_marking_refs"] = [TLP2_MARKING_IDS[tlp]]
    return indicator


GREEN = marked("[ipv4-addr:value = '192.0.2.1']", Tlp.GREEN)
AMBER = marked("[ipv4-addr:value = '192.0.2.2']", Tlp.AMBER)
RED = marked("[ipv4-addr:value = '192.0.2.3']", Tlp.RED)
UNMARKED = marked("[ipv4-addr:value = '192.0.2.4']", None)


def test_parse_and_describe_readers() -> None:
    assert parse_reader("partner") == Reader(is_partner=True)
    assert parse_reader("director") == Reader(is_director=True)
    assert parse_reader("team= cert-de") == Reader(team="cert-de")
    for bad in ("team", "team=", "boss"):
        with pytest.raises(ValueError, match="expected partner, director or team=NAME"):
            parse_reader(bad)
    assert [describe_reader(parse_reader(v)) for v in ("partner", "director", "team=x")] == [
        "partner",
        "director",
        "team x",
    ]


def test_readable_keeps_what_the_reader_may_see_and_says_why_not() -> None:
    objects = [GREEN, AMBER, RED, UNMARKED, {"type": "identity", "id": "identity--x"}]
    kept, refused = readable(objects, Reader(is_partner=True))
    assert kept == [GREEN]
    assert dict(refused) == {
        AMBER["id"]: "TLP:AMBER: not readable as partner",
        RED["id"]: "TLP:RED: not readable as partner",
        UNMARKED["id"]: "TLP:AMBER: not readable as partner",
    }
    kept, refused = readable(objects, Reader(team="cert-de"))
    assert kept == [GREEN, AMBER, UNMARKED] and [r[0] for r in refused] == [RED["id"]]
    kept, refused = readable(objects, Reader(is_director=True))
    assert kept == [GREEN, AMBER, RED, UNMARKED] and refused == []


def test_store_collections_find_list_and_read(tmp_path: Path) -> None:
    with Store.open(tmp_path / "g.db") as store:
        store.ensure_api_root("grapevine", "Grapevine")
        shared = store.create_collection("grapevine", "Shared", alias="shared")
        store.add_objects("grapevine", shared.id, [GREEN, AMBER], producer="cert-de")
        known = StoreCollections.of(store)
        assert known.default_root() == "grapevine"
        assert known.find("grapevine", "shared") == known.find("grapevine", shared.id)
        with pytest.raises(
            ExportSourceError, match=r"'nope' is not in API root 'grapevine' \(shared\)"
        ):
            known.find("grapevine", "nope")
        with pytest.raises(ExportSourceError, match="API root 'other' not found"):
            known.find("other", "shared")
        (line,) = known.lines()
        assert line.split("\t")[:3] == ["grapevine", shared.id, "shared"]
        got = read_collections(store, None, ["shared"], Reader(is_partner=True))
        assert [o["id"] for o in got] == [GREEN["id"]]
        store.ensure_api_root("second", "Second")
        with pytest.raises(ExportSourceError, match="API roots grapevine, second: choose one"):
            read_collections(store, None, ["shared"], Reader(is_partner=True))
