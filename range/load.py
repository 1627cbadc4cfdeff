"""The load test of ``grapevine loadtest``: an exercise at speed under many clients.

:func:`run_load` starts ``grapevine serve SCENARIO --bots all`` as a child process on
a free loopback port (one process, or ``--workers N`` gunicorn workers on
PostgreSQL), over a new store, and starts the exercise as its director. Then, until
the request budget or the time bound is spent:

* **partners** (role partner) poll every collection over TAXII the way a partner's
  tool does: ``added_after`` the last page's ``X-TAXII-Date-Added-Last``, following
  ``next`` while ``more``;
* **consoles** (role team) poll the range API as the team console does: events after
  their cursor, alerts, the team's score, the scoreboard;
* **publishers** (role team) POST envelopes of indicators to their team's collection,
  at every TLP level (RED and AMBER ones must never reach a partner);
* the **bots** (every team is a simulated CERT) detect, publish and import on their own,
  inside the server.

Every client connects from a loopback address of its own (127.1.0.x), as partners
would from their own hosts, so per-address connection limits apply per client as in
production. Every request is timed; the server's memory (resident set of the server
process and its children: workers, arbiter) is sampled from ``/proc``.

Afterwards each partner checks what it received: no object twice (paging with
``next`` and polling with ``added_after`` must not repeat), none lost (a full read
of each collection, then one more ``added_after`` poll, holds nothing the partner
never got), and nothing TLP keeps from partners. Any 5xx, lost or repeated object or
TLP breach fails the run (:attr:`LoadResult.ok`).

Loopback only, bounded in requests and seconds, and it stops by itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import math
import os
import queue
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson
import requests
from requests.adapters import HTTPAdapter

from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Reader, Tlp, level_of, may_read
from indicators.users import PasswordPolicy, Role, User
from range.commands.serve_workers import check as check_workers
from range.commands.stores import is_url
from range.errors import RangeError, UsageError
from range.log import EventLog

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
TIMEOUT = 30.0
"""Seconds a request may take before it counts as an error (``timeout``)."""
RETRIES = 60
"""Times a request answered ``503`` with ``Retry-After`` is tried again: dozens of
clients starting at once queue for a couple of password checks at a time."""
READY_TIMEOUT = 120.0
"""Seconds the server has to announce itself."""
PARTNER = Reader(is_partner=True)
LEVELS = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
FIRST_CLIENT = ipaddress.IPv4Address("127.1.0.1")


@dataclass(frozen=True)
class LoadPlan:
    """What to run and how hard; :func:`check_plan` says what is out of range."""

    scenario: str
    partners: int = 8
    consoles: int = 4
    publishers: int = 2
    envelope: int = 20
    interval: float = 1.0
    page: int = 100
    seconds: float = 60.0
    requests: int = 20_000
    speed: str = "60"
    db: str | None = None
    workers: int | None = None
    sample_every: float = 0.5
    seed: int = 1


def check_plan(plan: LoadPlan) -> None:
    """Refuse a plan with a count or bound out of range (naming the flag)."""
    counts = {
        "--partners": (plan.partners, 0, 1000),
        "--consoles": (plan.consoles, 0, 1000),
        "--publishers": (plan.publishers, 0, 1000),
        "--envelope": (plan.envelope, 1, 1000),
        "--page": (plan.page, 1, 1000),
        "--requests": (plan.requests, 1, 10_000_000),
    }
    for flag, (value, low, high) in counts.items():
        if not low <= value <= high:
            raise UsageError(f"{flag} {value}: must be between {low} and {high}")
    for flag, value, high in (
        ("--seconds", plan.seconds, 86_400.0),
        ("--interval", plan.interval, 3_600.0),
    ):
        if not (math.isfinite(value) and 0 < value <= high):
            raise UsageError(f"{flag} {value:g}: must be above 0 and at most {high:g}")
    if plan.partners + plan.consoles + plan.publishers == 0:
        raise UsageError("no clients: give --partners, --consoles or --publishers above 0")


# -- measurements --------------------------------------------------------------------------


@dataclass
class Kind:
    """The requests of one kind: their latencies (ms) and outcomes."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Findings:
    """What the clients found wrong (besides failed requests)."""

    duplicates: int = 0
    lost: int = 0
    tlp_breaches: int = 0
    rejected: int = 0
    """Objects a publisher POSTed that the server did not store."""
    examples: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.examples) < 20:
            self.examples.append(text)


