"""Handing a worker thread's result to the UI thread without waiting for it.

Textual's ``App.call_from_thread`` blocks the worker until the UI thread has run the
callback; while an app is closing, its loop may never run it, and an app that waits
for its workers to end then waits for ever (``q`` seen, the process never exits).
:func:`run_on_ui` posts the call as a message instead (``post_message`` is
thread-safe and does not wait; a message to an app that has closed is dropped), and
:class:`UiCalls` is the mixin whose handler runs it on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump


class UiCall(Message):
    """A call a worker thread asks the UI thread to make."""

    def __init__(self, call: Callable[[], object]) -> None:
        super().__init__()
        self.call = call


def run_on_ui(app: MessagePump, callback: Callable[..., object], *args: Any, **kw: Any) -> None:
    """Have ``app`` (a :class:`UiCalls` app) run ``callback(*args, **kw)`` on its UI
    thread soon; return at once."""
    app.post_message(UiCall(partial(callback, *args, **kw)))


class UiCalls:
    """Mixin for an App: runs the calls :func:`run_on_ui` posted to it."""

    def on_ui_call(self, message: UiCall) -> None:
        message.call()
