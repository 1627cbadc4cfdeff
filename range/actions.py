"""The actions of an exercise: the director's (start, pause, resume, speed, fire an
inject, message, score a sitrep) and the teams' (deploy, undeploy, publish, import,
block/unblock, isolate, sinkhole, acknowledge, mark a false positive, sitrep).

Each public method validates its arguments at once (:class:`~range.errors.ActionError`
naming the field), then applies the action under the exercise's lock at the current
simulated time and commits its event (and what it caused) before it returns. The
``_do_*`` methods apply an already validated action: a replay calls them with the
logged arguments (:mod:`range.replay`).

:class:`DirectorActions` and :class:`TeamActions` are parts of
:class:`~range.engine.Exercise` (mixins) and hold no state of their own: they use the
exercise's lock, clock, teams (:class:`~range.teams.TeamState`), store and its
``_emit`` / ``_commit`` / ``_team`` / ``_running`` helpers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from indicators.errors import PatternError
from indicators.patterns import compile_pattern
from indicators.tlp import TLP2_MARKING_IDS, Tlp, level_of
from range.errors import ActionError, RangeError
from range.events import (
    DIRECTOR,
    Alert,
    AlertAcknowledged,
    AlertFalsePositive,
    ClockChanged,
    Event,
    ExerciseStarted,
    IndicatorDeployed,
    IndicatorImported,
    IndicatorPublished,
    IndicatorUndeployed,
    Message,
    ResponseApplied,
    ResponseLifted,
    Sitrep,
    SitrepScored,
)
from range.responses import Rule, normalise
from range.sensor import stix_time
from range.teams import Deployed, TeamState
from scenarios.errors import ScenarioError
from scenarios.model import Inject

INDICATOR_NAMESPACE = uuid.UUID("3d0f5b8e-2c57-4a8e-b1f3-6f8a0e2d4c19")
SITREP_MAX_POINTS = 100.0


def parse_tlp(value: str | Tlp) -> Tlp:
    """A TLP level from its name (``"amber"``, ``"TLP:AMBER"``...); ActionError on ``tlp``."""
    if isinstance(value, Tlp):
        return value
    try:
        return Tlp.from_name(value)
    except (ValueError, AttributeError) as exc:
        raise ActionError("tlp", str(exc)) from None


def check_pattern(pattern: object) -> None:
    """ActionError on ``pattern`` unless it is a STIX pattern that compiles."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ActionError("pattern", "is empty")
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        raise ActionError("pattern", str(exc)) from None