class Recorder:
    """Thread-safe request budget, timings and findings of one run."""

    def __init__(self, budget: int, deadline: float) -> None:
        self._lock = threading.Lock()
        self._left = budget
        self.deadline = deadline
        self.stop = threading.Event()
        self.kinds: dict[str, Kind] = {}
        self.findings = Findings()
        self.received = 0
        self.published = 0
        self.retried = 0

    def take(self) -> bool:
        """One request from the budget; ``False`` (and everyone stops) when it is
        spent or the time is up."""
        with self._lock:
            if self.stop.is_set() or self._left <= 0 or time.monotonic() >= self.deadline:
                self.stop.set()
                return False
            self._left -= 1
            return True

    def record(self, kind: str, ms: float, status: str) -> None:
        with self._lock:
            entry = self.kinds.setdefault(kind, Kind())
            entry.latencies.append(ms)
            entry.statuses[status] += 1

    def finding(self, what: str, text: str, count: int = 1) -> None:
        with self._lock:
            setattr(self.findings, what, getattr(self.findings, what) + count)
            self.findings.note(text)

    def add(self, what: str, count: int) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + count)


class Client:
    """One HTTP client: an account and a loopback source address of its own."""

    def __init__(self, base: str, user: str, password: str, source: str) -> None:
        self.base = base
        self.user = user
        self.http = requests.Session()
        self.http.auth = (user, password)
        adapter = _SourceAdapter(source)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)

    def call(
        self, recorder: Recorder | None, kind: str, method: str, url: str, **kw: Any
    ) -> requests.Response | None:
        """One timed request (recorded under ``kind`` unless ``recorder`` is None); the
        response, or None when it failed to arrive.

        As a well-behaved client does, a ``503`` with ``Retry-After`` (the server's
        back-pressure while it checks other passwords) is retried after that many
        seconds, :data:`RETRIES` times at most; the retries are counted apart
        (:attr:`Recorder.retried`), the request's time includes the waits."""
        begun = time.perf_counter()
        for attempt in range(RETRIES + 1):
            try:
                response = self.http.request(method, url, timeout=TIMEOUT, **kw)
                status = str(response.status_code)
            except requests.Timeout:
                response, status = None, "timeout"
            except requests.RequestException as exc:
                response, status = None, type(exc).__name__
            wait = _retry_after(response)
            if wait is None or attempt == RETRIES:
                break
            if recorder is None:
                time.sleep(wait)
                continue
            recorder.add("retried", 1)
            if recorder.stop.wait(wait):  # the run ends: no more tries
                break
        if recorder is not None:
            recorder.record(kind, (time.perf_counter() - begun) * 1000, status)
        return response

    def close(self) -> None:
        self.http.close()


def _retry_after(response: requests.Response | None) -> float | None:
    """Seconds a ``503`` asks to wait (``Retry-After``, at most 10), or ``None``."""
    if response is None or response.status_code != 503:
        return None
    try:
        return min(10.0, max(0.0, float(response.headers.get("Retry-After", ""))))
    except ValueError:
        return None


class _SourceAdapter(HTTPAdapter):
    def __init__(self, source: str) -> None:
        self._source = source
        super().__init__(pool_connections=2, pool_maxsize=2)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source, 0)
        super().init_poolmanager(*args, **kwargs)


def source_address(n: int) -> str:
    """The loopback address client ``n`` connects from (127.1.0.1, 127.1.0.2, ...)."""
    return str(FIRST_CLIENT + n)


# -- the clients ------------------------------------------------------------------------------


class Partner:
    """A partner's TAXII tool polling every collection it may read."""

    def __init__(self, client: Client, collections: list[str], page: int) -> None:
        self.client = client
        self.urls = [f"{c}objects/" for c in collections]
        self.page = page
        self.cursor: dict[str, str | None] = dict.fromkeys(self.urls)
        self.seen: dict[str, set[tuple[str, str]]] = {u: set() for u in self.urls}

    def poll(self, recorder: Recorder | None, url: str) -> set[tuple[str, str]] | None:
        """Every page after the cursor of ``url``; the (id, version) pairs received,
        or None if the budget ran out or a request failed."""
        got: set[tuple[str, str]] = set()
        seen = self.seen[url]
        query: dict[str, Any] = {"limit": self.page}
        if self.cursor[url]:
            query["added_after"] = self.cursor[url]
        params = query
        while True:
            if recorder is not None and not recorder.take():
                return None
            response = self.client.call(
                recorder, "TAXII poll", "GET", url, params=params, headers={"Accept": TAXII}
            )
            if response is None or response.status_code != 200:
                return None
            body = orjson.loads(response.content) if response.content else {}
            objects = body.get("objects", [])
            for obj in objects:
                key = (obj.get("id", ""), obj.get("modified") or obj.get("created") or "")
                level = level_of(obj)
                if recorder is not None and key in seen:
                    recorder.finding("duplicates", f"{self.client.user}: {key[0]} twice")
                if recorder is not None and not may_read(PARTNER, level, None):
                    recorder.finding(
                        "tlp_breaches", f"{self.client.user} received {key[0]} at TLP:{level.label}"
                    )
                seen.add(key)
                got.add(key)
            if recorder is not None:
                recorder.add("received", len(objects))
            last = response.headers.get("X-TAXII-Date-Added-Last")
            if last:
                self.cursor[url] = last
            if not body.get("more") or not body.get("next"):
                return got
            params = {**query, "next": body["next"]}  # the same query, the next page

    def run(self, recorder: Recorder, interval: float) -> None:
        while not recorder.stop.is_set():
            for url in self.urls:
                if self.poll(recorder, url) is None and recorder.stop.is_set():
                    return
            recorder.stop.wait(interval)

    def check(self, recorder: Recorder) -> None:
        """After the load: a full read of each collection, then one more poll; whatever
        the full read holds that this partner never received was lost."""
        for url in self.urls:
            full = Partner(self.client, [url[: -len("objects/")]], 1000)
            everything = full.poll(None, full.urls[0])
            if everything is None:
                recorder.finding("lost", f"{self.client.user}: the check could not read {url}")
                continue
            self.poll(None, url)  # catch up on what was added since the last poll
            missing = everything - self.seen[url]
            if missing:
                recorder.finding(
                    "lost",
                    f"{self.client.user}: {len(missing)} object(s) of {url} never received,"
                    f" e.g. {sorted(missing)[0][0]}",
                    len(missing),
                )


class Console:
    """A team console polling the range API (events, alerts, score, scoreboard)."""

    def __init__(self, client: Client, team: str) -> None:
        self.client = client
        self.team = team
        self.after = 0

    def run(self, recorder: Recorder, interval: float) -> None:
        api = f"{self.client.base}api"
        calls: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
            ("API events", f"{api}/events", lambda: {"after": self.after, "limit": 200}),
            ("API alerts", f"{api}/teams/{self.team}/alerts", dict),
            ("API score", f"{api}/teams/{self.team}/score", dict),
            ("API scoreboard", f"{api}/scoreboard", dict),
        ]
        while not recorder.stop.is_set():
            for kind, url, params in calls:
                if not recorder.take():
                    return
                response = self.client.call(recorder, kind, "GET", url, params=params())
                if kind == "API events" and response is not None and response.ok:
                    self.after = response.json().get("last_seq", self.after)
            recorder.stop.wait(interval)


