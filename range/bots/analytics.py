"""Heuristic detectors over a team's observations: what a simulated analyst notices.

Pure: STIX observation bundles (``{"type": "bundle", "objects": [observed-data,
SCOs...]}``, as ``GET /api/teams/{team}/observations`` returns them in ``objects``)
and what the team knows of itself (:class:`~range.bots.observations.Site`) in,
:class:`Finding` objects out. Nothing here reads labels or the scenario's ground
truth; a detector sees only what a sensor decoded.

===================  ======================================  ==========================
kind                 what gives it away                      the pattern names
===================  ======================================  ==========================
``port-scan``        bare SYNs to many ports or hosts        the source address
``ssh-brute-force``  many connections to port 22             source and port 22
``web-brute-force``  many POSTs to one URL                   source, POST and path
``web-exploit``      path traversal or a shell in a URL      the request's shape
``http-beacon``      regular calls from inside to outside    the server's name
``dns-tunnel``       many long labels under one zone         the zone (``LIKE``)
``dga``              bursts of random-looking names          their shape (``MATCHES``)
``http-exfil``       large uploads from inside to outside    the server's name
``syn-flood``        bare SYNs to a service, many sources    target, port, source CIDR
``udp-flood``        high-rate UDP to a service              target, port, source CIDR
``smb-lateral``      executables written to an admin share   the file name
``ransomware``       many files renamed to one extension     the extension (``LIKE``)
``phishing``         mail linking outside the team           the sender
``drone-spoof``      MAVLink telemetry from outside          source and MAVLink port
===================  ======================================  ==========================

Thresholds are module constants; :func:`detect` runs every detector and returns the
findings sorted by (first seen, key), so the same observations give the same list.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from range.bots.observations import (
    Obs,
    Site,
    address_pattern,
    as_network,
    block_for,
    common_suffix,
    covering_network,
    entropy,
    first_window,
    is_address,
    registered,
    url_host,
)
from scenarios.techniques.base import stix_string

EVIDENCE_MAX = 50
"""Observation ids a finding keeps as evidence."""

SCAN_WINDOW, SCAN_PORTS = 60.0, 6
BRUTE_WINDOW, SSH_CONNECTIONS, SSH_INSIDE, WEB_POSTS = 120.0, 8, 20, 10
BEACON_VISITS, BEACON_MIN_GAP, BEACON_MAX_CV = 6, 5.0, 0.3
TUNNEL_WINDOW, TUNNEL_NAMES, TUNNEL_LABEL = 120.0, 10, 24.0
DGA_WINDOW, DGA_NAMES, DGA_ENTROPY, DGA_PER_PARENT = 60.0, 20, 2.8, 3
EXFIL_WINDOW, EXFIL_BYTES, EXFIL_UPLOADS = 600.0, 100_000, 2
FLOOD_WINDOW, SYN_FLOWS, UDP_PACKETS, UDP_RATE = 10.0, 100, 500, 100.0
RANSOM_FILES = 5
MAVLINK_PORT = 14550
SSH_PORT = 22
SMB_PORTS = (445, 139)
SMTP_PORTS = (25, 587)
ADMIN_SHARES = re.compile(r"\\(ADMIN\$|C\$|IPC\$)", re.IGNORECASE)
EXECUTABLE = re.compile(r"\.(exe|dll|sys|bat|ps1|scr)$", re.IGNORECASE)
TRAVERSAL = r"(\.|%2e)(\.|%2e)(/|%2f|\\)"
SHELL = r"/bin/(ba)?sh|cmd\.exe|powershell"
EXPLOIT = re.compile(f"{TRAVERSAL}|{SHELL}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a detector saw, with the indicator an analyst would write for it."""

    kind: str
    key: str
    """Stable identity (kind and what it is about): re-running the analytics over more
    observations of the same activity gives the same key."""
    pattern: str
    evidence: tuple[str, ...]
    """Ids of the observations that show it (at most :data:`EVIDENCE_MAX`)."""
    confidence: float
    first_seen: float
    """Epoch seconds of the earliest evidence."""
    response: tuple[str, str] | None = None
    """The response rule it calls for: (``block-ip`` | ``block-cidr`` |
    ``sinkhole-domain``, value), when the detector knows what to block."""
    summary: str = ""