class DirectorActions:
    """The director's actions of :class:`~range.engine.Exercise`."""

    def start(self, *, actor: str = DIRECTOR) -> list[Event]:
        """Start the exercise (logs ``exercise-started``); RangeError if it has started."""
        with self._lock:
            if self.started:
                raise RangeError("the exercise has already started")
            self.started = True
            self._emit(
                ExerciseStarted(
                    time=self.start_time,
                    actor=actor,
                    scenario=self.scenario.title,
                    seed=self.seed,
                    tick=self.tick,
                    teams=list(self.teams),
                )
            )
            return self._commit()

    def pause(self, *, actor: str = DIRECTOR) -> list[Event]:
        """Pause the clock (the runner stops stepping while it is paused)."""
        with self._lock:
            return self._clock_event("paused", None, actor)

    def resume_clock(self, *, actor: str = DIRECTOR) -> list[Event]:
        """Let the clock run again after :meth:`pause`."""
        with self._lock:
            return self._clock_event("resumed", None, actor)

    def set_speed(self, speed: float | None, *, actor: str = DIRECTOR) -> list[Event]:
        """Run at ``speed`` times real time (``None``: as fast as possible)."""
        with self._lock:
            from range.clock import _check_speed

            try:
                checked = _check_speed(speed)
            except RangeError as exc:
                raise ActionError("speed", str(exc).removeprefix("speed: ")) from None
            return self._clock_event("speed", checked, actor)

    def _clock_event(self, change: str, speed: float | None, actor: str) -> list[Event]:
        self._running()
        if self._replay is None:  # a replay leaves the caller's clock alone
            if change == "paused":
                self.clock.pause()
            elif change == "resumed":
                self.clock.resume()
            else:
                self.clock.set_speed(speed)
        self._emit(ClockChanged(time=self.now, actor=actor, change=change, speed=speed))  # type: ignore[arg-type]
        return self._commit()

    def fire_inject(
        self, inject: Inject | Mapping[str, Any], *, actor: str = DIRECTOR
    ) -> list[Event]:
        """Fire an ad-hoc inject now (its ``at`` is ignored: it starts at :attr:`now`)."""
        with self._lock:
            self._running()
            data = inject.model_dump(mode="json") if isinstance(inject, Inject) else dict(inject)
            data["at"] = self.now - self.start_time
            try:
                parsed = Inject.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "inject"
                raise ActionError(f"inject.{where}", first["msg"]) from None
            if parsed.id in self._injects or any(i.id == parsed.id for i in self.scenario.injects):
                raise ActionError("inject.id", f"an inject {parsed.id!r} exists already")
            self._team(parsed.team)
            try:
                self.scenario.team(parsed.team).host(parsed.host)
            except ScenarioError as exc:
                raise ActionError("inject.target.host", str(exc)) from None
            return self._do_fire(parsed, actor)

    def _do_fire(self, inject: Inject, actor: str) -> list[Event]:
        team = self.teams[inject.team]
        try:
            team.stream.fire(inject, self.now)
        except (ScenarioError, ValueError, KeyError) as exc:
            raise ActionError("inject", f"{inject.id!r} cannot be generated: {exc}") from None
        self._inject_fired(inject, self.now, ad_hoc=True, actor=actor)
        return self._commit()

    def message(
        self, text: str, *, to: list[str] | None = None, actor: str = DIRECTOR
    ) -> list[Event]:
        """Send a message to some teams (``to``) or all (``None`` or empty)."""
        with self._lock:
            self._running()
            if not isinstance(text, str) or not text.strip():
                raise ActionError("text", "a message needs text")
            for name in to or []:
                self._team(name)
            self._emit(Message(time=self.now, actor=actor, text=text, to=list(to or [])))
            return self._commit()

    def score_sitrep(
        self, sitrep_id: str, points: float, *, note: str = "", actor: str = DIRECTOR
    ) -> list[Event]:
        """Give a team's situation report ``points`` (0 to :data:`SITREP_MAX_POINTS`)."""
        with self._lock:
            self._running()
            owner = next((t for t in self.teams.values() if sitrep_id in t.sitreps), None)
            if owner is None:
                raise ActionError("sitrep_id", f"no situation report {sitrep_id!r}")
            if not isinstance(points, int | float) or not 0 <= points <= SITREP_MAX_POINTS:
                raise ActionError(
                    "points", f"{points!r} must be between 0 and {SITREP_MAX_POINTS:g}"
                )
            self._emit(
                SitrepScored(
                    time=self.now,
                    team=owner.id,
                    actor=actor,
                    sitrep_id=sitrep_id,
                    points=float(points),
                    note=note,
                )
            )
            return self._commit()


