"""A hand-made report for a 3-team scenario: every section has something to show.

CERT-EE detects its scan and flood with its own indicators and shares a brute-force
indicator that gives CERT-LT a detection; CERT-LV's C2 indicator gives CERT-LT its
C2 detection; CERT-LV misses the DNS tunnel; CERT-LT shares a pattern with a hostile
``<script>`` in it. Score lines, totals and alert counts agree with each other.
"""

from __future__ import annotations

from range.report.data import (
    AlertSummary,
    Detection,
    InjectInfo,
    ReportData,
    Response,
    ScenarioInfo,
    Share,
    TeamInfo,
)

START = 1767600000.0  # 2026-01-05 08:00:00 UTC
HOSTILE = '[url:value = \'https://evil.example/"><script>alert("pwn")</script>\']'


def at(seconds: float) -> float:
    return START + seconds


TEAMS = (
    TeamInfo("cert-ee", "CERT-EE", "EE"),
    TeamInfo("cert-lv", "CERT.LV", "LV"),
    TeamInfo("cert-lt", "NKSC-LT", "LT"),
)

INJECTS = (
    InjectInfo(
        "i1-scan",
        "network-scan",
        ("T1046",),
        "cert-ee",
        "web1",
        "203.0.113.66",
        at(300),
        at(600),
        "Port scan of the web tier",
    ),
    InjectInfo(
        "i2-exploit",
        "web-exploit",
        ("T1190",),
        "cert-lv",
        "portal",
        "198.51.100.23",
        at(600),
        at(900),
        "Exploit against the citizen portal",
    ),
    InjectInfo(
        "i3-c2",
        "http-c2-beacon",
        ("T1071.001",),
        "cert-lt",
        "ws12",
        "203.0.113.80",
        at(900),
        at(1500),
        "Beacon to update-check.example",
    ),
    InjectInfo(
        "i4-flood",
        "syn-flood",
        ("T1498.001",),
        "cert-ee",
        "web1",
        "203.0.113.90",
        at(1500),
        at(1560),
        "SYN flood on the web tier",
    ),
    InjectInfo(
        "i5-dns",
        "dns-tunnel",
        ("T1071.004", "T1048"),
        "cert-lv",
        "dns1",
        "203.0.113.81",
        at(2100),
        at(2700),
        "DNS tunnel <b>exfiltration</b>",
    ),
    InjectInfo(
        "i6-brute",
        "ssh-brute-force",
        ("T1110.001",),
        "cert-lt",
        "bastion",
        "198.51.100.23",
        at(2700),
        at(3000),
        "SSH brute force on the bastion",
    ),
)

SCENARIO = ScenarioInfo(
    title="Baltic Grid Storm",
    briefing="A coordinated campaign hits the three Baltic CERTs; share early & often.",
    seed=20260105,
    start=START,
    duration=3600,
    teams=TEAMS,
    injects=INJECTS,
)


def line(team, inject, category, points, why, time):
    return {
        "team": team,
        "inject": inject,
        "category": category,
        "points": points,
        "why": why,
        "time": None if time is None else at(time),
    }


LINES = {
    "cert-ee": [
        line(
            "cert-ee",
            "i1-scan",
            "detection",
            10.0,
            "detected i1-scan 45 s after it began with its own indicator ind-ee-scan",
            345,
        ),
        line(
            "cert-ee",
            "i1-scan",
            "response",
            5.0,
            "block-ip 203.0.113.66 (rule r1) stopped 1200 attack packets before the impact",
            360,
        ),
        line(
            "cert-ee",
            "i4-flood",
            "detection",
            9.0,
            "detected i4-flood 30 s after it began with its own indicator ind-ee-flood",
            1530,
        ),
        line(
            "cert-ee",
            "i6-brute",
            "sharing",
            6.0,
            "indicator ind-ee-brute shared with NKSC-LT gave it a detection of i6-brute",
            2820,
        ),
        line(
            "cert-ee",
            None,
            "false-positive",
            -2.0,
            "2 alerts on benign traffic (ind-ee-scan matched the backup job)",
            1200,
        ),
        line("cert-ee", None, "sitrep", 4.0, "situation report scored 4/5 by the director", None),
    ],
    "cert-lv": [
        line(
            "cert-lv",
            "i2-exploit",
            "detection",
            8.0,
            "detected i2-exploit 1 min 40 s after it began with its own indicator",
            700,
        ),
        line(
            "cert-lv",
            "i2-exploit",
            "response",
            4.0,
            "block-cidr 198.51.100.0/24 (rule r3) stopped 340 attack packets",
            720,
        ),
        line(
            "cert-lv",
            "i2-exploit",
            "availability",
            -3.0,
            "block-cidr 198.51.100.0/24 (rule r3) dropped 57 benign service packets",
            1800,
        ),
        line(
            "cert-lv",
            "i3-c2",
            "sharing",
            8.0,
            "indicator ind-lv-c2 shared with NKSC-LT gave it a detection of i3-c2",
            1020,
        ),
        line("cert-lv", None, "false-positive", -3.0, "3 alerts on benign traffic", 2400),
    ],
    "cert-lt": [
        line(
            "cert-lt",
            "i3-c2",
            "detection",
            7.0,
            "detected i3-c2 2 min after it began with CERT.LV's indicator ind-lv-c2",
            1020,
        ),
        line(
            "cert-lt",
            "i3-c2",
            "response",
            3.0,
            "sinkhole-domain update-check.example (rule r4) stopped 88 attack packets",
            1030,
        ),
        line(
            "cert-lt",
            "i6-brute",
            "detection",
            6.0,
            "detected i6-brute 2 min after it began with CERT-EE's indicator ind-ee-brute",
            2820,
        ),
    ],
}

