"""A simulated CERT's I/O: the range API over HTTP and TAXII 2.1 with taxii2-client.

The bot uses exactly what a person's console uses, with its own account (role
``team``): ``/api/exercise``, ``/api/events``, ``/api/teams/{team}/observations``,
``.../indicators``, ``.../publish``, ``.../import``, ``.../responses`` and, for other
teams' indicators, the TAXII collections of the exercise's API root read with
:mod:`taxii2client.v21` (the TLP rules of the server decide what it sees).

Failures raise :class:`~range.errors.BotError` naming the call and the server's reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import requests
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot, as_pages

from indicators.tlp import level_of
from indicators.users import team_identity_id
from range.bots.observations import epoch
from range.bots.policy import Shared
from range.errors import BotError

PAGE = 1000
"""Observations per request (the API's most)."""

TIMEOUT = 60.0
"""Seconds a request may take."""


class RangeClient:
    """One team's account on one range server (``url`` ends with ``/``)."""

    def __init__(
        self, url: str, team: str, user: str, password: str, *, api_root: str = "grapevine"
    ) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self.team = team
        self.user = user
        self._auth = (user, password)
        self.api_root = api_root
        self.page = PAGE
        self._http = requests.Session()
        self._http.auth = self._auth
        self._taxii: ApiRoot | None = None

    def close(self) -> None:
        self._http.close()
        if self._taxii is not None:
            self._taxii.close()

    # -- the range API ------------------------------------------------------------------

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        url = f"{self.url}api{path}"
        try:
            response = self._http.request(method, url, timeout=TIMEOUT, **kw)
        except requests.RequestException as exc:
            raise BotError(f"{self.user}: {method} {path} failed: {exc}") from None
        if response.status_code >= 400:
            try:
                detail = response.json()["error"]["detail"]
            except (ValueError, KeyError, TypeError):
                detail = response.text[:200]
            raise BotError(f"{self.user}: {method} {path} -> {response.status_code}: {detail}")
        return response.json()

    def exercise(self) -> dict[str, Any]:
        return self._call("GET", "/exercise")

    def events(self, after: int) -> tuple[list[dict[str, Any]], int]:
        """Every event the team may see after ``after``, and the new cursor."""
        out: list[dict[str, Any]] = []
        while True:
            page = self._call("GET", "/events", params={"after": after, "limit": 1000})
            out += page["events"]
            if not page["events"] or page["last_seq"] == after:
                return out, after
            after = page["last_seq"]

    def observations(self, since: float, until: float) -> list[dict[str, Any]]:
        """Every observation the API holds with ``since <= time < until`` (windows with
        more than a page are split in halves)."""
        found: dict[str, dict[str, Any]] = {}
        for view in self._window(since, until):
            found.setdefault(view["id"], view)
        return list(found.values())

    def _window(self, since: float, until: float) -> Iterator[dict[str, Any]]:
        params = {"start": _iso(since), "end": _iso(until), "limit": self.page}
        page = self._call("GET", f"/teams/{self.team}/observations", params=params)
        views = page["observations"]
        if len(views) < self.page or until - since < 1e-3:
            yield from views
            return
        middle = round((since + until) / 2, 6)
        yield from self._window(since, middle)
        yield from self._window(middle, until)

    def indicators(self) -> list[dict[str, Any]]:
        return self._call("GET", f"/teams/{self.team}/indicators")["indicators"]

    def deploy(self, pattern: str, name: str) -> dict[str, Any]:
        body = {"pattern": pattern, "name": name}
        return self._call("POST", f"/teams/{self.team}/indicators", json=body)

    def publish(
        self, pattern: str, tlp: str, name: str, recipients: list[str] | None = None
    ) -> dict[str, Any]:
        body = {"pattern": pattern, "tlp": tlp, "name": name, "recipients": recipients or []}
        return self._call("POST", f"/teams/{self.team}/publish", json=body)

    def import_indicator(self, indicator_id: str) -> dict[str, Any]:
        body = {"indicator_id": indicator_id}
        return self._call("POST", f"/teams/{self.team}/imports", json=body)

    def respond(self, kind: str, value: str) -> dict[str, Any]:
        body = {"kind": kind, "value": value}
        return self._call("POST", f"/teams/{self.team}/responses", json=body)

    # -- TAXII --------------------------------------------------------------------------

    def shared(self, teams: list[str]) -> list[Shared]:
        """Every STIX indicator of another team the account may read over TAXII."""
        if self._taxii is None:
            self._taxii = ApiRoot(
                f"{self.url}{self.api_root}/", user=self.user, password=self._auth[1]
            )
        producers = {team_identity_id(t): t for t in teams}
        out: dict[str, Shared] = {}
        try:
            self._taxii.refresh()
            for collection in self._taxii.collections:
                if not collection.can_read:
                    continue
                for page in as_pages(collection.get_objects, per_request=500, type="indicator"):
                    for obj in page.get("objects", []):
                        producer = producers.get(obj.get("created_by_ref", ""))
                        if producer is None or producer == self.team:
                            continue
                        if obj.get("pattern_type", "stix") != "stix" or obj.get("revoked"):
                            continue
                        shared = Shared(
                            obj["id"],
                            obj["pattern"],
                            producer,
                            epoch(obj["created"]),
                            _tlp_of(obj),
                        )
                        seen = out.get(shared.indicator_id)
                        if seen is None or seen.published > shared.published:
                            out[shared.indicator_id] = shared
        except (requests.RequestException, TAXIIServiceException, ValueError, KeyError) as exc:
            raise BotError(f"{self.user}: reading TAXII collections failed: {exc}") from None
        return sorted(out.values(), key=lambda s: (s.published, s.indicator_id))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(round(t, 6), UTC).isoformat()


def _tlp_of(obj: dict[str, Any]) -> str:
    return level_of(obj).label


__all__ = ["RangeClient"]