def _finding(
    kind: str,
    anchor: str,
    pattern: str,
    evidence: Sequence[Obs],
    confidence: float,
    response: tuple[str, str] | None,
    summary: str,
) -> Finding:
    ids = tuple(o.id for o in evidence[:EVIDENCE_MAX])
    return Finding(
        kind,
        f"{kind}|{anchor}",
        pattern,
        ids,
        round(min(1.0, max(0.0, confidence)), 3),
        min(o.time for o in evidence),
        response,
        summary,
    )


def _grouped(items: Iterable[Obs], key: Callable[[Obs], Any]) -> dict[Any, list[Obs]]:
    groups: dict[Any, list[Obs]] = defaultdict(list)
    for o in items:
        groups[key(o)].append(o)
    return groups


# -- the detectors ---------------------------------------------------------------------------


def port_scan(obs: Sequence[Obs], site: Site) -> list[Finding]:
    probes = [o for o in obs if o.kind == "flow" and o.proto == "tcp" and o.src_bytes == 0]
    probes = [o for o in probes if o.flags >= 0 and o.flags & 0x02 and o.src_packets <= 3]
    out = []
    for src, items in sorted(_grouped(probes, lambda o: o.src).items()):

        def wide(w: Sequence[Obs]) -> bool:
            ports = _grouped(w, lambda o: o.dst)
            return (
                max(len({o.dport for o in v}) for v in ports.values()) >= SCAN_PORTS
                or len(ports) >= SCAN_PORTS
            )

        hit = first_window(items, SCAN_WINDOW, wide)
        if hit:
            targets = {(o.dst, o.dport) for o in hit}
            out.append(
                _finding(
                    "port-scan",
                    src,
                    address_pattern(src),
                    hit,
                    len(targets) / (3 * SCAN_PORTS),
                    block_for(src),
                    f"{src} probed {len(targets)} ports/hosts with bare SYNs",
                )
            )
    return out


def ssh_brute_force(obs: Sequence[Obs], site: Site) -> list[Finding]:
    conns = [o for o in obs if o.kind == "flow" and o.proto == "tcp" and o.dport == SSH_PORT]
    out = []
    for src, items in sorted(_grouped(conns, lambda o: o.src).items()):
        least = SSH_INSIDE if site.internal(src) else SSH_CONNECTIONS  # admins log in from inside
        hit = first_window(items, BRUTE_WINDOW, lambda w, n=least: len(w) >= n)
        if hit:
            pattern = (
                f"[network-traffic:dst_port = {SSH_PORT} AND "
                f"network-traffic:src_ref.value = '{src}']"
            )
            out.append(
                _finding(
                    "ssh-brute-force",
                    src,
                    pattern,
                    hit,
                    len(hit) / (2 * SSH_CONNECTIONS),
                    block_for(src),
                    f"{len(hit)} SSH connections from {src} within {BRUTE_WINDOW:g}s",
                )
            )
    return out


def web_brute_force(obs: Sequence[Obs], site: Site) -> list[Finding]:
    posts = [o for o in obs if o.kind == "http" and o.method == "POST"]
    out = []
    groups = _grouped(posts, lambda o: (o.src, o.target.split("?")[0]))
    for (src, path), items in sorted(groups.items()):
        hit = first_window(items, BRUTE_WINDOW, lambda w: len(w) >= WEB_POSTS)
        if hit:
            pattern = (
                f"[network-traffic:src_ref.value = '{src}' AND "
                "network-traffic:extensions.'http-request-ext'.request_method = 'POST' AND "
                "network-traffic:extensions.'http-request-ext'.request_value = "
                f"{stix_string(path)}]"
            )
            out.append(
                _finding(
                    "web-brute-force",
                    f"{src}|{path}",
                    pattern,
                    hit,
                    len(hit) / (2 * WEB_POSTS),
                    block_for(src),
                    f"{len(hit)} POSTs to {path} from {src} within {BRUTE_WINDOW:g}s",
                )
            )
    return out


def web_exploit(obs: Sequence[Obs], site: Site) -> list[Finding]:
    hits = [o for o in obs if o.kind == "http" and EXPLOIT.search(o.target)]
    out = []
    for src, items in sorted(_grouped(hits, lambda o: o.src).items()):
        regex = TRAVERSAL if any(re.search(TRAVERSAL, o.target, re.I) for o in items) else SHELL
        literal = stix_string("(?i)" + regex)
        pattern = f"[network-traffic:extensions.'http-request-ext'.request_value MATCHES {literal}]"
        out.append(
            _finding(
                "web-exploit",
                src,
                pattern,
                items,
                0.9,
                None if site.internal(src) else block_for(src),
                f"{src} requested {items[0].target}",
            )
        )
    return out


