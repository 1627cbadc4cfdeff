"""The range API forwarded by a worker's app (:mod:`range.api.forward`): two real
servers on loopback, the engine's (``api``) and a worker's in front of it over the
same store, and every answer compared with the engine's own."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from indicators.taxii import ServerConfig, TaxiiServer
from range.api.forward import create_worker_app, forward_blueprint
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import RangeHarness, ok, refused


@pytest.fixture
def worker(api: RangeHarness) -> Iterator[str]:
    """A worker's server forwarding to ``api``'s; its base URL."""
    app = create_worker_app(ServerConfig(db=api.store.location), api.server.url, store=api.store)
    server = TaxiiServer(app).start()
    try:
        yield server.url
    finally:
        server.stop()


def _both(api: RangeHarness, worker: str, method: str, path: str, user: str | None, **kw):
    """The same request to the engine and through the worker."""
    auth = (user, PASSWORD) if user else None
    direct = requests.request(method, api.server.url + path, auth=auth, timeout=30, **kw)
    forwarded = requests.request(method, worker + path, auth=auth, timeout=30, **kw)
    return direct, forwarded


SAME_HEADERS = ("Content-Type", "Content-Length", "WWW-Authenticate", "Cache-Control")


@pytest.mark.parametrize(
    ("method", "path", "user", "kw"),
    [
        ("GET", "api/exercise", "director", {}),
        ("GET", "api/openapi.json", "ee-analyst", {}),
        ("HEAD", "api/exercise", "director", {}),
        ("GET", "api/teams/lv/alerts", "ee-analyst", {}),  # another team's: 403
        ("GET", "api/no/such/route", "director", {}),  # 404
        ("GET", "api/events", "director", {"params": {"after": "x"}}),  # 400
        ("POST", "api/director/messages", "director", {"data": b"{not json"}),  # 400
        ("POST", "api/director/messages", "ee-analyst", {"json": {"text": "hi"}}),  # 403
        ("GET", "api/exercise", None, {}),  # 401
        ("POST", "api/director/pause", "director", {}),  # 409: not started
    ],
)
def test_a_forwarded_answer_is_the_engines(api, worker, method, path, user, kw):
    direct, forwarded = _both(api, worker, method, path, user, **kw)
    assert forwarded.status_code == direct.status_code
    assert forwarded.reason == direct.reason
    assert forwarded.content == direct.content
    for name in SAME_HEADERS:
        assert forwarded.headers.get(name) == direct.headers.get(name), name


def test_an_action_through_the_worker_reaches_the_engine_once(started, worker):
    director = started.http("director")
    answer = ok(director.post(f"{worker}api/director/messages", json={"text": "once"}, timeout=30))
    texts = [e.text for e in started.exercise.log.after(0) if e.kind == "message"]
    assert texts.count("once") == 1
    assert answer["seq"] == started.exercise.log.last_seq


def test_a_long_poll_through_the_worker_wakes_on_an_event(started, worker):
    cursor = started.exercise.log.last_seq
    answers: list[requests.Response] = []
    poll = threading.Thread(
        target=lambda: answers.append(
            started.http("ee-analyst").get(
                f"{worker}api/events", params={"after": cursor, "wait": 20}, timeout=40
            )
        )
    )
    began = time.monotonic()
    poll.start()
    started.service.message("wake up", [], "director")
    poll.join(30)
    assert time.monotonic() - began < 15
    page = ok(answers[0])
    assert [e["text"] for e in page["events"] if e["kind"] == "message"] == ["wake up"]


def test_an_event_stream_flows_through_the_worker(short_streams):
    started = short_streams
    app = create_worker_app(
        ServerConfig(db=started.store.location), started.server.url, store=started.store
    )
    with TaxiiServer(app) as server, started.http("ee-analyst").get(
        f"{server.url}api/events/stream", params={"after": started.exercise.log.last_seq},
        stream=True, timeout=30,
    ) as stream:  # fmt: skip
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 1000"
        started.service.message("streamed", [], "director")
        deadline = time.monotonic() + 20
        seen: list[str] = []
        while time.monotonic() < deadline and not any("streamed" in s for s in seen):
            seen.append(next(lines))
    assert "event: message" in seen


def test_a_wrong_password_is_refused_by_the_worker(api, worker):
    answer = requests.get(f"{worker}api/exercise", auth=("director", "wrong"), timeout=30)
    refused(answer, 401, "authorization")


def test_an_unreachable_engine_is_a_502(api):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    app = create_worker_app(
        ServerConfig(db=api.store.location), f"http://127.0.0.1:{port}/", store=api.store
    )
    with TaxiiServer(app) as server:
        answer = requests.get(f"{server.url}api/exercise", auth=("director", PASSWORD), timeout=30)
    refused(answer, 502, None)
    assert "not reachable" in answer.json()["error"]["detail"]


def test_the_engine_url_must_be_plain_http_with_a_port():
    for bad in ("https://127.0.0.1:1/", "http://127.0.0.1/", "127.0.0.1:80"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            forward_blueprint(bad)
