"""``grapevine scenario``: list, validate, show and export exercise scenarios.

Actions::

    grapevine scenario list                       the built-in scenarios
    grapevine scenario validate FILE...           every error as FILE:LINE:COL: PATH: MESSAGE
    grapevine scenario timeline FILE              injects in time order with ATT&CK ids
    grapevine scenario schema [-o OUT]            JSON Schema of scenario files
    grapevine scenario pcap FILE -o OUT.pcapng    generated traffic with labels as comments

FILE is a path, or the name of a built-in scenario (``tutorial``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from range.errors import RangeError, UsageError
from scenarios import library
from scenarios.errors import ScenarioError
from scenarios.fields import format_duration
from scenarios.loader import ScenarioValidationError, load
from scenarios.model import Scenario
from scenarios.schema import scenario_schema
from scenarios.techniques import registry
from scenarios.world import World


def register(subparsers: Any) -> None:
    """Add the ``scenario`` command group to the ``grapevine`` parser."""
    parser = subparsers.add_parser(
        "scenario",
        help="list, validate, show and export exercise scenarios",
        description="List, validate, show and export exercise scenarios. FILE is a path, "
        "or the name of a built-in scenario (see `grapevine scenario list`).",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True

    p = sub.add_parser("list", help="list the built-in scenarios")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("validate", help="check scenario files and report every error")
    p.add_argument("files", nargs="+", metavar="FILE", help="a scenario file or built-in name")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("timeline", help="print the injects in time order with ATT&CK ids")
    p.add_argument("file", metavar="FILE", help="a scenario file or built-in name")
    p.add_argument("--team", metavar="T", help="only injects against team T")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=cmd_timeline)

    p = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout")
    p.set_defaults(handler=cmd_schema)

    p = sub.add_parser("pcap", help="write the scenario's traffic as pcapng plus a JSON sidecar")
    p.add_argument("file", metavar="FILE", help="a scenario file or built-in name")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pcapng", help="the pcapng file")
    p.add_argument("--team", metavar="T", help="only the traffic crossing team T's border")
    p.add_argument(
        "--sidecar", metavar="OUT.json", help="labels and ground truth (default: OUT with .json)"
    )
    p.set_defaults(handler=cmd_pcap)


# --- loading -------------------------------------------------------------------------


def open_scenario(spec: str) -> Scenario:
    """Load ``spec``: a path if such a file exists, else a built-in scenario's name."""
    path = Path(spec)
    if path.exists() or spec.endswith((".yaml", ".yml")) or "/" in spec:
        return load(path)
    if spec in library.names():
        return library.load(spec)
    raise ScenarioError(
        f"{spec}: no such file, and no built-in scenario of that name "
        f"(built-in: {', '.join(library.names())})"
    )


def _report(error: ScenarioValidationError, stream: TextIO) -> None:
    for issue in error.issues:
        print(issue, file=stream)
    count = len(error.issues)
    print(f"{count} error{'s' if count != 1 else ''}", file=stream)


def _open_for(args: argparse.Namespace) -> Scenario | None:
    """``args.file`` loaded, with ``args.team`` checked; None after reporting its issues."""
    try:
        scenario = open_scenario(args.file)
    except ScenarioValidationError as exc:
        _report(exc, sys.stderr)
        return None
    team = args.team
    if team is not None and team not in scenario.team_ids():
        raise UsageError(f"--team {team}: no such team (teams: {', '.join(scenario.team_ids())})")
    return scenario


