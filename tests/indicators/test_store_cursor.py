"""indicators/store/cursor.py: opaque signed cursors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.store.cursor import Cursor, CursorError, decode, encode, query_digest

SECRET = b"s" * 32
DIGEST = query_digest("root", "coll", "filters")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**62), st.integers(0, 2**62))
def test_round_trip(date_added: int, row: int) -> None:
    token = encode(SECRET, Cursor(date_added, row), DIGEST)
    assert decode(SECRET, token, DIGEST) == Cursor(date_added, row)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_refused(text: str) -> None:
    with pytest.raises(CursorError):
        decode(SECRET, text, DIGEST)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 46), st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"))
def test_any_single_character_change_is_refused(position: int, char: str) -> None:
    token = encode(SECRET, Cursor(123456, 7), DIGEST)
    changed = token[:position] + char + token[position + 1 :]
    if changed != token:
        with pytest.raises(CursorError):
            decode(SECRET, changed, DIGEST)


def test_other_secret_or_query_is_refused() -> None:
    token = encode(SECRET, Cursor(1, 2), DIGEST)
    with pytest.raises(CursorError, match="altered"):
        decode(b"t" * 32, token, DIGEST)
    with pytest.raises(CursorError, match="different request"):
        decode(SECRET, token, query_digest("root", "coll", "other filters"))
