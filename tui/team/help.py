"""The help overlay (``?`` or F8): the keys for a first indicator, the alerts and the
responses. Shown once by itself to a first-time player, after the briefing; whether
the player has seen it is remembered in a marker file under the user's config
directory (:func:`first_time`, :func:`remember_guided`)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

KEYS = """\
[b]Your first indicator[/b] (F3, Indicators)
  type a STIX pattern   checked as you type, the error marked, e.g.
                        \\[ipv4-addr:value = '203.0.113.66']
  ctrl+t  test          hits and a sample from recent traffic
  ctrl+g  deploy        your sensor alerts on it from now on
  TLP box, ctrl+s       publish it to the other CERTs with that TLP
[b]Alerts[/b] (F1)     a ack · x false positive · o its traffic · b block · m older
[b]Responses[/b] (F5)  ctrl+b block/sinkhole/isolate · u unblock the rule
[b]Shared[/b] (F4)     d deploy what another CERT shared
[b]Traffic[/b] (F2)    filters (address … since, until), Enter searches
[b]Score[/b] F6 · [b]Briefing[/b] F7 (ctrl+o sitrep) · F9 reload · F10 theme
tab next field · ctrl+p every command · ? or F8 this help · ctrl+q quit"""

MARKER = "team-console-guided"


class HelpScreen(ModalScreen[None]):
    """The keys, over the console; any of escape, ?, F8, q or the button closes it."""

    BINDINGS = [
        Binding("escape,question_mark,f8,q", "close", "Close help"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Static("[b]Keys[/b] — the footer shows what works where", id="help-title")
            yield Static(KEYS, id="help-keys")
            yield Button("Got it (escape)", id="help-close", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()


def _marker(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "grapevine" / MARKER


def first_time(environ: dict[str, str] | None = None) -> bool:
    """Whether this user has not yet been shown the help by itself."""
    return not _marker(environ).exists()


def remember_guided(environ: dict[str, str] | None = None) -> None:
    """Note that the help was shown (a failure to write only means it shows again)."""
    marker = _marker(environ)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass
