"""``grapevine indicators``: export indicators for partner tools, validate patterns.

::

    grapevine indicators export --format suricata --bundle shared.json -o grapevine.rules
    grapevine indicators export --format zeek-intel --db grapevine.db --collection shared
    grapevine indicators export --format stix-bundle --db grapevine.db --collection ID \\
        --reader team=cert-de -o cert-de.json
    grapevine indicators validate "[domain-name:value = 'c2.example']"

``export`` reads indicators from a STIX bundle file or from collections of the
store, keeps what the reader may see under TLP (``--reader``; by default the
director for a local bundle file, a partner -- TLP:CLEAR and TLP:GREEN only -- for
a store; :mod:`indicators.export.sources`), translates them (:mod:`indicators.export`) and
writes the file to ``-o`` or standard output. Every indicator it does not export
is listed on standard error with the reason, then a one-line summary.

``validate`` compiles a pattern with the matcher's compiler and prints ``valid``
and any warnings, or the error with a caret under the position; the exit status is
1 for an invalid pattern (and, with ``--strict``, for warnings). Warnings are about
what the range's sensor produces (:data:`indicators.patterns.sensor_profile.RANGE_SENSOR`):
object types, property paths, the type of each literal, address literals;
``--sensor-types`` widens the types.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from indicators.clock import SystemClock
from indicators.errors import PatternError
from indicators.export import FORMATS, ExportOptions, export
from indicators.export.sources import (
    READER_SYNTAX,
    ExportSourceError,
    StoreCollections,
    parse_reader,
    read_collections,
    readable,
)
from indicators.export.suricata import DOMAIN_BUFFERS, DOMAIN_PROTOCOLS
from indicators.patterns import validate_pattern
from indicators.patterns.sensor_profile import RANGE_SENSOR
from indicators.tlp import Reader
from range.commands.stores import open_existing
from range.errors import RangeError, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine indicators …`` to the CLI."""
    group = subparsers.add_parser(
        "indicators",
        help="export indicators for partner tools, validate STIX patterns",
        description="Export indicators (Suricata, Zeek intel, STIX bundle); validate patterns.",
    )
    actions = group.add_subparsers(dest="indicators_action", metavar="ACTION")
    actions.required = True

    exp = actions.add_parser(
        "export",
        help="write indicators as Suricata rules, a Zeek intel file or a STIX bundle",
        description=(
            "Translate indicators into a file partner tools load. Indicators that do not "
            "translate are listed on standard error with the reason."
        ),
    )
    exp.add_argument("--format", required=True, choices=FORMATS, help="the file to write")
    source = exp.add_mutually_exclusive_group(required=True)
    source.add_argument("--bundle", metavar="FILE", help="a STIX bundle (JSON) to read")
    source.add_argument("--db", metavar="PATH", help="the Grapevine store to read")
    exp.add_argument(
        "--collection",
        action="append",
        default=[],
        metavar="ID",
        help="collection id or alias to read from the store (repeatable; with --db)",
    )
    exp.add_argument(
        "--api-root",
        metavar="NAME",
        help="API root of the collections (default: the store's only API root)",
    )
    exp.add_argument(
        "--reader",
        metavar="WHO",
        help=f"read as {READER_SYNTAX} under TLP (default: director for --bundle, "
        "partner for --db)",
    )
    exp.add_argument("-o", "--output", metavar="OUT", help="file to write (default: stdout)")
    exp.add_argument(
        "--include-expired",
        action="store_true",
        help="also export indicators whose valid_until has passed",
    )
    exp.add_argument(
        "--domain-in",
        default=",".join(DOMAIN_PROTOCOLS),
        metavar="PROTOCOLS",
        help="suricata: protocols a domain name gets a rule for (default: %(default)s)",
    )
    exp.add_argument(
        "--source",
        default="grapevine",
        help="zeek-intel: the meta.source of every line (default: %(default)s)",
    )
    exp.add_argument(
        "--meta-url",
        metavar="TEMPLATE",
        help="zeek-intel: meta.url of each line, '{id}' replaced by the indicator id",
    )
    exp.set_defaults(handler=run_export)

    val = actions.add_parser(
        "validate",
        help="check a STIX pattern: errors with their position, and warnings",
        description="Compile a STIX 2.1 pattern the way the matcher does and report problems.",
    )
    val.add_argument("pattern", metavar="PATTERN", help="the pattern, or - to read stdin")
    val.add_argument(
        "--sensor-types",
        metavar="TYPES",
        help="comma-separated SCO types the sensor produces besides the range sensor's "
        f"({', '.join(sorted(RANGE_SENSOR.types))}); comparisons on other types are warned about",
    )
    val.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    val.set_defaults(handler=run_validate)

    register_test(actions)