def http_beacon(obs: Sequence[Obs], site: Site) -> list[Finding]:
    calls = [
        o
        for o in obs
        if o.kind == "http" and site.internal(o.src) and o.dst and not site.internal(o.dst)
    ]
    out = []
    for (src, server), items in sorted(_grouped(calls, lambda o: (o.src, o.host or o.dst)).items()):
        visits: list[Obs] = []
        for o in items:
            if not visits or o.time - visits[-1].time > BEACON_MIN_GAP:
                visits.append(o)
        if len(visits) < BEACON_VISITS:
            continue
        gaps = [b.time - a.time for a, b in itertools.pairwise(visits)]
        mean = statistics.fmean(gaps)
        cv = statistics.pstdev(gaps) / mean if mean else 1.0
        if cv > BEACON_MAX_CV:
            continue
        name = items[0].host.split(":")[0]
        named = bool(name) and not is_address(name)
        pattern = f"[domain-name:value = {stix_string(name)}]" if named else address_pattern(server)
        out.append(
            _finding(
                "http-beacon",
                server,
                pattern,
                visits,
                1.0 - cv,
                block_for(items[0].dst),
                f"{src} calls {server} every {mean:.0f}s (cv {cv:.2f}, {len(visits)} times)",
            )
        )
    return out


def _dns_names(obs: Sequence[Obs], site: Site) -> list[Obs]:
    """One observation per distinct outside name (the first), in time order."""
    seen: dict[str, Obs] = {}
    for o in obs:
        if o.kind == "dns" and o.name.count(".") >= 2 and not site.own_domain(o.name):
            seen.setdefault(o.name, o)
    return sorted(seen.values(), key=lambda o: (o.time, o.id))


def dns_tunnel(obs: Sequence[Obs], site: Site) -> list[Finding]:
    out = []
    for zone_key, items in sorted(
        _grouped(_dns_names(obs, site), lambda o: registered(o.name)).items()
    ):

        def dense(w: Sequence[Obs]) -> bool:
            return (
                len(w) >= TUNNEL_NAMES
                and statistics.fmean(len(o.name.split(".")[0]) for o in w) >= TUNNEL_LABEL
            )

        hit = first_window(items, TUNNEL_WINDOW, dense)
        if not hit:
            continue
        zone = common_suffix([o.name for o in hit])
        if zone.count(".") < 1:
            zone = zone_key
        out.append(
            _finding(
                "dns-tunnel",
                zone,
                f"[domain-name:value LIKE {stix_string('%.' + zone)}]",
                hit,
                len(hit) / (3 * TUNNEL_NAMES),
                ("sinkhole-domain", zone),
                f"{len(hit)} long names under {zone} within {TUNNEL_WINDOW:g}s",
            )
        )
    return out


def _burst(window: Sequence[Obs]) -> list[Obs]:
    """The names of ``window`` under parents that each hold :data:`DGA_PER_PARENT` of
    them (a generator's zones; not the odd CDN name that falls in the same minute)."""
    per_parent = Counter(o.name.split(".", 1)[1] for o in window)
    return [o for o in window if per_parent[o.name.split(".", 1)[1]] >= DGA_PER_PARENT]


def dga(obs: Sequence[Obs], site: Site) -> list[Finding]:
    answered = {o.name for o in obs if o.kind == "dns" and o.resolved}
    names = [
        o
        for o in _dns_names(obs, site)
        if o.name not in answered  # generated names mostly do not exist; a CDN's do
        and 8 <= len(o.name.split(".")[0]) < TUNNEL_LABEL
        and entropy(o.name.split(".")[0]) >= DGA_ENTROPY
    ]

    def enough(window: Sequence[Obs]) -> bool:
        burst = _burst(window)
        return len(burst) >= DGA_NAMES and len({registered(o.name) for o in burst}) >= 2

    window = first_window(names, DGA_WINDOW, enough)
    if not window:
        return []
    hit = _burst(window)
    labels = [o.name.split(".")[0] for o in hit]
    parents = sorted({o.name.split(".", 1)[1] for o in hit})
    chars = "a-z" if all(label.isalpha() for label in labels) else "a-z0-9"
    lo, hi = min(map(len, labels)), max(map(len, labels))
    regex = f"^[{chars}]{{{lo},{hi}}}\\.({'|'.join(re.escape(p) for p in parents)})$"
    return [
        _finding(
            "dga",
            ",".join(parents),
            f"[domain-name:value MATCHES {stix_string(regex)}]",
            hit,
            len(hit) / (2 * DGA_NAMES),
            None,
            f"{len(hit)} random-looking names under {', '.join(parents)} within {DGA_WINDOW:g}s",
        )
    ]