class Publisher:
    """A team's tool POSTing envelopes of indicators, at every TLP level, to the team's
    collection over TAXII."""

    def __init__(self, client: Client, collection: str, size: int, rng: random.Random) -> None:
        self.client = client
        self.url = f"{collection}objects/"
        self.size = size
        self.rng = rng
        self.sent = 0

    def envelope(self) -> dict[str, Any]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        objects = []
        for _ in range(self.size):
            n = self.sent
            self.sent += 1
            level = LEVELS[n % len(LEVELS)]
            address = f"203.0.113.{n % 250 + 1}"
            objects.append(
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": f"indicator--{uuid.UUID(int=self.rng.getrandbits(128), version=4)}",
                    "created": now,
                    "modified": now,
                    "name": f"load test {self.client.user} #{n}",
                    "pattern": f"[ipv4-addr:value = '{address}']",
                    "pattern_type": "stix",
                    "valid_from": now,
                    "indicator_types": ["malicious-activity"],
                    "object_marking_refs": [TLP2_MARKING_IDS[level]],
                }
            )
        return {"objects": objects}

    def run(self, recorder: Recorder, interval: float) -> None:
        headers = {"Accept": TAXII, "Content-Type": TAXII}
        while not recorder.stop.is_set():
            if not recorder.take():
                return
            body = self.envelope()
            response = self.client.call(
                recorder,
                "TAXII publish",
                "POST",
                self.url,
                data=orjson.dumps(body),
                headers=headers,
            )
            if response is not None and response.status_code == 202:
                status = response.json()
                stored = status.get("success_count", 0)
                recorder.add("published", stored)
                if stored != self.size:
                    recorder.finding(
                        "rejected",
                        f"{self.client.user}: {self.size - stored} of {self.size} refused:"
                        f" {status.get('failures', [])[:1]}",
                        self.size - stored,
                    )
            recorder.stop.wait(interval)


# -- the server ------------------------------------------------------------------------------


def serve_command(plan: LoadPlan, db: str) -> list[str]:
    """``grapevine serve`` of the plan's exercise on a free loopback port."""
    command = [
        *("serve", plan.scenario, "--db", db, "--port", "0", "--speed", plan.speed),
        *("--bots", "all"),
        *(
            "--max-connections",
            str(max(1000, 4 * (plan.partners + plan.consoles + plan.publishers))),
        ),
    ]
    if plan.workers is not None:
        command += ["--workers", str(plan.workers)]
    return command


class ServerProcess:
    """``grapevine ARGS`` (a ``serve``) in a child process, its output kept in ``log``."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "range.cli", *args],
            stdout=subprocess.PIPE,
            stderr=self._out,
            text=True,
            start_new_session=True,  # a Ctrl-C at the terminal is ours to pass on
            preexec_fn=_stop_with_parent(),
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, name="loadtest-server-output", daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._out.write(line)
            self._out.flush()
            self._lines.put(line)
        self._lines.put(None)

    def ready(self) -> str:
        """The server's base URL once it says it serves (it must within
        :data:`READY_TIMEOUT`)."""
        url = None
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            found = re.search(r"server on (https?://\S+/)", line)
            url = url or (found.group(1) if found else None)
            if "Ctrl-C" in line and url:
                return url
        self.stop()
        raise LoadTestError(f"the server did not start; its output is in {self.log}")

    def pids(self) -> list[int]:
        """The server's process and every process below it (Linux ``/proc``)."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            with contextlib.suppress(OSError):
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(p) for p in (task / "children").read_text().split()]
        return found

    def stop(self) -> int | None:
        """Ctrl-C to the server; killed if it is not gone in 30 s. Its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._out.close()
        return self.process.returncode


def _stop_with_parent() -> Callable[[], None] | None:
    """For ``preexec_fn``: a function that makes Linux send the child SIGINT (Ctrl-C,
    which it handles by stopping cleanly) if this process dies first, even by
    SIGKILL. ``None`` where there is no ``prctl`` (the parent's ``finally`` still stops
    the child whenever it can). libc is loaded here, in the parent: between fork and
    exec the child may only make the call."""
    try:
        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


def resident_bytes(pids: list[int], field: str = "VmRSS") -> int | None:
    """The summed resident set size of ``pids`` (``field="VmHWM"``: each one's peak so
    far); ``None`` where /proc is not there."""
    total, measured = 0, False
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1]) * 1024
                    measured = True
                    break
    return total if measured else None


class MemorySampler(threading.Thread):
    """Samples the server's memory every ``every`` seconds until stopped."""

    def __init__(self, server: ServerProcess, every: float) -> None:
        super().__init__(name="loadtest-memory", daemon=True)
        self.server = server
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._done = threading.Event()
        self._start = time.monotonic()

    def sample(self) -> None:
        rss = resident_bytes(self.server.pids())
        if rss is not None:
            self.samples.append((time.monotonic() - self._start, rss))

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.every)

    def finish(self) -> None:
        self._done.set()
        self.join()
        self.sample()


