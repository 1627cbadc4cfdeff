"""``grapevine loadtest`` as a benchmark: the built-in campaign at 60x with every team a
bot, 20 partners polling TAXII, 8 team consoles polling the range API and 4
publishers, for 30 s, on SQLite in one process (the embedded default).

Rows: each kind of request (requests/s, p50/p99 ms, errors), the exercise's simulated
seconds per wall second under that load (the reference: the asked speed), the
partners' checks and the server's peak memory. There is no library to compare a
whole exercise with; the reference column holds the target or the asked speed.
"""

from __future__ import annotations

from range.commands.play import DEFAULT_SCENARIO
from range.load import LoadPlan, run_load
from scenarios import library

PLAN = LoadPlan(
    scenario=DEFAULT_SCENARIO,
    partners=20,
    consoles=8,
    publishers=4,
    envelope=20,
    interval=1.0,
    seconds=30.0,
    requests=100_000,
    speed="60",
)


def run() -> list[dict]:
    result = run_load(PLAN, library.load(PLAN.scenario).team_ids())
    what = (
        f"{PLAN.scenario} at {PLAN.speed}x, {PLAN.partners} partners, {PLAN.consoles} consoles,"
        f" {PLAN.publishers} publishers, bots for every team, {result.wall:.0f} s, SQLite"
    )
    rows: list[dict] = []
    for name, kind in [*sorted(result.kinds.items()), ("all", result.total())]:
        rows.append(
            {
                "measure": f"load: {name} (requests/s; p50 / p99 ms)",
                "what": what if not rows else "",
                "grapevine": f"{len(kind.latencies) / result.wall:,.1f};"
                f" {kind.percentile(0.5):,.1f} / {kind.percentile(0.99):,.1f}",
                "reference": "errors: none" if not kind.errors else "",
                "ratio": f"{kind.errors} errors",
            }
        )
    f = result.findings
    rows += [
        {
            "measure": "load: exercise speed under load (sim s / wall s)",
            "grapevine": round(result.simulated / result.wall, 1),
            "reference": f"asked {PLAN.speed}x",
            "ratio": f"{result.simulated / result.wall / float(PLAN.speed):.2f} of it",
        },
        {
            "measure": "load: partners' checks (repeated / lost / TLP breaches)",
            "grapevine": f"{f.duplicates} / {f.lost} / {f.tlp_breaches}",
            "reference": "target 0 / 0 / 0",
            "ratio": "met" if result.ok else "NOT MET",
        },
        {
            "measure": "load: requests answered 503 + Retry-After and tried again",
            "what": "the first logins of every client at once, queued for 2 password checks",
            "grapevine": result.retried,
        },
        {
            "measure": "load: server memory, start / end / peak (MiB)",
            "grapevine": " / ".join(
                f"{rss / 2**20:,.0f}"
                for rss in (result.memory[0][1], result.memory[-1][1], result.peak_memory or 0)
            )
            if result.memory
            else "not measured",
        },
    ]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
