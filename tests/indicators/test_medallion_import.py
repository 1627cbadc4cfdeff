"""indicators/medallion_import.py: reading medallion memory-backend data files."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.errors import StixValidationError
from indicators.medallion_import import (
    MedallionDataError,
    decode_medallion_json,
    parse_medallion_data,
    parse_timestamp,
    read_medallion_file,
)
from tests.indicators.factory import MEDALLION_DATA_FILE, medallion_document

SOURCE = "data.json"
QUIRKS_FILE = MEDALLION_DATA_FILE.parent / "medallion_quirks.json"
"""A medallion 3.0 data file with the departures from TAXII 2.1 that medallion's own
test data has (written for these tests, not copied)."""
ROOT = "cert-vineland"


def _high(document: dict[str, Any]) -> dict[str, Any]:
    return document[ROOT]["collections"][0]


# -- the data file as medallion holds it --------------------------------------


def test_reads_every_part_of_the_data_file() -> None:
    data = read_medallion_file(str(MEDALLION_DATA_FILE))
    document = medallion_document()

    assert data.source == str(MEDALLION_DATA_FILE)
    assert data.warnings == ()
    assert [r.name for r in data.api_roots] == ["cert-vineland", "partners", "archive"]
    root = data.api_roots[0]
    assert root.title == "CERT-Vineland sharing"
    assert root.versions == ("application/taxii+json;version=2.1",)
    assert root.max_content_length == 10485760
    assert data.api_roots[2].description is None

    assert data.discovery is not None
    assert data.discovery.default == "cert-vineland"
    assert data.discovery.api_roots == ("cert-vineland", "partners", "archive")
    assert data.discovery.contact == "taxii-admin@cert-vineland.example"

    flags = [(c.title, c.can_read, c.can_write) for c in data.collections]
    assert flags == [
        ("High value indicators", True, True),
        ("Partner feed", True, False),
        ("Drop box", False, True),
        ("Closed exercise 2025", False, False),
        ("Shared campaign context", True, True),
    ]
    assert data.collections[0].alias == "high-value"
    assert data.collections[0].id == _high(document)["id"]

    expected_statuses = [s for name in (ROOT, "partners") for s in document[name]["status"]]
    assert [dict(s.resource) for s in data.statuses] == expected_statuses


def test_every_object_version_keeps_its_manifest_date_added() -> None:
    document = medallion_document()
    data = parse_medallion_data(document, SOURCE)
    expected = {}
    for name, body in document.items():
        if name == "/discovery":
            continue
        for collection in body["collections"]:
            for entry in collection["manifest"]:
                key = (name, collection["id"], entry["id"], parse_timestamp(entry["version"]))
                expected[key] = entry["date_added"]
    got = {
        (o.api_root, o.collection_id, o.object_id, parse_timestamp(o.version)): o.date_added_text
        for o in data.objects
    }
    assert got == expected
    assert len(data.objects) == 15
    indicator = [o for o in data.objects if o.object_id.startswith("indicator--d23f")]
    assert [o.version for o in indicator] == [
        "2026-01-10T09:00:00.000Z",
        "2026-01-12T10:30:00.000Z",
        "2026-01-15T08:00:00.123Z",
    ]
    assert indicator[2].date_added == datetime(2026, 1, 15, 8, 0, 5, 123456, tzinfo=UTC)


def test_hidden_members_never_reach_the_records() -> None:
    data = parse_medallion_data(medallion_document(), SOURCE)
    sco = next(o for o in data.objects if o.object_id.startswith("ipv4-addr--"))
    assert "_date_added" not in sco.stix
    assert sco.version == "2026-01-10T09:00:05.000000Z"
    assert sco.stix["value"] == "203.0.113.45"
    for version in data.objects:
        assert "__meta" not in version.stix and "_date_added" not in version.stix


def test_objects_are_kept_exactly_as_medallion_serves_them() -> None:
    document = medallion_document()
    data = parse_medallion_data(document, SOURCE)
    served = [
        {k: v for k, v in obj.items() if k != "_date_added"} for obj in _high(document)["objects"]
    ]
    assert [dict(o.stix) for o in data.objects_in(ROOT, _high(document)["id"])] == served


def _to_meta_shape(document: dict[str, Any]) -> dict[str, Any]:
    """The same data the way later medallion releases keep it: ``__meta`` per object."""
    converted = copy.deepcopy(document)
    for name, body in converted.items():
        if name == "/discovery":
            continue
        for collection in body["collections"]:
            entries = {(e["id"], parse_timestamp(e["version"])): e for e in collection["manifest"]}
            for obj in collection["objects"]:
                version = obj.get("modified", obj.get("created", obj.get("_date_added")))
                entry = entries[(obj["id"], parse_timestamp(version))]
                obj["__meta"] = {
                    "date_added": entry["date_added"],
                    "media_type": entry["media_type"],
                }
            del collection["manifest"]
    return converted


def test_the_later_meta_shape_gives_the_same_records() -> None:
    document = medallion_document()
    assert parse_medallion_data(_to_meta_shape(document), SOURCE) == parse_medallion_data(
        document, SOURCE
    )


def test_discovery_mismatches_are_warnings_not_errors() -> None:
    document = medallion_document()
    document["/discovery"]["api_roots"] = [
        "http://localhost:5000/cert-vineland/",
        "http://localhost:5000/partners/",
        "http://localhost:5000/gone/",
    ]
    data = parse_medallion_data(document, SOURCE)
    assert len(data.api_roots) == 3
    assert any("'gone'" in w and "does not hold" in w for w in data.warnings)
    assert any("'archive'" in w and "does not advertise" in w for w in data.warnings)


def test_a_file_without_discovery_is_still_medallion_data() -> None:
    document = medallion_document()
    del document["/discovery"]
    data = parse_medallion_data(document, SOURCE)
    assert data.discovery is None
    assert len(data.collections) == 5


# -- bad input: every error names the file and where --------------------------


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{\n  "/discovery": {"title": "x",}\n}\n')
    with pytest.raises(MedallionDataError) as caught:
        read_medallion_file(str(bad))
    assert str(caught.value).startswith(f"{bad}: line 2 column")
    assert "not valid JSON" in str(caught.value)


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MedallionDataError, match="cannot read the file"):
        read_medallion_file(str(tmp_path / "missing.json"))


def test_binary_garbage_is_not_json() -> None:
    with pytest.raises(MedallionDataError, match=r"data\.json: .*not"):
        decode_medallion_json(b"\xff\xfe\x00garbage", SOURCE)


@pytest.mark.parametrize(
    "document",
    [[], "medallion", {"objects": [{"type": "indicator"}]}, {"type": "bundle", "objects": []}],
)
def test_other_json_is_not_a_medallion_data_file(document: object) -> None:
    with pytest.raises(MedallionDataError, match=r"^data\.json: \$: not a medallion data file"):
        parse_medallion_data(document, SOURCE)


def _mutate(path: tuple[Any, ...], value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    document = medallion_document()
    node = document
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


C0 = (ROOT, "collections", 0)
BAD_STRUCTURE = [
    # (mutation, expected JSON path in the message, expected words)
    (
        _mutate((*C0, "can_read"), delete=True),
        '$["cert-vineland"].collections[0]',
        "missing required member 'can_read'",
    ),
    (
        _mutate((*C0, "can_write"), "yes"),
        '$["cert-vineland"].collections[0].can_write',
        "must be true or false",
    ),
    (_mutate((*C0, "objects"), {}), '$["cert-vineland"].collections[0].objects', "JSON array"),
    (
        _mutate((*C0, "manifest", 1, "date_added"), "10/01/2026"),
        '$["cert-vineland"].collections[0].manifest[1].date_added',
        "not a timestamp",
    ),
    (
        _mutate((*C0, "manifest", 1), delete=True),
        '$["cert-vineland"].collections[0].objects[1] (indicator--d23f',
        "no manifest entry for this version",
    ),
    (
        _mutate((ROOT, "collections", 2, "objects"), []),
        '$["cert-vineland"].collections[2].manifest[0] (indicator--a170',
        "has no object",
    ),
    (
        _mutate((ROOT, "information"), delete=True),
        '$["cert-vineland"]',
        "missing required member 'information'",
    ),
    (
        _mutate((ROOT, "information", "max_content_length"), "10MB"),
        '$["cert-vineland"].information.max_content_length',
        "non-negative integer",
    ),
    (
        _mutate((ROOT, "status", 0, "total_count"), 7),
        '$["cert-vineland"].status[0]',
        "total_count is not",
    ),
    (
        _mutate((ROOT, "status", 1, "status"), "done"),
        '$["cert-vineland"].status[1].status',
        "'complete' or 'pending'",
    ),
    (
        _mutate((ROOT, "status", 1, "pendings", 0), "indicator--x"),
        '$["cert-vineland"].status[1].pendings[0]',
        "must be a JSON object",
    ),
    (
        _mutate((ROOT, "collections", 1, "id"), medallion_document()[ROOT]["collections"][0]["id"]),
        '$["cert-vineland"].collections',
        "duplicate collection id",
    ),
    (
        _mutate((*C0, "objects", 4, "_date_added"), "2026-01-10T09:00:06.000000Z"),
        '$["cert-vineland"].collections[0].objects[4]',
        "no manifest entry",
    ),
    (
        _mutate(("/discovery", "api_roots", 0), "http://localhost:5000"),
        '$["/discovery"].api_roots[0]',
        "does not name an API root",
    ),
]


@pytest.mark.parametrize(("document", "where", "words"), BAD_STRUCTURE)
def test_structural_errors_name_the_file_and_json_path(
    document: dict[str, Any], where: str, words: str
) -> None:
    with pytest.raises(MedallionDataError) as caught:
        parse_medallion_data(document, SOURCE)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}: {where}"), message
    assert words in message


def test_a_second_copy_of_one_version_is_refused() -> None:
    document = medallion_document()
    objects = _high(document)["objects"]
    objects.append(copy.deepcopy(objects[1]))
    with pytest.raises(MedallionDataError, match=r"objects\[8\] \(indicator--.*second copy"):
        parse_medallion_data(document, SOURCE)


def test_an_sco_version_must_be_its_date_added() -> None:
    document = medallion_document()
    entry = _high(document)["manifest"][4]
    entry["date_added"] = "2026-01-10T09:00:07.000000Z"
    with pytest.raises(MedallionDataError) as caught:
        parse_medallion_data(document, SOURCE)
    assert caught.value.object_id is not None and caught.value.object_id.startswith("ipv4-addr--")
    assert "versioned by its date_added" in str(caught.value)


def test_api_root_names_are_one_path_segment() -> None:
    document = medallion_document()
    document["a/b"] = document.pop("archive")
    with pytest.raises(MedallionDataError, match=r'\$\["a/b"\]: .*one URL path segment'):
        parse_medallion_data(document, SOURCE)


def test_invalid_stix_names_the_file_path_and_object_id() -> None:
    document = medallion_document()
    indicator = _high(document)["objects"][1]
    del indicator["pattern_type"]
    with pytest.raises(StixValidationError) as caught:
        parse_medallion_data(document, SOURCE)
    assert caught.value.object_id == indicator["id"]
    assert f'{SOURCE}: $["cert-vineland"].collections[0].objects[1]' in str(caught.value)
    assert "pattern_type" in str(caught.value)


@pytest.mark.parametrize("pattern", ["", "   ", "(("])
def test_a_pattern_stix2_crashes_on_is_invalid_stix(pattern: str) -> None:
    """stix2-patterns raises UnboundLocalError on an empty pattern; the store's own
    validation turns any such crash into a validation failure, and so does the file's."""
    document = medallion_document()
    indicator = _high(document)["objects"][1]
    indicator["pattern"] = pattern
    with pytest.raises(StixValidationError) as caught:
        parse_medallion_data(document, SOURCE)
    assert caught.value.object_id == indicator["id"]
    assert f'{SOURCE}: $["cert-vineland"].collections[0].objects[1]: invalid STIX 2.1' in str(
        caught.value
    )