# -- export -----------------------------------------------------------------------------


def _reader(value: str | None, from_bundle: bool) -> Reader:
    """The ``--reader``; by default the director for a local bundle file (its owner
    exports it) and a partner for a store (whose collections hold others' indicators)."""
    if value is None:
        return Reader(is_director=True) if from_bundle else Reader(is_partner=True)
    try:
        return parse_reader(value)
    except ValueError as exc:
        raise UsageError(f"--reader {exc}") from None


def parse_domain_in(value: str) -> tuple[str, ...]:
    """``dns,tls,http`` (any non-empty subset) as a tuple; else a usage error."""
    chosen = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    unknown = [p for p in chosen if p not in DOMAIN_BUFFERS]
    if not chosen or unknown:
        raise UsageError(
            f"--domain-in {value!r}: expected a comma-separated subset of "
            + ",".join(DOMAIN_BUFFERS)
        )
    return chosen


def read_bundle_file(path: str) -> list[dict[str, Any]]:
    """The objects of a STIX bundle file (or a JSON list of objects, or one object)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"--bundle {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--bundle {path}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RangeError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and data.get("type") == "bundle":
        objects = data.get("objects", [])
    elif isinstance(data, dict) and "type" in data:
        objects = [data]
    else:
        objects = data
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise RangeError(f"{path}: expected a STIX bundle, a list of STIX objects or one object")
    return objects


def read_store(
    db: str, api_root: str | None, collections: list[str], reader: Reader
) -> list[dict[str, Any]]:
    """The latest version of every indicator ``reader`` may see in the collections."""
    with open_existing(db) as store:
        if not collections:
            listing = "\n".join("  " + line for line in StoreCollections.of(store).lines())
            raise UsageError(
                f"--db needs at least one --collection (ID or alias); {db} has:\n{listing}"
            )
        try:
            return read_collections(store, api_root, collections, reader)
        except ExportSourceError as exc:
            raise UsageError(f"--db {db}: {exc}") from None


def run_export(args: argparse.Namespace) -> int:
    """The handler of ``grapevine indicators export``."""
    reader = _reader(args.reader, from_bundle=args.bundle is not None)
    if args.bundle is not None:
        if args.collection or args.api_root:
            raise UsageError("--collection and --api-root go with --db, not --bundle")
        indicators, refused = readable(read_bundle_file(args.bundle), reader)
    else:
        indicators, refused = read_store(args.db, args.api_root, args.collection, reader), []
    now = None if args.include_expired else SystemClock().now()
    options = ExportOptions(
        domain_in=parse_domain_in(args.domain_in), source=args.source, meta_url=args.meta_url
    )
    text, skipped = export(args.format, indicators, now=now, options=options)
    skipped = refused + skipped
    write_output(text, args.output)
    for object_id, reason in skipped:
        print(f"skipped {object_id}: {reason}", file=sys.stderr)
    total = len({i.get("id") for i in indicators}) + len(refused)
    exported = total - len(skipped)
    where = args.output or "stdout"
    print(
        f"exported {exported} of {total} indicators as {args.format} to {where}"
        + (f"; {len(skipped)} skipped" if skipped else ""),
        file=sys.stderr,
    )
    return 0


def write_output(text: str, output: str | None) -> None:
    """Write to ``output`` atomically (a temporary file renamed over it), or to stdout."""
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise UsageError(f"-o {output}: directory {target.parent} does not exist")
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- validate ---------------------------------------------------------------------------


def caret(pattern: str, position: int | None) -> list[str]:
    """Two lines showing ``pattern`` (its line holding ``position``) with a caret under it."""
    if position is None:
        return []
    start = pattern.rfind("\n", 0, position) + 1
    end = pattern.find("\n", position)
    line = pattern[start : end if end != -1 else len(pattern)]
    return ["  " + line, "  " + " " * (position - start) + "^"]


def run_validate(args: argparse.Namespace) -> int:
    """The handler of ``grapevine indicators validate``."""
    pattern = sys.stdin.read().strip() if args.pattern == "-" else args.pattern
    sensor = set(RANGE_SENSOR.types)
    if args.sensor_types:
        sensor |= {t.strip() for t in args.sensor_types.split(",") if t.strip()}
    try:
        warnings = validate_pattern(pattern, sensor_types=sensor, profile=RANGE_SENSOR)
    except PatternError as exc:
        where = f" at position {exc.position}" if exc.position is not None else ""
        print(f"invalid pattern{where}: {exc.reason}", file=sys.stderr)
        for line in caret(pattern, exc.position):
            print(line, file=sys.stderr)
        return 1
    print("valid" + (f", {len(warnings)} warning(s)" if warnings else ""))
    for warning in warnings:
        where = f" at position {warning.position}" if warning.position is not None else ""
        print(f"warning{where}: {warning.message}")
        for line in caret(pattern, warning.position):
            print(line)
    return 1 if warnings and args.strict else 0


# -- test -------------------------------------------------------------------------------


def register_test(actions: argparse._SubParsersAction) -> None:
    """Add ``grapevine indicators test PATTERN --scenario S [--team T] [--limit N]``."""
    test = actions.add_parser(
        "test",
        help="run a scenario's traffic through the sensor and show what a pattern matches",
        description=(
            "Generate the scenario's traffic, decode it with the range's sensor and feed "
            "the observations to the streaming matcher. Every match is listed with its "
            "time, flow and the observed values; exit 0 if the pattern matched, 1 if not, "
            "2 if it does not compile."
        ),
    )
    test.add_argument("pattern", metavar="PATTERN", help="the pattern, or - to read stdin")
    test.add_argument(
        "--scenario", required=True, metavar="S", help="a scenario file or built-in name"
    )
    test.add_argument("--team", metavar="T", help="only the traffic crossing team T's border")
    test.add_argument(
        "--limit", type=int, default=20, metavar="N", help="matches listed (default: %(default)s)"
    )
    test.set_defaults(handler=run_test)


def _flow_summary(objects: dict[str, dict[str, Any]]) -> str:
    """``tcp 198.51.100.7:41000 -> 192.0.2.20:80`` for an observation's traffic, or its types."""
    for obj in objects.values():
        if obj["type"] == "network-traffic":
            src = objects.get(obj.get("src_ref", ""), {}).get("value", "?")
            dst = objects.get(obj.get("dst_ref", ""), {}).get("value", "?")
            proto = "/".join(obj.get("protocols", [])[1:]) or "?"
            sport = f":{obj['src_port']}" if "src_port" in obj else ""
            dport = f":{obj['dst_port']}" if "dst_port" in obj else ""
            return f"{proto} {src}{sport} -> {dst}{dport}"
    return ", ".join(sorted({o["type"] for o in objects.values()}))