# -- the run ---------------------------------------------------------------------------------


class LoadTestError(RangeError):
    """The load test could not run (the server did not start, the store is not new)."""


@dataclass
class LoadResult:
    plan: LoadPlan
    store: str
    wall: float
    simulated: float
    kinds: dict[str, Kind]
    findings: Findings
    received: int
    published: int
    retried: int
    memory: list[tuple[float, int]]
    server_exit: int | None

    @property
    def server_errors(self) -> int:
        return sum(
            n for k in self.kinds.values() for s, n in k.statuses.items() if s.startswith("5")
        )

    @property
    def requests(self) -> int:
        return sum(len(k.latencies) for k in self.kinds.values())

    @property
    def failed(self) -> int:
        return sum(k.errors for k in self.kinds.values())

    @property
    def peak_memory(self) -> int | None:
        return max((rss for _, rss in self.memory), default=None)

    @property
    def ok(self) -> bool:
        f = self.findings
        return not (self.failed or f.duplicates or f.lost or f.tlp_breaches or f.rejected)

    def total(self) -> Kind:
        every = Kind()
        for kind in self.kinds.values():
            every.latencies += kind.latencies
            every.statuses.update(kind.statuses)
        return every

    def markdown(self) -> str:
        """The report: the plan, a row per request kind, the checks, memory over time."""
        p = self.plan
        workers = f"{p.workers} workers" if p.workers else "one process"
        lines = [
            f"# Load test: {p.scenario}",
            "",
            f"{p.partners} partners (TAXII polls, page {p.page}), {p.consoles} consoles"
            f" (range API), {p.publishers} publishers (envelopes of {p.envelope}),"
            f" bots for every team; every client every {p.interval:g} s;"
            f" store {self.store}, {workers}; speed {p.speed}.",
            f"Ran {self.wall:.1f} s (bounds: {p.seconds:g} s, {p.requests:,} requests);"
            f" the exercise advanced {self.simulated:,.0f} simulated s"
            f" ({self.simulated / self.wall if self.wall else 0:,.1f} per wall s).",
            "",
            "| requests | count | per s | errors | p50 ms | p90 ms | p99 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        rows = [*sorted(self.kinds.items()), ("all", self.total())]
        for name, kind in rows:
            errors = ", ".join(
                f"{n} x {s}" for s, n in sorted(kind.statuses.items()) if not s.startswith("2")
            )
            lines.append(
                f"| {name} | {len(kind.latencies):,} | {len(kind.latencies) / self.wall:,.1f}"
                f" | {errors or 0} | {kind.percentile(0.5):,.1f} | {kind.percentile(0.9):,.1f}"
                f" | {kind.percentile(0.99):,.1f} | {kind.percentile(1.0):,.1f} |"
            )
        f = self.findings
        lines += [
            "",
            f"Objects: partners received {self.received:,}; publishers stored {self.published:,}.",
            f"Answered 503 with Retry-After (logins beyond the password checks the server"
            f" runs at once) and tried again after the wait: {self.retried:,} time(s).",
            f"Checks: 5xx {self.server_errors}, failed requests {self.failed},"
            f" repeated objects {f.duplicates}, lost objects {f.lost},"
            f" TLP breaches {f.tlp_breaches}, refused publications {f.rejected}"
            f" — {'PASS' if self.ok else 'FAIL'}.",
        ]
        lines += [f"- {text}" for text in f.examples]
        if self.memory:
            lines += ["", "Server memory (resident, all its processes):", ""]
            lines += ["| s | MiB |", "| ---: | ---: |"]
            for t, rss in _spread(self.memory, 12):
                lines.append(f"| {t:.1f} | {rss / 2**20:,.1f} |")
            lines.append(f"| peak | {(self.peak_memory or 0) / 2**20:,.1f} |")
        return "\n".join(lines) + "\n"


def _spread(samples: list[tuple[float, int]], most: int) -> list[tuple[float, int]]:
    """At most ``most`` samples, evenly spaced, first and last kept."""
    if len(samples) <= most:
        return samples
    step = (len(samples) - 1) / (most - 1)
    return [samples[round(i * step)] for i in range(most)]


@dataclass
class _Accounts:
    director: tuple[str, str]
    partners: list[tuple[str, str]]
    consoles: list[tuple[str, str, str]]
    publishers: list[tuple[str, str, str]]


def _create_accounts(store: Store, plan: LoadPlan, teams: list[str]) -> _Accounts:
    """Accounts for every client, each with a fresh random password (kept in memory)."""
    policy = PasswordPolicy()
    made: dict[str, str] = {}

    def add(name: str, role: Role, team: str | None = None) -> str:
        password = secrets.token_urlsafe(24)
        store.add_user(User(name, role, team), policy.hash(password))
        made[name] = password
        return password

    director = ("load-director", add("load-director", Role.DIRECTOR))
    partners = [
        (name, add(name, Role.PARTNER))
        for name in (f"load-partner-{i}" for i in range(plan.partners))
    ]
    consoles = []
    for i in range(plan.consoles):
        team = teams[i % len(teams)]
        name = f"load-console-{team}-{i}"
        consoles.append((name, add(name, Role.TEAM, team), team))
    publishers = []
    for i in range(plan.publishers):
        team = teams[i % len(teams)]
        name = f"load-publisher-{team}-{i}"
        publishers.append((name, add(name, Role.TEAM, team), team))
    return _Accounts(director, partners, consoles, publishers)


@contextlib.contextmanager
def _new_store(plan: LoadPlan) -> Iterator[str]:
    """The store's location: ``plan.db`` (which must hold no exercise yet) or a SQLite
    file in a temporary directory removed afterwards."""
    if plan.db is not None:
        yield plan.db
        return
    tmp = Path(tempfile.mkdtemp(prefix="grapevine-loadtest-"))
    try:
        yield str(tmp / "loadtest.db")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _director_call(client: Client, path: str, method: str = "GET") -> dict[str, Any]:
    response = client.call(None, "", method, f"{client.base}api{path}", json=None)
    if response is None or not response.ok:
        detail = response.text[:200] if response is not None else "no answer"
        raise LoadTestError(f"{method} /api{path} failed: {detail}")
    return response.json()


def run_load(plan: LoadPlan, scenario_teams: list[str], out: TextIO | None = None) -> LoadResult:
    """Run ``plan`` (whose scenario has ``scenario_teams``); progress lines on ``out``."""
    check_plan(plan)
    if plan.workers is not None:
        check_workers(plan.workers, plan.db or "loadtest.db")
    say = (lambda text: print(text, file=out, flush=True)) if out else (lambda text: None)
    with _new_store(plan) as db, tempfile.TemporaryDirectory(prefix="grapevine-load-") as tmp:
        store = Store.open(db)
        try:
            if EventLog(store).last_seq:
                raise LoadTestError(
                    f"{db} already holds an exercise: the load test needs a new store"
                )
            accounts = _create_accounts(store, plan, scenario_teams)
        finally:
            store.close()
        server = ServerProcess(serve_command(plan, db), Path(tmp) / "server.log")
        sampler: MemorySampler | None = None
        clients: list[Client] = []
        try:
            base = server.ready()
            say(f"server on {base} (pid {server.process.pid}); starting the exercise")
            sampler = MemorySampler(server, plan.sample_every)
            sampler.start()
            result = _drive(plan, base, accounts, server, clients, say)
        finally:
            try:
                for client in clients:
                    client.close()
                if sampler is not None:
                    sampler.finish()
            finally:
                exit_status = server.stop()  # whatever failed above
        result.memory = sampler.samples if sampler else []
        result.server_exit = exit_status
        result.store = "PostgreSQL" if is_url(db) else "SQLite"
        return result


def _drive(
    plan: LoadPlan,
    base: str,
    accounts: _Accounts,
    server: ServerProcess,
    clients: list[Client],
    say: Callable[[str], None],
) -> LoadResult:
    def client(user: str, password: str) -> Client:
        made = Client(base, user, password, source_address(len(clients)))
        clients.append(made)
        return made

    director = client(*accounts.director)
    _director_call(director, "/director/start", "POST")
    root = _director_call(director, "/exercise")
    api_root = _api_root(director)
    listing = director.call(
        None, "", "GET", f"{base}{api_root}/collections/", headers={"Accept": TAXII}
    )
    if listing is None or not listing.ok:
        raise LoadTestError("the collections could not be listed")
    collections = {
        c.get("alias") or c["id"]: f"{base}{api_root}/collections/{c['id']}/"
        for c in listing.json().get("collections", [])
    }
    rng = random.Random(plan.seed)
    partners = [
        Partner(client(name, pw), list(collections.values()), plan.page)
        for name, pw in accounts.partners
    ]
    consoles = [Console(client(name, pw), team) for name, pw, team in accounts.consoles]
    publishers = [
        Publisher(client(name, pw), collections[team], plan.envelope, random.Random(rng.random()))
        for name, pw, team in accounts.publishers
    ]
    started = time.monotonic()
    recorder = Recorder(plan.requests, started + plan.seconds)
    threads = [
        threading.Thread(
            target=c.run, args=(recorder, plan.interval), name=f"load-{i}", daemon=True
        )
        for i, c in enumerate([*partners, *consoles, *publishers])
    ]
    say(
        f"{len(partners)} partners, {len(consoles)} consoles, {len(publishers)} publishers"
        f" for at most {plan.seconds:g} s or {plan.requests:,} requests"
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(plan.seconds + 2 * TIMEOUT)
    wall = time.monotonic() - started
    recorder.stop.set()
    end = _director_call(director, "/exercise")
    say(f"load done after {wall:.1f} s; checking what the partners received")
    for partner in partners:
        partner.check(recorder)
    if server.process.poll() is not None:
        raise LoadTestError(f"the server stopped during the run; its output is in {server.log}")
    return LoadResult(
        plan=plan,
        store="",
        wall=wall,
        simulated=end["clock"]["elapsed"] - root["clock"]["elapsed"],
        kinds=recorder.kinds,
        findings=recorder.findings,
        received=recorder.received,
        retried=recorder.retried,
        published=recorder.published,
        memory=[],
        server_exit=None,
    )


def _api_root(client: Client) -> str:
    """The server's default API root's name, from TAXII discovery."""
    response = client.call(None, "", "GET", f"{client.base}taxii2/", headers={"Accept": TAXII})
    if response is None or not response.ok:
        raise LoadTestError("TAXII discovery failed")
    default = response.json().get("default") or response.json()["api_roots"][0]
    return default.rstrip("/").rsplit("/", 1)[-1]