def test_every_record_carries_the_stores_validation_of_its_object() -> None:
    data = parse_medallion_data(medallion_document(), SOURCE)
    for version in data.objects:
        assert version.prepared.stix_id == version.object_id
        assert version.prepared.obj == version.stix


def test_stix_20_content_is_left_out_with_a_warning_naming_its_path() -> None:
    """medallion serves a version its manifest calls STIX 2.0 (its own test data has
    one); Grapevine serves STIX 2.1 only, so that version alone is not imported."""
    document = medallion_document()
    entry = _high(document)["manifest"][2]
    entry["media_type"] = "application/stix+json;version=2.0"
    whole = parse_medallion_data(medallion_document(), SOURCE)
    data = parse_medallion_data(document, SOURCE)
    left_out = [
        v for v in whole.objects if (v.object_id, v.version) == (entry["id"], entry["version"])
    ]
    assert len(left_out) == 1
    assert [v for v in whole.objects if v not in left_out] == list(data.objects)
    (warning,) = data.warnings
    assert warning.startswith(f"{SOURCE}: {left_out[0].path} ({entry['id']}, version ")
    assert "STIX 2.0 content" in warning and "not imported" in warning


def test_medallion_3_quirks_are_imported_with_warnings() -> None:
    """A file with the departures medallion 3.0's own test data has (a status with
    'total_objects', a STIX 2.0 version without spec_version): imported, each
    departure a warning naming its JSON path."""
    data = read_medallion_file(str(QUIRKS_FILE))
    source = str(QUIRKS_FILE)
    assert sorted(data.warnings) == sorted(
        [
            f"{source}: $.quirks.status[1].total_objects: not a TAXII 2.1 status member"
            " (medallion tolerates it); imported as 'total_count'",
            f"{source}: $.quirks.collections[1].objects[3] (malware--6d1f2a9e-3c4b-4e5f-8a7b-"
            "9c0d1e2f3a4b, version 2025-04-03T10:00:00.000Z): STIX 2.0 content"
            " (application/stix+json;version=2.0); not imported: Grapevine serves STIX 2.1 only",
        ]
    )
    status = {s.id[-1]: s.resource for s in data.statuses}
    assert status["2"]["total_count"] == 0 and "total_objects" not in status["2"]
    assert status["1"]["total_count"] == 3
    assert [(v.object_id[:9], v.version) for v in data.objects] == [
        ("indicator", "2025-04-01T08:00:00.000Z"),
        ("indicator", "2025-04-02T08:00:00.000Z"),
        ("marking-d", "2017-01-20T00:00:00.000Z"),
        ("malware--", "2025-03-30T10:00:00.000Z"),
    ]


