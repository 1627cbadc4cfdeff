"""Simulated CERTs at work: each bot's cycle, and the bots together.

A :class:`Bot` cycle (:meth:`Bot.act`) at simulated time ``now``:

1. reads the team's new events (``/api/events`` after its cursor): its own actions
   (what :class:`~range.bots.policy.Memory` is folded from) and its alerts;
2. reads its observations since the last cycle, looking back :data:`LOOKBACK`
   seconds because a flow is reported only once it ends, and keeps the last
   :data:`RETAIN` seconds of them;
3. runs the analytics over what it keeps; a finding keeps the pattern it was first
   seen with (so a growing flood does not become a second indicator);
4. reads other teams' shared indicators over TAXII;
5. asks its :class:`~range.bots.policy.Policy` what is due and does it over the API.

:class:`BotRunner` runs the cycles of several bots in team order. Headless as fast as
possible, the engine runner calls :meth:`BotRunner.act` after every step and waits
for it (``ExerciseRunner(after_step=bots.act)``), so a seed gives the same log and
scoreboard every time; live, :meth:`BotRunner.start` polls the API's clock on a
thread of its own.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indicators.store import Store
from indicators.users import PasswordPolicy, Role, User
from range.bots.analytics import Finding, detect, frequent_outsiders
from range.bots.client import RangeClient
from range.bots.observations import Obs, Site, decode
from range.bots.policy import (
    Action,
    Block,
    Deploy,
    Import,
    Memory,
    Policy,
    Publish,
    SeenAlert,
)
from range.errors import BotError
from scenarios.model import Scenario

log = logging.getLogger(__name__)

LOOKBACK = 420.0
"""Seconds before the last read that a new read covers again (flows are reported
when they end: after an idle timeout of 60 s, or 300 s into a long one)."""

RETAIN = 900.0
"""Seconds of observations a bot keeps for its analytics."""

EVERY = 30.0
"""Least simulated seconds between two cycles of a bot."""

_MEMORY_KINDS = frozenset(
    {
        "indicator-deployed",
        "indicator-undeployed",
        "indicator-published",
        "indicator-imported",
        "response-applied",
    }
)


@dataclass
class Bot:
    """One simulated CERT (see the module docstring)."""

    team: str
    client: RangeClient
    policy: Policy
    site: Site
    teams: list[str]
    cursor: int = 0
    read_until: float | None = None
    last_act: float | None = None
    observations: dict[str, Obs] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    done_events: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[SeenAlert] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def act(self, now: float) -> list[Action]:
        """One cycle at simulated time ``now``; the actions it took."""
        self._read_events()
        self._read_observations(now)
        for finding in detect(self.observations.values(), self.site):
            self._remember(finding)
        shared = self.client.shared(self.teams)
        names = [i.get("name", "") for i in self.client.indicators()]
        memory = Memory.from_events(self.done_events, names)
        outsiders = [
            a
            for a in frequent_outsiders(self.observations.values(), self.site, top=10)
            if not _suspected(a, self.findings.values())
        ][:5]
        actions = self.policy.decide(
            now, list(self.findings.values()), shared, self.alerts, memory, outsiders
        )
        done = [a for a in actions if self._do(a)]
        self.last_act = now
        return done

    def _read_events(self) -> None:
        events, self.cursor = self.client.events(self.cursor)
        for e in events:
            if e.get("team") != self.team:
                continue
            if e["kind"] in _MEMORY_KINDS:
                self.done_events.append(e)
            elif e["kind"] == "alert":
                self.alerts.append(
                    SeenAlert(e["alert_id"], e["indicator_id"], e["producer"], e["time"])
                )

    def _read_observations(self, now: float) -> None:
        start = self.policy.start
        since = start if self.read_until is None else max(start, self.read_until - LOOKBACK)
        views = self.client.observations(since, now + 1.0)
        new = decode({"objects": v["objects"]} for v in views if v["id"] not in self.observations)
        for o in new:
            self.observations[o.id] = o
        horizon = now - RETAIN
        for key in [k for k, o in self.observations.items() if o.time < horizon]:
            del self.observations[key]
        self.read_until = now

    def _remember(self, finding: Finding) -> None:
        seen = self.findings.get(finding.key)
        if seen is None:
            self.findings[finding.key] = finding
            return
        if finding.first_seen < seen.first_seen or (seen.response is None and finding.response):
            self.findings[finding.key] = Finding(
                seen.kind,
                seen.key,
                seen.pattern,
                seen.evidence,
                seen.confidence,
                min(seen.first_seen, finding.first_seen),
                seen.response or finding.response,
                seen.summary,
            )

    def _do(self, action: Action) -> bool:
        client = self.client
        try:
            if isinstance(action, Deploy):
                client.deploy(action.pattern, action.name)
            elif isinstance(action, Publish):
                others = [t for t in self.teams if t != self.team]
                client.publish(
                    action.pattern, action.tlp, action.name, others if action.tlp == "red" else []
                )
            elif isinstance(action, Import):
                client.import_indicator(action.indicator_id)
            elif isinstance(action, Block):
                client.respond(action.kind, action.value)
        except BotError as exc:
            self.errors.append(str(exc))
            log.warning("bot %s: %s", self.team, exc)
            return False
        return True


def _suspected(address: str, findings: Iterable[Finding]) -> bool:
    """Whether a finding already names ``address`` (or a network holding it)."""
    ip = ipaddress.ip_address(address)
    for f in findings:
        if address in f.pattern:
            return True
        if f.response and f.response[0] == "block-cidr":
            net = ipaddress.ip_network(f.response[1])
            if net.version == ip.version and ip in net:
                return True
    return False


class BotRunner:
    """Several bots, acting in team order (see the module docstring)."""

    def __init__(self, bots: Iterable[Bot], *, every: float = EVERY) -> None:
        self.bots = sorted(bots, key=lambda b: b.team)
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def act(self, now: float) -> list[tuple[str, Action]]:
        """Each bot's cycle at simulated ``now`` (a bot that acted less than
        :attr:`every` seconds ago waits); the actions taken, with their team. A cycle
        the server fails is recorded in the bot's ``errors`` and skipped."""
        out: list[tuple[str, Action]] = []
        for bot in self.bots:
            if bot.last_act is not None and now < bot.last_act + self.every:
                continue
            try:
                out += [(bot.team, a) for a in bot.act(now)]
            except BotError as exc:  # the server refused or went away: try next cycle
                bot.errors.append(str(exc))
                log.warning("bot %s: %s", bot.team, exc)
        return out

    # -- live: a thread of their own ----------------------------------------------------

    def start(self, poll: float = 2.0) -> BotRunner:
        """Act on a daemon thread every ``poll`` wall seconds while the exercise runs."""
        self._thread = threading.Thread(target=self._run, args=(poll,), name="bots", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self, poll: float) -> None:
        try:
            while not self._stop.is_set() and self.bots:
                state = self.bots[0].client.exercise()
                if state["status"] == "finished":
                    return
                if state["status"] == "running":
                    self.act(state["clock"]["epoch"])
                self._stop.wait(poll)
        except BaseException as exc:  # kept for whoever stops the runner
            self.error = exc
            log.exception("the bots stopped on an error")

    def close(self) -> None:
        self.stop()
        for bot in self.bots:
            bot.client.close()