def _values(objects: dict[str, dict[str, Any]]) -> list[str]:
    """``type=value`` of the observation's named SCOs (addresses, names, URLs, files...)."""
    out = []
    for obj in objects.values():
        for prop in ("value", "name", "path", "subject"):
            if isinstance(obj.get(prop), str):
                out.append(f"{obj['type']}:{prop}={obj[prop]}")
        request = obj.get("extensions", {}).get("http-request-ext")
        if request:
            out.append(f"http:{request['request_method']} {request['request_value']}")
    return list(dict.fromkeys(out))


def run_test(args: argparse.Namespace) -> int:
    """The handler of ``grapevine indicators test``."""
    from indicators.streaming import StreamMatcher
    from range.commands.scenario import open_scenario
    from range.sensor import Sensor
    from scenarios.traffic import generate

    pattern = sys.stdin.read().strip() if args.pattern == "-" else args.pattern
    if args.limit < 0:
        raise UsageError(f"--limit must be 0 or more, not {args.limit}")
    matcher = StreamMatcher()
    try:
        matcher.deploy("indicator--test", pattern)
    except PatternError as exc:
        where = f" at position {exc.position}" if exc.position is not None else ""
        print(f"invalid pattern{where}: {exc.reason}", file=sys.stderr)
        for line in caret(pattern, exc.position):
            print(line, file=sys.stderr)
        return 2
    scenario = open_scenario(args.scenario)
    sensor = Sensor()
    seen: dict[str, dict[str, dict[str, Any]]] = {}
    """observed-data id -> its SCOs by id, for the observations a match names."""
    count = observations = 0

    def check(found: list) -> None:
        nonlocal count, observations
        for obs in found:
            observations += 1
            objects = obs.bundle["objects"]
            seen[objects[0]["id"]] = {o["id"]: o for o in objects[1:]}
            for hit in matcher.feed(objects[0], scos=objects[1:]):
                count += 1
                if count <= args.limit:
                    when = hit.time.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
                    for ident in hit.observation_ids:
                        scos = seen.get(ident, {})
                        print(f"{when}  {_flow_summary(scos)}")
                        print(f"    {'  '.join(_values(scos))}")
            if len(seen) > 100_000:
                seen.clear()

    for frame in generate(scenario, args.team):
        check(sensor.feed(frame.time, frame.data, frame.label))
    check(sensor.flush())
    shown = f" (first {args.limit} shown)" if count > args.limit else ""
    print(f"{count} match(es) in {observations} observations{shown}")
    return 0 if count else 1
