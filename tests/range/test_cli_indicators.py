"""range/commands/indicators.py: ``grapevine indicators export`` and ``validate``.

The commands run through the real dispatcher (``range.cli.main``) on real files: a
STIX bundle on disk and a Grapevine store (SQLite) filled through its writer.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import idstools.rule
import pytest
import stix2

from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Tlp
from range.cli import main
from tests.indicators.test_export_intake import stix_indicator


def make_indicator(pattern: str, name: str, tlp: Tlp | None = Tlp.GREEN, **extra: object) -> dict:
    indicator = stix_indicator(pattern, name, **extra)
    if tlp is not None:
        indicator["object_marking_refs"] = [TLP2_MARKING_IDS[tlp]]
    return indicator


C2 = make_indicator("[domain-name:value = 'c2.example']", "c2 domain")
SCAN = make_indicator(
    "[network-traffic:src_ref.value = '203.0.113.9' AND network-traffic:dst_port = 22 "
    "AND network-traffic:protocols[*] = 'tcp']",
    "ssh scanner",
)
SEQUENCE = make_indicator(
    "[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.1']", "sequence"
)
AMBER = make_indicator("[ipv4-addr:value = '198.51.100.66']", "amber only", tlp=Tlp.AMBER)
EXPIRED = make_indicator(
    "[ipv4-addr:value = '198.51.100.77']", "expired", valid_until="2026-03-03T00:00:00Z"
)
ALL = [C2, SCAN, SEQUENCE, AMBER, EXPIRED]


@pytest.fixture
def bundle_file(tmp_path: Path) -> Path:
    path = tmp_path / "shared.json"
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": ALL}
    path.write_text(json.dumps(bundle))
    return path


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "grapevine.db"
    with Store.open(path) as store:
        store.ensure_api_root("grapevine", "Grapevine exercise")
        info = store.create_collection("grapevine", "Shared", alias="shared")
        store.add_objects(
            "grapevine",
            info.id,
            ALL,
            producer="cert-de",
            date_added=datetime(2026, 3, 2, 9, tzinfo=UTC),
        )
        newer = {**C2, "modified": "2026-03-02T10:00:00.000Z", "name": "c2 domain v2"}
        store.add_objects("grapevine", info.id, [newer], producer="cert-de")
        other = store.create_collection("grapevine", "Other", alias="other")
        store.add_objects(
            "grapevine",
            other.id,
            [make_indicator("[ipv4-addr:value = '192.0.2.200']", "other")],
            producer="cert-fr",
        )
    return path


def rule_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_export_suricata_from_a_bundle_to_a_file(
    bundle_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "grapevine.rules"
    status = main(
        [
            "indicators",
            "export",
            "--format",
            "suricata",
            "--bundle",
            str(bundle_file),
            "--reader",
            "partner",
            "-o",
            str(out),
        ]
    )
    assert status == 0
    rules = rule_lines(out.read_text())
    parsed = [idstools.rule.parse(r) for r in rules]
    assert all(p is not None for p in parsed)
    ids = {m.split()[1] for p in parsed for m in p["metadata"] if m.startswith("stix_id")}
    assert ids == {C2["id"], SCAN["id"]}
    assert any(p["proto"] == "tcp" and p["source_addr"] == "203.0.113.9" for p in parsed)
    err = capsys.readouterr().err
    assert f"skipped {SEQUENCE['id']}: FOLLOWEDBY" in err
    assert f"skipped {AMBER['id']}: TLP:AMBER: not readable as partner" in err
    assert f"skipped {EXPIRED['id']}: expired" in err
    assert f"exported 2 of 5 indicators as suricata to {out}; 3 skipped" in err


def test_export_zeek_as_director_to_stdout_includes_amber(
    bundle_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "indicators",
            "export",
            "--format",
            "zeek-intel",
            "--bundle",
            str(bundle_file),
            "--reader",
            "director",
            "--include-expired",
            "--source",
            "cert-ee",
        ]
    )
    assert status == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url"
    values = {tuple(line.split("\t")[:3]) for line in lines[1:]}
    assert values == {
        ("c2.example", "Intel::DOMAIN", "cert-ee"),
        ("198.51.100.66", "Intel::ADDR", "cert-ee"),
        ("198.51.100.77", "Intel::ADDR", "cert-ee"),
    }
    assert f"skipped {SCAN['id']}: comparisons joined by AND" in captured.err


def test_export_stix_bundle_from_the_store_reads_latest_versions_within_tlp(
    store_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "indicators",
            "export",
            "--format",
            "stix-bundle",
            "--db",
            str(store_file),
            "--collection",
            "shared",
        ]
    )
    assert status == 0
    bundle = stix2.parse(capsys.readouterr().out, allow_custom=True)
    names = sorted(o.name for o in bundle.objects)
    # partner default: no AMBER; expired left out; latest version of c2
    assert names == ["c2 domain v2", "sequence", "ssh scanner"]


def test_export_from_the_store_as_a_team_reads_amber_and_several_collections(
    store_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["indicators", "export", "--format", "zeek-intel", "--db", str(store_file)]
    status = main(
        [*args, "--collection", "shared", "--collection", "other", "--reader", "team=cert-fr"]
    )
    assert status == 0
    values = {line.split("\t")[0] for line in capsys.readouterr().out.splitlines()[1:]}
    assert values == {"c2.example", "198.51.100.66", "192.0.2.200"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--collection", "missing"],
            "collection 'missing' is not in API root 'grapevine' (shared, other)",
        ),
        (["--collection", "shared", "--api-root", "nope"], "API root 'nope' not found"),
        (["--collection", "shared", "--reader", "team"], "--reader 'team': expected partner"),
    ],
)
def test_export_from_the_store_refuses_bad_options(
    store_file: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    status = main(["indicators", "export", "--format", "suricata", "--db", str(store_file), *extra])
    assert status in (1, 2)
    assert message in capsys.readouterr().err


def test_a_local_bundle_is_read_as_the_director_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = make_indicator("[ipv4-addr:value = '198.51.100.5']", "our own, unmarked", tlp=None)
    path = tmp_path / "ours.json"
    path.write_text(
        json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [own]})
    )
    assert main(["indicators", "export", "--format", "zeek-intel", "--bundle", str(path)]) == 0
    captured = capsys.readouterr()
    assert "198.51.100.5\tIntel::ADDR" in captured.out
    assert "not readable" not in captured.err and "exported 1 of 1" in captured.err


def test_export_from_the_store_without_a_collection_lists_them(
    store_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["indicators", "export", "--format", "suricata", "--db", str(store_file)]) == 2
    err = capsys.readouterr().err
    assert "--db needs at least one --collection" in err
    listed = [line.split("\t") for line in err.splitlines() if line.startswith("  grapevine\t")]
    assert [row[2] for row in listed] == ["shared", "other"]


def test_export_refuses_a_missing_store_without_creating_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "absent.db"
    status = main(
        ["indicators", "export", "--format", "suricata", "--db", str(db), "--collection", "x"]
    )
    assert status == 2
    assert f"no store there: {db}" in capsys.readouterr().err
    assert not db.exists()


def test_export_names_the_place_of_bad_json_and_leaves_the_output_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle",\n "objects": [ }')
    out = tmp_path / "rules.rules"
    out.write_text("previous rules\n")
    status = main(
        ["indicators", "export", "--format", "suricata", "--bundle", str(bad), "-o", str(out)]
    )
    assert status == 1
    assert f"{bad}:2:15: not valid JSON" in capsys.readouterr().err
    assert out.read_text() == "previous rules\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "rules.rules"]


def test_export_requires_a_format_and_a_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "export", "--bundle", "x.json"]) == 2
    assert "--format" in capsys.readouterr().err
    assert main(["indicators", "export", "--format", "snort", "--bundle", "x.json"]) == 2
    assert "invalid choice: 'snort'" in capsys.readouterr().err
    assert main(["indicators", "export", "--format", "suricata"]) == 2
    assert "one of the arguments --bundle --db is required" in capsys.readouterr().err


def test_validate_a_good_pattern(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "validate", "[domain-name:value = 'c2.example']"]) == 0
    assert capsys.readouterr().out == "valid\n"


def test_validate_shows_the_error_position_with_a_caret(capsys: pytest.CaptureFixture[str]) -> None:
    pattern = "[domain-name:value = 'c2.example' AND ipv4-addr:value = ]"
    assert main(["indicators", "validate", pattern]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("invalid pattern at position 56: ")
    assert err[1] == "  " + pattern
    assert err[2] == "  " + " " * 56 + "^"


def test_validate_prints_warnings_and_strict_fails_on_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pattern = "[domain-name:value = 'x.example' AND ipv4-addr:value = '192.0.2.1']"
    assert main(["indicators", "validate", pattern]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "valid, 1 warning(s)"
    assert out[1].startswith("warning at position 1: AND inside one [...] joins different")
    assert out[3] == "   ^"
    assert main(["indicators", "validate", "--strict", pattern]) == 1
    assert main(["indicators", "validate", "[process:name = 'a.exe']"]) == 0
    assert "the sensor never produces 'process' objects" in capsys.readouterr().out
    widened = ["--sensor-types", "process"]
    assert main(["indicators", "validate", *widened, "[process:name = 'a.exe']"]) == 0
    assert capsys.readouterr().out == "valid\n"


@pytest.mark.parametrize(
    ("pattern", "marked", "message"),
    [
        ("[ipv4-addr:valu = '203.0.113.7']", "valu", "never sets ipv4-addr:valu"),
        ("[ipv4-addr:value = '999.0.113.7']", "'999", "not an IPv4 address or CIDR block"),
        ("[network-traffic:dst_port = '22']", "'22'", "is an integer but '22' is a string"),
        ("[ipv4-adr:value = '203.0.113.7']", "ipv4-adr", "unknown object type 'ipv4-adr'"),
    ],
)
def test_validate_warns_about_what_the_sensor_never_produces(
    capsys: pytest.CaptureFixture[str], pattern: str, marked: str, message: str
) -> None:
    assert main(["indicators", "validate", pattern]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "valid, 1 warning(s)"
    assert message in out[1]
    assert out[2] == "  " + pattern
    assert out[3].index("^") - 2 == pattern.index(marked)
    assert main(["indicators", "validate", "--strict", pattern]) == 1


def test_validate_reads_the_pattern_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("[ipv4-addr:value = '192.0.2.1']\n"))
    assert main(["indicators", "validate", "-"]) == 0
    assert capsys.readouterr().out == "valid\n"


def test_export_suricata_domain_in_chooses_the_domain_rules(
    bundle_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["indicators", "export", "--format", "suricata", "--bundle", str(bundle_file)]
    args += ["--reader", "partner"]
    assert main([*args, "--domain-in", "dns"]) == 0
    rules = rule_lines(capsys.readouterr().out)
    protocols = sorted(idstools.rule.parse(r)["proto"] for r in rules)
    assert protocols == ["dns", "tcp"]  # the c2 domain in DNS only, and the scanner
    assert main([*args, "--domain-in", "dns,smtp"]) == 2
    assert "--domain-in 'dns,smtp': expected a comma-separated subset of dns,tls,http" in (
        capsys.readouterr().err
    )