def bot_user(team: str) -> str:
    """The account a bot plays ``team`` with."""
    return f"bot-{team}"


def create_accounts(
    store: Store, teams: Sequence[str], policy: PasswordPolicy | None = None
) -> dict[str, str]:
    """A team account per bot with a fresh random password (a resumed exercise's
    bot accounts get a new one); team -> password, never printed."""
    policy = policy or PasswordPolicy()
    out: dict[str, str] = {}
    for team in teams:
        password = secrets.token_urlsafe(24)
        name = bot_user(team)
        digest = policy.hash(password)
        if store.user(name) is None:
            store.add_user(User(name, Role.TEAM, team), digest)
        else:
            store.set_password_hash(name, digest)
        out[team] = password
    return out


def make_bots(
    scenario: Scenario,
    url: str,
    passwords: Mapping[str, str],
    *,
    api_root: str = "grapevine",
) -> list[Bot]:
    """A bot for every team in ``passwords``, over the server at ``url``."""
    teams = scenario.team_ids()
    bots = []
    for team_id in sorted(passwords):
        team = scenario.team(team_id)
        client = RangeClient(url, team_id, bot_user(team_id), passwords[team_id], api_root=api_root)
        policy = Policy(scenario.skill_for(team_id), scenario.seed, team_id, scenario.epoch(0))
        site = Site(tuple(str(n) for n in team.networks), (team.domain,))
        bots.append(Bot(team_id, client, policy, site, teams))
    return bots


__all__ = ["Bot", "BotRunner", "bot_user", "create_accounts", "make_bots"]