def http_exfil(obs: Sequence[Obs], site: Site) -> list[Finding]:
    uploads = [
        o
        for o in obs
        if o.kind == "flow"
        and o.src_bytes >= EXFIL_BYTES
        and site.internal(o.src)
        and o.dst
        and not site.internal(o.dst)
    ]
    names: dict[str, str] = {}
    for o in obs:
        if o.kind == "http" and o.host and o.dst and not is_address(o.host.split(":")[0]):
            names.setdefault(o.dst, o.host.split(":")[0])
    out = []
    for (src, dst), items in sorted(_grouped(uploads, lambda o: (o.src, o.dst)).items()):
        hit = first_window(items, EXFIL_WINDOW, lambda w: len(w) >= EXFIL_UPLOADS)
        if not hit:
            continue
        total = sum(o.src_bytes for o in hit)
        name = names.get(dst)
        pattern = (
            f"[domain-name:value = {stix_string(name)}]"
            if name
            else f"[network-traffic:dst_ref.value = '{dst}' AND "
            f"network-traffic:src_byte_count > {EXFIL_BYTES}]"
        )
        out.append(
            _finding(
                "http-exfil",
                dst,
                pattern,
                hit,
                total / 2_000_000,
                block_for(dst),
                f"{src} sent {total} bytes to {name or dst} in {len(hit)} uploads",
            )
        )
    return out


def floods(obs: Sequence[Obs], site: Site) -> list[Finding]:
    syns = [
        o
        for o in obs
        if o.kind == "flow" and o.proto == "tcp" and o.flags == 0x02 and o.src_bytes == 0
    ]
    udp = [
        o
        for o in obs
        if o.kind == "flow"
        and o.proto == "udp"
        and o.src_packets >= 50
        and o.src_packets / max(o.last - o.time, 0.01) >= UDP_RATE
    ]
    out = []
    for kind, items_all, enough in (
        ("syn-flood", syns, lambda w: len(w) >= SYN_FLOWS and len({o.src for o in w}) >= 5),
        ("udp-flood", udp, lambda w: sum(o.src_packets for o in w) >= UDP_PACKETS),
    ):
        for (dst, dport), items in sorted(_grouped(items_all, lambda o: (o.dst, o.dport)).items()):
            hit = first_window(items, FLOOD_WINDOW, enough)
            if not hit:
                continue
            net = covering_network(o.src for o in items)
            proto = "udp" if kind == "udp-flood" else "tcp"
            pattern = (
                f"[network-traffic:dst_ref.value = '{dst}' AND network-traffic:dst_port = {dport}"
                f" AND network-traffic:src_ref.value ISSUBSET '{as_network(net)}'"
                f" AND network-traffic:protocols[*] = '{proto}']"
            )
            out.append(
                _finding(
                    kind,
                    f"{dst}|{dport}",
                    pattern,
                    hit,
                    0.9,
                    block_for(net),
                    f"{kind} against {dst}:{dport} from {net}",
                )
            )
    return out


def _client_of(o: Obs, flows: Sequence[Obs], ports: Sequence[int]) -> str | None:
    """The client of the flow (to one of ``ports``) that carried ``o``: the latest one
    that started before it and had not ended."""
    best: Obs | None = None
    for f in flows:
        carried = f.dport in ports and f.time <= o.time + 1e-6 and f.last >= o.time - 1e-6
        if carried and (best is None or f.time > best.time):
            best = f
    return best.src if best else None


