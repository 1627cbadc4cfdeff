"""A big envelope does not keep other teams' small posts waiting until it is done.

The store commits a big envelope in batches (``COMMIT_BATCH`` objects per write
transaction), so another team's small POST gets the write lock between two batches
instead of after the whole envelope.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from indicators.store import Store
from indicators.store.writer import COMMIT_BATCH
from indicators.taxii import ServerConfig
from tests.indicators.conftest import TAXII, Harness, start_harness
from tests.indicators.factory import indicator

BATCHES = 8
POST_HEADERS = {"Content-Type": TAXII}


@pytest.fixture
def roomy(store_url: str) -> Iterator[Harness]:
    path = store_url
    harness = start_harness(path, ServerConfig(db=path, max_content_length=64 * 1024 * 1024))
    try:
        yield harness
    finally:
        harness.server.stop()
        harness.store.close()


def addresses(count: int) -> list[dict]:
    """``count`` ipv4-addr SCOs (cheap for stix2 to check, so the test stays quick)."""
    rng = random.Random(41)
    return [
        {
            "type": "ipv4-addr",
            "spec_version": "2.1",
            "id": f"ipv4-addr--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            "value": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
        }
        for n in range(count)
    ]


def stored_rows(store: Store) -> int:
    """Rows committed in ``objects``, read on a connection of its own."""
    with store.engines[0].connect() as conn:
        return conn.execute(text("SELECT count(*) FROM objects")).scalar_one()


def test_a_small_post_completes_while_a_big_envelope_is_being_stored(roomy: Harness) -> None:
    total = COMMIT_BATCH * BATCHES
    big = json.dumps({"objects": addresses(total)})
    finished: list[str] = []
    answers: dict[str, int] = {}

    def post_big() -> None:
        response = roomy.http("de-analyst").post(
            roomy.objects_url("cert-de"), data=big, headers=POST_HEADERS, timeout=300
        )
        answers["big"] = response.status_code
        finished.append("big")

    thread = threading.Thread(target=post_big, daemon=True)
    thread.start()
    # Wait until part of the big envelope is committed: from then on it is storing.
    deadline = time.monotonic() + 240
    seen = 0
    while time.monotonic() < deadline and "big" not in finished:
        seen = stored_rows(roomy.store)
        if 0 < seen < total:
            break
        time.sleep(0.005)
    assert 0 < seen < total, f"never saw the envelope part-stored (rows: {seen}/{total})"
    small = {"objects": [indicator(random.Random(42))]}
    response = roomy.http("fr-analyst").post(
        roomy.objects_url("cert-fr"), data=json.dumps(small), headers=POST_HEADERS, timeout=300
    )
    answers["small"] = response.status_code
    finished.append("small")
    thread.join(300)
    assert answers == {"big": 202, "small": 202}
    assert finished == ["small", "big"]


def test_a_batched_envelope_has_one_status_counting_every_object(roomy: Harness) -> None:
    objs = addresses(COMMIT_BATCH + 5)
    objs[COMMIT_BATCH + 2] = {"type": "ipv4-addr", "spec_version": "2.1"}  # no id
    collection = roomy.collection("de-analyst", "cert-de")
    status = collection.add_objects(json.dumps({"objects": objs}))
    assert (status.total_count, status.success_count, status.failure_count) == (
        COMMIT_BATCH + 5,
        COMMIT_BATCH + 4,
        1,
    )
    assert status.failures[0]["id"] == f"objects[{COMMIT_BATCH + 2}]"
    status.refresh()  # read back from the status endpoint
    assert (status.status, status.success_count) == ("complete", COMMIT_BATCH + 4)