def _clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours:d}:{rest // 60:02d}:{rest % 60:02d}"


# --- actions -------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    """Print one line per built-in scenario; exit 1 if one of them is invalid."""
    rows = [("NAME", "DURATION", "TEAMS", "INJECTS", "TITLE")]
    status = 0
    for name in library.names():
        try:
            scenario = library.load(name)
        except ScenarioValidationError as exc:
            rows.append((name, "-", "-", "-", f"INVALID: {exc.issues[0]}"))
            status = 1
            continue
        rows.append(
            (
                name,
                str(format_duration(scenario.duration)),
                str(len(scenario.teams)),
                str(len(scenario.injects)),
                scenario.title,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
    return status


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate every file; print ``FILE: ok`` or every issue. Exit 1 if any is invalid."""
    status = 0
    for spec in args.files:
        try:
            scenario = open_scenario(spec)
        except ScenarioValidationError as exc:
            _report(exc, sys.stderr)
            status = 1
            continue
        print(
            f"{spec}: ok - {scenario.title!r}, {format_duration(scenario.duration)}, "
            f"{len(scenario.teams)} teams, {len(scenario.partners)} partners, "
            f"{len(scenario.injects)} injects"
        )
    return status


def timeline_rows(scenario: Scenario, team: str | None = None) -> list[dict[str, Any]]:
    """The injects (and director messages) in time order, as plain rows."""
    rows: list[dict[str, Any]] = []
    world = World.resolve(scenario)
    for inject in scenario.injects:
        if team is not None and inject.team != team:
            continue
        technique = registry.get(inject.technique)
        attacker = world.injects[inject.id].attackers[0]
        rows.append(
            {
                "kind": "inject",
                "at": inject.at,
                "id": inject.id,
                "technique": inject.technique,
                "attack_ids": list(technique.attack_ids),
                "team": inject.team,
                "host": inject.host,
                "attacker": inject.attacker,
                "attacker_ip": attacker.ip,
                "impact_at": inject.impact_time,
                "description": inject.description or technique.summary,
            }
        )
    for message in scenario.messages:
        if team is not None and message.to and team not in message.to:
            continue
        rows.append({"kind": "message", "at": message.at, "to": message.to, "text": message.text})
    rows.sort(key=lambda r: (r["at"], r["kind"] != "message"))
    return rows


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print the scenario's injects in time order with their ATT&CK technique ids."""
    scenario = _open_for(args)
    if scenario is None:
        return 1
    rows = timeline_rows(scenario, args.team)
    if args.json:
        print(
            json.dumps(
                {"title": scenario.title, "duration": scenario.duration, "timeline": rows}, indent=2
            )
        )
        return 0
    print(
        f"{scenario.title} - {format_duration(scenario.duration)}, seed {scenario.seed}, "
        f"starts {scenario.start.isoformat()}"
    )
    table = [("AT", "INJECT", "TECHNIQUE", "ATT&CK", "TARGET", "ATTACKER", "IMPACT")]
    notes: dict[int, str] = {}
    for row in rows:
        if row["kind"] == "message":
            to = ", ".join(row["to"]) or "all teams"
            notes[len(table)] = f"{_clock(row['at'])}  message to {to}: {row['text']}"
            table.append(("",) * 7)
            continue
        attacker = row["attacker"]
        if attacker != row["attacker_ip"]:
            attacker = f"{attacker} ({row['attacker_ip']})"
        table.append(
            (
                _clock(row["at"]),
                row["id"],
                row["technique"],
                ",".join(row["attack_ids"]),
                f"{row['team']}/{row['host']}",
                attacker,
                _clock(row["impact_at"]),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(7)]
    for index, row in enumerate(table):
        if index in notes:
            print(notes[index])
        else:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Print (or write) the JSON Schema of scenario files."""
    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.output:
        out = Path(args.output)
        if not out.parent.is_dir():
            raise UsageError(f"{out}: the directory {out.parent} does not exist")
        part = out.with_name(out.name + ".part")
        part.write_text(text, encoding="utf-8")
        part.replace(out)  # an earlier schema file is never left half written
    else:
        sys.stdout.write(text)
    return 0


def cmd_pcap(args: argparse.Namespace) -> int:
    """Generate the scenario's traffic and write it as pcapng plus a JSON sidecar."""
    from scenarios.pcap import write_pcapng
    from scenarios.traffic import generate, ground_truth

    scenario = _open_for(args)
    if scenario is None:
        return 1
    out = Path(args.output)
    sidecar = Path(args.sidecar) if args.sidecar else out.with_suffix(".json")
    if sidecar == out:
        raise UsageError(f"--sidecar {sidecar}: would overwrite the pcap file")
    for given in (out, sidecar):
        if not given.parent.is_dir():
            raise UsageError(f"{given}: the directory {given.parent} does not exist")
    try:
        counts = write_pcapng(
            generate(scenario, team=args.team), out, sidecar, ground_truth(scenario, team=args.team)
        )
    except OSError as exc:
        raise RangeError(f"{out}: cannot write the capture: {exc}") from None
    total = sum(counts.values())
    injects = sum(n for label, n in counts.items() if label != "benign")
    print(f"wrote {out} ({total} frames, {injects} attack frames) and {sidecar}")
    return 0