def smb_files(obs: Sequence[Obs], site: Site) -> list[Finding]:
    files = [o for o in obs if o.kind == "file"]
    flows = [o for o in obs if o.kind == "flow" and o.dport in SMB_PORTS]
    out = []
    for o in files:
        if not (ADMIN_SHARES.search(o.directory) and EXECUTABLE.search(o.name)):
            continue
        client = _client_of(o, flows, SMB_PORTS)
        name = o.name.rsplit("\\", 1)[-1]
        out.append(
            _finding(
                "smb-lateral",
                name,
                f"[file:name = {stix_string(name)}]",
                [o],
                0.8,
                block_for(client) if client and not site.internal(client) else None,
                f"{name} written to {o.directory}" + (f" from {client}" if client else ""),
            )
        )
    renamed = [o for o in files if re.search(r"\.[A-Za-z0-9]{1,5}\.[A-Za-z0-9]{2,10}$", o.name)]
    for ext, items in sorted(_grouped(renamed, lambda o: o.name.rsplit(".", 1)[1].lower()).items()):
        if len(items) < RANSOM_FILES:
            continue
        client = _client_of(items[0], flows, SMB_PORTS)
        out.append(
            _finding(
                "ransomware",
                ext,
                f"[file:name LIKE {stix_string('%.' + ext)}]",
                items,
                len(items) / (2 * RANSOM_FILES),
                block_for(client) if client and not site.internal(client) else None,
                f"{len(items)} files renamed to *.{ext}",
            )
        )
    return _first_per_key(out)


def phishing(obs: Sequence[Obs], site: Site) -> list[Finding]:
    flows = [o for o in obs if o.kind == "flow" and o.dport in SMTP_PORTS]
    mails = [o for o in obs if o.kind == "email"]
    out = []
    for o in mails:
        foreign = [u for u in o.urls if not site.own_domain(url_host(u))]
        if not foreign or not o.name:
            continue
        client = _client_of(o, flows, SMTP_PORTS)
        out.append(
            _finding(
                "phishing",
                o.name.lower(),
                f"[email-message:from_ref.value = {stix_string(o.name)}]",
                [o],
                0.7,
                block_for(client) if client and not site.internal(client) else None,
                f"mail from {o.name} links to {foreign[0]}",
            )
        )
    return _first_per_key(out)


def drone_spoof(obs: Sequence[Obs], site: Site) -> list[Finding]:
    telemetry = [
        o
        for o in obs
        if o.kind == "flow" and o.proto == "udp" and o.dport == MAVLINK_PORT and o.src
    ]
    out = []
    for src, items in sorted(_grouped(telemetry, lambda o: o.src).items()):
        if site.internal(src):
            continue
        pattern = (
            f"[network-traffic:dst_port = {MAVLINK_PORT} AND "
            f"network-traffic:src_ref.value = '{src}']"
        )
        out.append(
            _finding(
                "drone-spoof",
                src,
                pattern,
                items,
                0.8,
                block_for(src),
                f"MAVLink telemetry to {items[0].dst}:{MAVLINK_PORT} from outside ({src})",
            )
        )
    return out


def _first_per_key(findings: list[Finding]) -> list[Finding]:
    """One finding per key: the earliest, with the evidence of all."""
    merged: dict[str, Finding] = {}
    for f in sorted(findings, key=lambda f: (f.first_seen, f.key)):
        seen = merged.get(f.key)
        if seen is None:
            merged[f.key] = f
        elif len(seen.evidence) < EVIDENCE_MAX:
            evidence = tuple(dict.fromkeys(seen.evidence + f.evidence))[:EVIDENCE_MAX]
            response = seen.response or f.response
            merged[f.key] = Finding(
                seen.kind,
                seen.key,
                seen.pattern,
                evidence,
                seen.confidence,
                seen.first_seen,
                response,
                seen.summary,
            )
    return list(merged.values())


DETECTORS: tuple[Callable[[Sequence[Obs], Site], list[Finding]], ...] = (
    port_scan,
    ssh_brute_force,
    web_brute_force,
    web_exploit,
    http_beacon,
    dns_tunnel,
    dga,
    http_exfil,
    floods,
    smb_files,
    phishing,
    drone_spoof,
)


def detect(observations: Iterable[Obs], site: Site) -> list[Finding]:
    """Every detector over ``observations`` (parsed with :func:`decode`), sorted."""
    obs = sorted(observations, key=lambda o: (o.time, o.id))
    out: list[Finding] = []
    for detector in DETECTORS:
        out += detector(obs, site)
    return sorted(out, key=lambda f: (f.first_seen, f.key))


def frequent_outsiders(observations: Iterable[Obs], site: Site, top: int = 5) -> list[str]:
    """The outside addresses that talk to the team most often (ties by address): what a
    sloppy analyst may mistake for an attacker."""
    counts: Counter[str] = Counter()
    for o in observations:
        if o.kind in ("flow", "http"):
            for address in (o.src, o.dst):
                if address and not site.internal(address):
                    counts[address] += 1
    return [a for a, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:top]]


__all__ = ["DETECTORS", "Finding", "detect", "frequent_outsiders"]