def test_medallion_itself_loads_and_serves_the_quirks_file() -> None:
    """The quirks file is one medallion 3.0 loads: its memory backend serves the
    status with 'total_objects' and the STIX 2.0 version as they are."""
    from medallion.backends.memory_backend import MemoryBackend

    backend = MemoryBackend(filename=str(QUIRKS_FILE), session_timeout=60)
    status = backend.get_status("quirks", "5b0f7c1e-1111-4a2b-8c3d-000000000002")
    assert status["total_objects"] == 0
    collection = backend._get("quirks")["collections"][1]
    assert len(collection["objects"]) == 5


def test_taxii_20_manifests_are_named_as_such() -> None:
    document = medallion_document()
    entry = _high(document)["manifest"][0]
    entry["versions"] = [entry.pop("version")]
    with pytest.raises(MedallionDataError, match=r"TAXII 2\.0 manifest entry"):
        parse_medallion_data(document, SOURCE)


# -- generated files -----------------------------------------------------------

_INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def _stamp(moment: datetime, *, micro: bool) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


@st.composite
def _collections(draw: st.DrawFn) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """A collection of indicators with several versions each, and what each should keep."""
    objects, manifest, expected = [], [], {}
    shared = _stamp(draw(_INSTANTS), micro=True)
    for n in range(draw(st.integers(1, 4))):
        object_id = f"indicator--00000000-0000-4000-8000-{n:012d}"
        created = draw(_INSTANTS).replace(microsecond=0)
        stamps = sorted(draw(st.sets(_INSTANTS, min_size=1, max_size=3)))
        for moment in stamps:
            modified = max(moment, created).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            if any(o["modified"] == modified and o["id"] == object_id for o in objects):
                continue
            objects.append(
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": object_id,
                    "created": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "modified": modified,
                    "pattern": f"[ipv4-addr:value = '198.51.100.{n}']",
                    "pattern_type": "stix",
                    "valid_from": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
            date_added = draw(
                st.one_of(
                    st.just(shared),
                    _INSTANTS.map(lambda m: _stamp(m, micro=draw(st.booleans()))),
                )
            )
            manifest.append(
                {
                    "id": object_id,
                    "date_added": date_added,
                    "version": modified,
                    "media_type": "application/stix+json;version=2.1",
                }
            )
            expected[(object_id, modified)] = date_added
    draw(st.randoms()).shuffle(manifest)
    collection = {
        "id": "5a5a5a5a-0000-4000-8000-000000000001",
        "title": "generated",
        "can_read": draw(st.booleans()),
        "can_write": draw(st.booleans()),
        "media_types": ["application/stix+json;version=2.1"],
        "objects": objects,
        "manifest": manifest,
    }
    return collection, expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_collections())
def test_generated_files_keep_every_version_and_date_added(
    generated: tuple[dict[str, Any], dict[tuple[str, str], str]],
) -> None:
    collection, expected = generated
    document = {
        "r": {
            "information": {"title": "t", "versions": [], "max_content_length": 1},
            "collections": [collection],
        }
    }
    data = parse_medallion_data(json.loads(json.dumps(document)), SOURCE)
    assert {(o.object_id, o.version): o.date_added_text for o in data.objects} == expected
    assert (data.collections[0].can_read, data.collections[0].can_write) == (
        collection["can_read"],
        collection["can_write"],
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_ALL_PATHS = _paths(medallion_document())


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_ALL_PATHS),
    st.one_of(st.none(), st.integers(-2, 2), st.text(max_size=3), st.just([]), st.just({})),
    st.booleans(),
)
def test_any_damage_is_a_grapevine_error_or_harmless(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    """Damage anywhere in the file: a clear error or a successful parse, never a crash."""
    document = _mutate(path, value, delete=delete)
    try:
        parse_medallion_data(document, SOURCE)
    except (MedallionDataError, StixValidationError) as exc:
        assert str(exc).startswith(SOURCE) or exc.__class__ is StixValidationError
        assert SOURCE in str(exc)
