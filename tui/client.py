"""The only I/O of the consoles: the range HTTP API and TAXII 2.1, over HTTP.

A :class:`ConsoleClient` is one account on one server. Every call blocks (the apps
run them in Textual thread workers, never on the event loop) and returns the API's
own pydantic models (:mod:`range.api.models`), so a console reads exactly what the
OpenAPI document describes. Every refusal raises :class:`~tui.errors.ClientError`
carrying the API's JSON error (status, field, detail, pattern position); a server
that does not answer raises :class:`~tui.errors.ConnectionLostError`.

:meth:`ConsoleClient.follow` is the live feed: it long-polls ``GET /api/events``
after a cursor and yields pages of events, and :class:`Link` states when the
connection drops and comes back, retrying with :class:`Backoff`.

Other teams' indicators are read over TAXII with taxii2-client
(:meth:`ConsoleClient.shared`): the server's TLP rules decide what the account sees.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import requests
from pydantic import BaseModel
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, as_pages

from indicators.tlp import level_of
from indicators.users import team_identity_id
from range.api.models import (
    AlertList,
    AlertView,
    DeployedIndicator,
    DeployedList,
    DeployResult,
    Done,
    EventPage,
    ExerciseView,
    Fired,
    ObservationList,
    ObservationView,
    PatternCheck,
    PatternTestResult,
    PublishResult,
    ResponseList,
    ResponseRule,
    Scoreboard,
    ScoreHistory,
    SitrepView,
    TeamScore,
    Timeline,
    TimelineEntry,
)
from tui.errors import ClientError, ConnectionLostError

TIMEOUT = 15.0
"""Seconds a call may take beyond any long-poll wait."""

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SharedIndicator:
    """An indicator another team published that this account may read over TAXII."""

    indicator_id: str
    name: str
    pattern: str
    producer: str
    """The producing team's id (or the identity id when it is not a team of the
    exercise, e.g. a partner)."""
    tlp: str
    created: str
    sightings: int = 0
    """Times it was sighted, summed over the Sightings this account may read."""
    sighted_by: tuple[str, ...] = ()
    """The teams (or identities) whose Sightings of it this account may read."""


@dataclass(frozen=True)
class Link:
    """A change of the connection: ``up`` again, or ``down`` with the next try in
    ``retry_in`` seconds and why."""

    state: Literal["up", "down"]
    retry_in: float = 0.0
    reason: str = ""


class Backoff:
    """Delays between reconnection attempts: ``first``, doubling up to ``most``."""

    def __init__(self, first: float = 0.25, most: float = 8.0) -> None:
        self.first = first
        self.most = most
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.most)
        return delay

    def reset(self) -> None:
        self._next = self.first


class ConsoleClient:
    """One account (``user``, ``password``) on the range server at ``url`` (its root,
    where ``/api`` and the TAXII API roots live)."""

    def __init__(self, url: str, user: str, password: str, *, api_root: str = "grapevine") -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.user = user
        self._password = password
        self.api_root = api_root
        self.team: str | None = None
        """The account's team, known after :meth:`exercise`."""
        self.teams: list[str] = []
        self._http = requests.Session()
        self._http.auth = (user, password)
        self._taxii: ApiRoot | None = None

    def close(self) -> None:
        self._http.close()
        if self._taxii is not None:
            self._taxii.close()

    # -- one call --------------------------------------------------------------------

    def _call(self, method: str, path: str, *, wait: float = 0.0, **kw: Any) -> Any:
        name = f"{method} /api{path}"
        try:
            response = self._http.request(
                method, f"{self.url}api{path}", timeout=TIMEOUT + wait, **kw
            )
        except requests.RequestException as exc:
            raise ConnectionLostError(name, type(exc).__name__) from None
        if response.status_code >= 400:
            raise _refusal(name, response)
        return response.json()

    def _get(self, model: type[M], path: str, **params: Any) -> M:
        params = {k: v for k, v in params.items() if v is not None}
        return model.model_validate(self._call("GET", path, params=params))

    def _post(self, model: type[M], path: str, body: dict[str, Any] | None = None) -> M:
        return model.model_validate(self._call("POST", path, json=body))

    @property
    def _mine(self) -> str:
        if self.team is None:
            raise ClientError("team", 0, None, f"user {self.user} plays no team")
        return f"/teams/{self.team}"

    # -- the exercise ----------------------------------------------------------------

    def exercise(self) -> ExerciseView:
        """The exercise's state; also learns the account's team and the teams."""
        view = self._get(ExerciseView, "/exercise")
        self.team = view.caller.team
        self.teams = [t.id for t in view.teams]
        return view

    def events(self, after: int = 0, *, wait: float = 0.0, limit: int = 200) -> EventPage:
        """Events after ``after`` (waiting up to ``wait`` s for one) and the cursor."""
        params = {"after": after, "wait": wait, "limit": limit}
        return EventPage.model_validate(self._call("GET", "/events", wait=wait, params=params))

    def follow(
        self,
        after: int,
        stop: threading.Event,
        *,
        wait: float = 5.0,
        backoff: Backoff | None = None,
    ) -> Iterator[EventPage | Link]:
        """Pages of events after ``after`` as they come, until ``stop`` is set; a
        :class:`Link` each time the connection drops (then retries after a growing
        delay) and when it is back. Empty pages are not yielded."""
        backoff = backoff or Backoff()
        down = False
        while not stop.is_set():
            try:
                page = self.events(after, wait=wait)
            except ConnectionLostError as exc:
                delay = backoff.next()
                down = True
                yield Link("down", delay, exc.detail)
                stop.wait(delay)
                continue
            if down:
                down = False
                backoff.reset()
                yield Link("up")
            after = page.last_seq
            if page.events:
                yield page

    # -- alerts and traffic ----------------------------------------------------------

    def alerts(self, after: int = 0, state: str | None = None) -> list[AlertView]:
        return self._get(AlertList, f"{self._mine}/alerts", after=after, state=state).alerts

    def acknowledge(self, alert_id: str) -> Done:
        return self._post(Done, f"{self._mine}/alerts/{alert_id}/acknowledge")

    def false_positive(self, alert_id: str, note: str = "") -> Done:
        return self._post(Done, f"{self._mine}/alerts/{alert_id}/false-positive", {"note": note})

    def observations(
        self,
        *,
        address: str | None = None,
        domain: str | None = None,
        port: int | None = None,
        protocol: str | None = None,
        start: float | None = None,
        end: float | None = None,
        limit: int = 100,
    ) -> list[ObservationView]:
        """The team's recent observations matching every filter given, newest first."""
        return self._get(
            ObservationList,
            f"{self._mine}/observations",
            address=address,
            domain=domain,
            port=port,
            protocol=protocol,
            start=_iso(start),
            end=_iso(end),
            limit=limit,
        ).observations

    # -- indicators ------------------------------------------------------------------

    def indicators(self) -> list[DeployedIndicator]:
        return self._get(DeployedList, f"{self._mine}/indicators").indicators

    def validate(self, pattern: str) -> PatternCheck:
        return self._post(PatternCheck, f"{self._mine}/patterns/validate", {"pattern": pattern})

    def test(self, pattern: str, sample: int = 10) -> PatternTestResult:
        body = {"pattern": pattern, "sample": sample}
        return self._post(PatternTestResult, f"{self._mine}/patterns/test", body)

    def deploy(self, pattern: str, name: str = "") -> DeployResult:
        body = {"pattern": pattern, "name": name}
        return self._post(DeployResult, f"{self._mine}/indicators", body)

    def undeploy(self, indicator_id: str) -> Done:
        return Done.model_validate(self._call("DELETE", f"{self._mine}/indicators/{indicator_id}"))

    def publish(
        self,
        *,
        tlp: str,
        pattern: str | None = None,
        indicator_id: str | None = None,
        name: str = "",
        recipients: list[str] | None = None,
    ) -> PublishResult:
        """Publish a pattern (or one of the team's indicators) with a TLP 2.0 marking."""
        body: dict[str, Any] = {"tlp": tlp, "name": name, "recipients": recipients or []}
        body |= {"pattern": pattern} if pattern is not None else {"indicator_id": indicator_id}
        return self._post(PublishResult, f"{self._mine}/publish", body)

    def import_indicator(self, indicator_id: str) -> DeployResult:
        """Deploy another team's indicator, credited to its producer."""
        body = {"indicator_id": indicator_id}
        return self._post(DeployResult, f"{self._mine}/imports", body)

    # -- responses, score, reports ---------------------------------------------------

    def responses(self) -> list[ResponseRule]:
        return self._get(ResponseList, f"{self._mine}/responses").rules

    def respond(self, kind: str, value: str, direction: str = "both") -> ResponseRule:
        """Add a rule: ``kind`` is block-ip, block-cidr, block-port, sinkhole-domain or
        isolate-host."""
        body = {"kind": kind, "value": value, "direction": direction}
        return self._post(ResponseRule, f"{self._mine}/responses", body)

    def lift(self, rule_id: str) -> Done:
        return Done.model_validate(self._call("DELETE", f"{self._mine}/responses/{rule_id}"))

    def score(self) -> TeamScore:
        return self._get(TeamScore, f"{self._mine}/score")

    def sitrep(self, text: str) -> SitrepView:
        return self._post(SitrepView, f"{self._mine}/sitreps", {"text": text})

    # -- the director (a director account; a team's is refused with 403) -------------

    def timeline(self) -> list[TimelineEntry]:
        """The scenario's injects in order, then those the director fired: pending,
        fired or detected, and by which teams."""
        return self._get(Timeline, "/director/timeline").injects

    def start_exercise(self) -> ExerciseView:
        return self._post(ExerciseView, "/director/start")

    def pause_exercise(self) -> ExerciseView:
        return self._post(ExerciseView, "/director/pause")

    def resume_exercise(self) -> ExerciseView:
        return self._post(ExerciseView, "/director/resume")

    def set_speed(self, speed: float | Literal["max"]) -> ExerciseView:
        """Set the clock's speed factor, or ``"max"`` (as fast as possible)."""
        return self._post(ExerciseView, "/director/speed", {"speed": speed})

    def fire_inject(self, inject_id: str) -> Fired:
        """Fire a copy of the scenario's inject ``inject_id`` now."""
        return self._post(Fired, f"/director/injects/{inject_id}/fire")

    def message(self, text: str, to: list[str] | None = None) -> Done:
        """Message the teams ``to``, or every team when ``to`` is ``None``."""
        return self._post(Done, "/director/messages", {"text": text, "to": to or "all"})

    def score_sitrep(self, sitrep_id: str, points: float, comment: str = "") -> Done:
        body = {"points": points, "comment": comment}
        return self._post(Done, f"/director/sitreps/{sitrep_id}/score", body)

    # -- the scoreboard: read by every role (partners too) -----------------------------

    def scoreboard(self) -> Scoreboard:
        """Every team's total and per-category sums, best first."""
        return self._get(Scoreboard, "/scoreboard")

    def score_history(self, team: str | None = None) -> ScoreHistory:
        """Every team's running total over simulated time (only ``team``'s if given)."""
        return self._get(ScoreHistory, "/scoreboard/history", team=team)

    # -- TAXII -----------------------------------------------------------------------

    def shared(self) -> list[SharedIndicator]:
        """Every indicator another team (or partner) published that this account may
        read in the exercise's TAXII API root, oldest first, with the Sightings of it
        this account may read there (the engine publishes one per sighting team)."""
        name = f"TAXII {self.api_root}"
        if self._taxii is None:
            self._taxii = ApiRoot(
                f"{self.url}{self.api_root}/", user=self.user, password=self._password
            )
        producers = {team_identity_id(t): t for t in self.teams}
        mine = team_identity_id(self.team) if self.team else None
        found: dict[str, SharedIndicator] = {}
        seen: dict[str, dict[str, tuple[str, int]]] = {}  # indicator -> sighting -> count
        try:
            self._taxii.refresh()
            for collection in self._taxii.collections:
                if not collection.can_read:
                    continue
                kinds = ("indicator", "sighting")
                for page in as_pages(collection.get_objects, per_request=500, type=kinds):
                    for obj in page.get("objects", []):
                        if obj.get("type") == "sighting":
                            by = producers.get(obj.get("created_by_ref", ""), "unknown")
                            sightings = seen.setdefault(obj.get("sighting_of_ref", ""), {})
                            sightings[obj["id"]] = (by, int(obj.get("count", 1)))
                            continue
                        creator = obj.get("created_by_ref", "")
                        if creator == mine or obj.get("revoked"):
                            continue
                        if obj.get("pattern_type", "stix") != "stix":
                            continue
                        found[obj["id"]] = SharedIndicator(
                            indicator_id=obj["id"],
                            name=obj.get("name", ""),
                            pattern=obj["pattern"],
                            producer=producers.get(creator, creator or "unknown"),
                            tlp=level_of(obj).label,
                            created=obj["created"],
                        )
        except requests.RequestException as exc:
            raise ConnectionLostError(name, type(exc).__name__) from None
        except TAXIIServiceException as exc:
            raise ClientError(name, 0, None, str(exc)) from None
        for indicator_id, sightings in seen.items():
            if indicator_id in found:
                found[indicator_id] = replace(
                    found[indicator_id],
                    sightings=sum(count for _, count in sightings.values()),
                    sighted_by=tuple(sorted({by for by, _ in sightings.values()})),
                )
        return sorted(found.values(), key=lambda s: (s.created, s.indicator_id))


def _refusal(call: str, response: requests.Response) -> ClientError:
    """The API's JSON error body as a :class:`ClientError` (or the raw text)."""
    try:
        error = response.json()["error"]
        return ClientError(
            call,
            int(error["status"]),
            error.get("field"),
            str(error["detail"]),
            error.get("position"),
        )
    except (ValueError, KeyError, TypeError):
        return ClientError(call, response.status_code, None, response.text[:200] or "refused")


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat()


__all__ = ["Backoff", "ConsoleClient", "Link", "SharedIndicator"]