class TeamActions:
    """The teams' actions of :class:`~range.engine.Exercise`."""

    # -- indicators -----------------------------------------------------------------

    def deploy(
        self, team: str, indicator_id: str, pattern: str | None = None, *, actor: str
    ) -> list[Event]:
        """Deploy an indicator on ``team``'s sensor and hunt back over recent traffic.

        Without ``pattern`` the indicator is read from the store (any collection the
        team may read under TLP). Its producer is the team whose identity it names
        (``created_by_ref``) or whose collection holds it; an indicator the store does
        not hold is the team's own.
        """
        with self._lock:
            self._running()
            state = self._team(team)
            if not isinstance(indicator_id, str) or not indicator_id.strip():
                raise ActionError("indicator_id", "is empty")
            found = self._lookup_indicator(team, indicator_id)
            producer, tlp = team, Tlp.AMBER
            if found is not None:
                producer, tlp = found[1], level_of(found[0])
                if pattern is None:
                    pattern = found[0].get("pattern")
            if pattern is None:
                raise ActionError(
                    "indicator_id",
                    f"unknown indicator {indicator_id!r}: no collection {team!r} may read holds"
                    " it; give its pattern",
                )
            check_pattern(pattern)
            del state
            return self._do_deploy(team, indicator_id, pattern, producer, tlp, actor)

    def _do_deploy(
        self, team: str, indicator_id: str, pattern: str, producer: str, tlp: Tlp, actor: str
    ) -> list[Event]:
        state = self.teams[team]
        try:
            drafts = state.fabric.deploy(indicator_id, pattern, self.now)
        except PatternError as exc:
            raise ActionError("pattern", str(exc)) from None
        state.deployed[indicator_id] = Deployed(indicator_id, pattern, producer, tlp)
        self._emit(
            IndicatorDeployed(
                time=self.now,
                team=team,
                actor=actor,
                indicator_id=indicator_id,
                pattern=pattern,
                producer=producer,
                tlp=tlp.label,
            )
        )
        self._alerts(state, drafts, retro=True)
        self._publish_sightings(state, self.now)
        return self._commit()

    def undeploy(self, team: str, indicator_id: str, *, actor: str) -> list[Event]:
        """Remove an indicator from ``team``'s sensor."""
        with self._lock:
            self._running()
            state = self._team(team)
            if indicator_id not in state.deployed:
                raise ActionError("indicator_id", f"{indicator_id!r} is not deployed by {team!r}")
            state.fabric.undeploy(indicator_id)
            del state.deployed[indicator_id]
            self._emit(
                IndicatorUndeployed(
                    time=self.now, team=team, actor=actor, indicator_id=indicator_id
                )
            )
            return self._commit()

    def publish(
        self, team: str, pattern: str, *, tlp: str | Tlp = Tlp.AMBER, name: str = "", actor: str
    ) -> str:
        """Publish a new indicator in ``team``'s TAXII collection; its id.

        The indicator is created by the team's identity at the current simulated
        time with the TLP 2.0 marking ``tlp``. Publishing does not deploy it.
        """
        with self._lock:
            self._running()
            state = self._team(team)
            check_pattern(pattern)
            level = parse_tlp(tlp)
            state.published += 1
            key = f"{team}|{state.published}|{self.now!r}|{pattern}"
            indicator_id = f"indicator--{uuid.uuid5(INDICATOR_NAMESPACE, key)}"
            self._do_publish(team, indicator_id, pattern, level, name, actor, state)
            return indicator_id

    def _do_publish(
        self,
        team: str,
        indicator_id: str,
        pattern: str,
        tlp: Tlp,
        name: str,
        actor: str,
        counted: TeamState | None,
    ) -> list[Event]:
        state = self.teams[team]
        if counted is None:
            state.published += 1
        if self._replay is None:
            stamp = stix_time(self.now)
            obj = {
                "type": "indicator",
                "spec_version": "2.1",
                "id": indicator_id,
                "created": stamp,
                "modified": stamp,
                "valid_from": stamp,
                "pattern": pattern,
                "pattern_type": "stix",
                "created_by_ref": state.identity,
                "object_marking_refs": [TLP2_MARKING_IDS[tlp]],
            }
            if name:
                obj["name"] = name
            status = self.store.add_objects(self.api_root, state.collection, [obj], producer=team)
            if status["failure_count"]:
                raise ActionError("pattern", status["failures"][0].get("message", "refused"))
        self._emit(
            IndicatorPublished(
                time=self.now,
                team=team,
                actor=actor,
                indicator_id=indicator_id,
                pattern=pattern,
                tlp=tlp.label,
                name=name,
            )
        )
        return self._commit()

    def import_indicator(self, team: str, indicator_id: str, *, actor: str) -> list[Event]:
        """Take another team's shared indicator from the store and deploy it."""
        with self._lock:
            self._running()
            self._team(team)
            found = self._lookup_indicator(team, indicator_id)
            if found is None:
                raise ActionError(
                    "indicator_id",
                    f"unknown indicator {indicator_id!r}: no collection {team!r} may read holds it",
                )
            obj, producer = found
            pattern = obj.get("pattern") or ""
            check_pattern(pattern)
            return self._do_import(team, indicator_id, pattern, producer, level_of(obj), actor)

    def _do_import(
        self, team: str, indicator_id: str, pattern: str, producer: str, tlp: Tlp, actor: str
    ) -> list[Event]:
        self._emit(
            IndicatorImported(
                time=self.now,
                team=team,
                actor=actor,
                indicator_id=indicator_id,
                pattern=pattern,
                producer=producer,
                tlp=tlp.label,
            )
        )
        return self._do_deploy(team, indicator_id, pattern, producer, tlp, actor)

    # -- team actions: responses ------------------------------------------------------

    def block(
        self, team: str, kind: str, value: str, *, direction: str = "both", actor: str
    ) -> Rule:
        """Add a response rule (see :mod:`range.responses` for kinds and values)."""
        with self._lock:
            self._running()
            self._team(team)
            value, direction = normalise(kind, value, direction)
            if kind == "isolate-host":
                import ipaddress

                if not self.scenario.team(team).contains(ipaddress.ip_address(value)):
                    raise ActionError("host", f"{value} is not inside team {team!r}'s networks")
            return self._do_block(team, kind, value, direction, actor)

    def _do_block(self, team: str, kind: str, value: str, direction: str, actor: str) -> Rule:
        state = self.teams[team]
        state.rule_count += 1
        rule = Rule(f"{team}-r{state.rule_count}", team, kind, value, direction, self.now)
        state.fabric.responses.add(rule)
        self._emit(
            ResponseApplied(
                time=self.now,
                team=team,
                actor=actor,
                rule=rule.id,
                rule_kind=kind,
                value=value,
                direction=direction,
            )
        )
        self._commit()
        return rule

    def block_ip(self, team: str, ip: str, *, direction: str = "both", actor: str) -> Rule:
        return self.block(team, "block-ip", ip, direction=direction, actor=actor)

    def block_cidr(self, team: str, cidr: str, *, direction: str = "both", actor: str) -> Rule:
        return self.block(team, "block-cidr", cidr, direction=direction, actor=actor)

    def block_port(
        self, team: str, protocol: str, port: int, *, direction: str = "both", actor: str
    ) -> Rule:
        return self.block(
            team, "block-port", f"{protocol}/{port}", direction=direction, actor=actor
        )

    def sinkhole(self, team: str, domain: str, *, actor: str) -> Rule:
        return self.block(team, "sinkhole-domain", domain, actor=actor)

    def isolate(self, team: str, host: str, *, actor: str) -> Rule:
        """Cut all traffic to and from one of the team's hosts (a name or an address)."""
        with self._lock:
            self._team(team)
            hosts = {h.name: str(h.ip) for h in self.scenario.team(team).hosts}
            address = hosts.get(host, host)
            try:
                return self.block(team, "isolate-host", address, actor=actor)
            except ActionError as exc:
                if exc.field == "ip":
                    raise ActionError(
                        "host", f"{host!r} is neither a host of {team!r} nor an address"
                    ) from None
                raise

    def unblock(self, team: str, rule_id: str, *, actor: str) -> list[Event]:
        """Lift a response rule."""
        with self._lock:
            self._running()
            state = self._team(team)
            if state.fabric.responses.remove(rule_id) is None:
                raise ActionError("rule", f"{team!r} has no active rule {rule_id!r}")
            self._emit(ResponseLifted(time=self.now, team=team, actor=actor, rule=rule_id))
            return self._commit()

    # -- team actions: alerts and reports ---------------------------------------------

    def _alert(self, state: TeamState, alert_id: str) -> Alert:
        alert = state.alerts.get(alert_id)
        if alert is None:
            raise ActionError("alert_id", f"team {state.id!r} has no alert {alert_id!r}")
        return alert

    def acknowledge(self, team: str, alert_id: str, *, actor: str) -> list[Event]:
        with self._lock:
            self._running()
            self._alert(self._team(team), alert_id)
            self._emit(AlertAcknowledged(time=self.now, team=team, actor=actor, alert_id=alert_id))
            return self._commit()

    def mark_false_positive(
        self, team: str, alert_id: str, *, note: str = "", actor: str
    ) -> list[Event]:
        """Record that the team judged an alert a false positive (for the report;
        scoring decides false positives from the labels, not from this mark)."""
        with self._lock:
            self._running()
            self._alert(self._team(team), alert_id)
            self._emit(
                AlertFalsePositive(
                    time=self.now, team=team, actor=actor, alert_id=alert_id, note=note
                )
            )
            return self._commit()

    def sitrep(self, team: str, text: str, *, actor: str) -> str:
        """File a situation report for the director to score; its id."""
        with self._lock:
            self._running()
            state = self._team(team)
            if not isinstance(text, str) or not text.strip():
                raise ActionError("text", "a situation report needs text")
            state.sitrep_count += 1
            event = Sitrep(
                time=self.now,
                team=team,
                actor=actor,
                sitrep_id=f"{team}-s{state.sitrep_count}",
                text=text,
            )
            state.sitreps[event.sitrep_id] = event
            self._emit(event)
            self._commit()
            return event.sitrep_id