SCOREBOARD = {
    "scenario": SCENARIO.title,
    "seed": SCENARIO.seed,
    "teams": [
        {"team": team, "total": round(sum(x["points"] for x in lines), 2), "lines": lines}
        for team, lines in LINES.items()
    ],
}

DETECTIONS = (
    Detection("cert-ee", "i1-scan", at(345), "ind-ee-scan", "cert-ee"),
    Detection("cert-ee", "i1-scan", at(400), "ind-ee-scan", "cert-ee"),
    Detection("cert-lv", "i2-exploit", at(700), "ind-lv-exploit", "cert-lv"),
    Detection("cert-lt", "i3-c2", at(1020), "ind-lv-c2", "cert-lv"),
    Detection("cert-ee", "i4-flood", at(1530), "ind-ee-flood", "cert-ee"),
    Detection("cert-lt", "i6-brute", at(2820), "ind-ee-brute", "cert-ee"),
)

SHARES = (
    Share(
        "cert-ee",
        "cert-lv",
        "ind-ee-scan",
        "[ipv4-addr:value = '203.0.113.66']",
        "TLP:GREEN",
        at(400),
        at(450),
        None,
        0.0,
    ),
    Share(
        "cert-ee",
        "cert-lt",
        "ind-ee-scan",
        "[ipv4-addr:value = '203.0.113.66']",
        "TLP:GREEN",
        at(400),
        at(500),
        None,
        0.0,
    ),
    Share(
        "cert-lv",
        "cert-lt",
        "ind-lv-c2",
        "[domain-name:value = 'update-check.example']",
        "TLP:AMBER",
        at(800),
        at(850),
        "i3-c2",
        8.0,
    ),
    Share(
        "cert-lv",
        "cert-ee",
        "ind-lv-c2",
        "[domain-name:value = 'update-check.example']",
        "TLP:AMBER",
        at(800),
        None,
        None,
        0.0,
    ),
    Share(
        "cert-ee",
        "cert-lt",
        "ind-ee-brute",
        "[network-traffic:dst_port = 22 AND network-traffic:src_ref.value = '198.51.100.23']",
        "TLP:GREEN",
        at(2000),
        at(2100),
        "i6-brute",
        6.0,
    ),
    Share("cert-lt", "cert-ee", "ind-lt-url", HOSTILE, "TLP:CLEAR", at(3000), at(3100), None, 0.0),
)

RESPONSES = (
    Response("cert-ee", "r1", "block-ip", "203.0.113.66", at(360), None, 1200, 0),
    Response("cert-lv", "r3", "block-cidr", "198.51.100.0/24", at(720), at(1800), 340, 57),
    Response("cert-lt", "r4", "sinkhole-domain", "update-check.example", at(1030), None, 88, 0),
)

ALERTS = (
    AlertSummary("cert-ee", 14, 12, 2),
    AlertSummary("cert-lv", 9, 6, 3),
    AlertSummary("cert-lt", 7, 7, 0),
)


def sample_report() -> ReportData:
    return ReportData(
        scenario=SCENARIO,
        scoreboard=SCOREBOARD,
        detections=DETECTIONS,
        shares=SHARES,
        responses=RESPONSES,
        alerts=ALERTS,
    )
