"""Logging in, then opening a console: the page ``grapevine web`` serves.

The consoles take the server, the account and the password on the command line;
in a browser there is no command line, so textual-serve runs this module for each
browser session (``python -m tui.login --url URL``). :class:`LoginApp` asks for the
user, the password and which console to open (by default the one the account's role
plays: a team's console for a team account, the director's for the director, the
scoreboard for a partner), checks them against the range API, and hands the
logged-in :class:`~tui.client.ConsoleClient` to that console, which then runs in the
same process. It works the same in a terminal.

In a browser both apps speak to textual-serve over one pipe, which expects one app
per process: :class:`HandOverDriver` (the web driver, installed by :func:`main` in
place of Textual's) lets the login app stop without ending the browser session and
the console start without announcing a new app (each app is given it in place of
Textual's web driver when textual-serve asks for that one).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import messages, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.drivers.web_driver import WebDriver
from textual.widgets import Button, Input, Label, Select, Static

from range.api.models import ExerciseView
from tui.client import ConsoleClient
from tui.errors import ClientError, ConnectionLostError
from tui.widgets.ui_calls import UiCalls, run_on_ui

CONSOLES: dict[str, tuple[str, str, str]] = {
    # name: (module, App class taking a logged-in ConsoleClient, what it is)
    "team": ("tui.team.app", "TeamApp", "CERT team console"),
    "director": ("tui.director.app", "DirectorApp", "director console"),
    "scoreboard": ("tui.scoreboard.app", "ScoreboardApp", "scoreboard"),
}
BY_ROLE = "by-role"
HINTS = {
    "login-user": "your account, e.g. ee-analyst; Enter: the password",
    "login-password": "your password; Enter: log in",
    "login-console": "which console to open; Tab: the button",
    "login-button": "Enter: log in",
}
"""What each field is for, shown under the form while it has the focus."""
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
"""The driver textual-serve asks for (``TEXTUAL_DRIVER``)."""


def available() -> list[str]:
    """The consoles installed, in the order the login offers them."""
    return [name for name, (module, _, _) in CONSOLES.items() if _installed(module)]


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def console_for(view: ExerciseView, wanted: str) -> str:
    """The console ``wanted`` (or the account's own with :data:`BY_ROLE`), if the
    account of ``view`` may use it; :class:`ValueError` saying why not otherwise."""
    caller = view.caller
    if wanted == BY_ROLE:
        wanted = "team" if caller.team else "director" if caller.role == "director" else ""
        if wanted not in available():
            wanted = "scoreboard"
    if wanted == "team" and caller.team is None:
        raise ValueError(f"user {caller.user} has role {caller.role} and plays no team")
    if wanted == "director" and caller.role != "director":
        raise ValueError(f"user {caller.user} has role {caller.role}, not director")
    if wanted not in available():
        raise ValueError(f"the {wanted} console is not installed")
    return wanted


def open_console(name: str, client: ConsoleClient) -> App[Any]:
    """The console ``name`` on a logged-in client."""
    module, cls, _ = CONSOLES[name]
    return getattr(importlib.import_module(module), cls)(client)


@dataclass(frozen=True)
class Login:
    """A checked account and the console it opens."""

    client: ConsoleClient
    console: str


class HandOverDriver(WebDriver):
    """Textual's web driver for a process that runs several apps in turn: only the
    first announces itself to textual-serve, and an app that hands over (see
    :meth:`hand_over`) stops without telling it the session ended. An app whose
    standard input ends (textual-serve went away) quits rather than run on unseen."""

    PRELUDE = b"__GANGLION__\n"
    _announced: ClassVar[bool] = False
    _handing_over: ClassVar[bool] = False

    @classmethod
    def hand_over(cls) -> None:
        """The running app's stop is not the session's end: another app follows."""
        cls._handing_over = True

    def start_application_mode(self) -> None:
        if HandOverDriver._announced:
            write = self._write

            def quiet(data: bytes) -> int:
                return 0 if data == self.PRELUDE else write(data)

            self._write = quiet
        HandOverDriver._announced = True
        super().start_application_mode()

    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # standard input ended: textual-serve is gone
            self._app.post_message(messages.ExitApp())

    def stop_application_mode(self) -> None:
        if not HandOverDriver._handing_over:
            super().stop_application_mode()
            return
        HandOverDriver._handing_over = False
        self.exit_event.set()
        self._input_reader.close()
        self._key_thread.join(timeout=1)
        if self._size is not None:  # the next app starts at the browser's size
            os.environ["COLUMNS"], os.environ["ROWS"] = (str(n) for n in self._size)


class LoginApp(UiCalls, App[Login | None]):
    """Asks for an account and a console; exits with the checked :class:`Login`."""

    TITLE = "Grapevine"
    CSS = """
    Screen {
        align: center middle;
    }
    #login {
        width: 60;
        max-width: 100%;
        height: auto;
        border: round $primary;
        padding: 0 1;
    }
    #login Label {
        margin-top: 1;
    }
    #login-title {
        text-style: bold;
    }
    #login-button {
        margin-top: 1;
        width: 100%;
    }
    #login-hint {
        color: $text-muted;
        margin-top: 1;
    }
    #login-error {
        color: $error;
        height: auto;
    }
    """
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False)]

    def __init__(self, url: str, *, api_root: str = "grapevine") -> None:
        super().__init__()
        self.url = url
        self.api_root = api_root

    def compose(self) -> ComposeResult:
        consoles = [("the account's own", BY_ROLE)] + [
            (CONSOLES[name][2], name) for name in available()
        ]
        with Vertical(id="login"):
            yield Static(f"Grapevine · log in to {self.url}", id="login-title")
            yield Label("User")
            yield Input(placeholder="e.g. ee-analyst", id="login-user")
            yield Label("Password")
            yield Input(password=True, id="login-password")
            yield Label("Console")
            yield Select(consoles, value=BY_ROLE, allow_blank=False, id="login-console")
            yield Button("Log in", variant="primary", id="login-button")
            yield Static("", id="login-hint")
            yield Static("", id="login-error")

    def on_descendant_focus(self) -> None:
        """Say what the focused field wants and what Enter does there."""
        focused = self.focused.id if self.focused is not None else None
        self.query_one("#login-hint", Static).update(HINTS.get(focused or "", ""))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "login-user":
            self.query_one("#login-password", Input).focus()
        else:
            self.log_in()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.log_in()

    def log_in(self) -> None:
        user = self.query_one("#login-user", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if not user or not password:
            self.show_error("give a user and a password")
            return
        self.query_one("#login-button", Button).disabled = True
        self.show_error("")
        wanted = self.query_one("#login-console", Select).value
        self.check(user, password, str(wanted))

    @work(thread=True, exclusive=True)
    def check(self, user: str, password: str, wanted: str) -> None:
        """Ask the server who the account is; exit with it if it may open the console."""
        client = ConsoleClient(self.url, user, password, api_root=self.api_root)
        try:
            console = console_for(client.exercise(), wanted)
        except (ClientError, ValueError) as exc:
            client.close()
            run_on_ui(self, self.refused, exc)
            return
        run_on_ui(self, self.logged_in, Login(client, console))

    def refused(self, error: Exception) -> None:
        self.query_one("#login-button", Button).disabled = False
        if isinstance(error, ConnectionLostError):
            self.show_error(f"the range server at {self.url} does not answer; try again")
        elif isinstance(error, ClientError) and error.status == 401:
            self.show_error("wrong user or password")
            self.query_one("#login-password", Input).value = ""
            self.query_one("#login-password", Input).focus()
        else:
            self.show_error(str(getattr(error, "detail", error)))

    def show_error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(text)

    def logged_in(self, login: Login) -> None:
        if isinstance(self._driver, HandOverDriver):
            HandOverDriver.hand_over()
        self.exit(login)


def main(argv: Sequence[str] | None = None) -> int:
    """Log in, then run the chosen console until it quits (``python -m tui.login``)."""
    parser = argparse.ArgumentParser(
        prog="python -m tui.login", description="Log in to a Grapevine console."
    )
    parser.add_argument("--url", required=True, help="the range server")
    parser.add_argument("--api-root", default="grapevine", help="the exercise's TAXII API root")
    args = parser.parse_args(argv)
    web = os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER
    login_app = LoginApp(args.url, api_root=args.api_root)
    if web:
        login_app.driver_class = HandOverDriver
    login = login_app.run()
    if login is None:
        return 0
    try:
        console = open_console(login.console, login.client)
        if web:
            console.driver_class = HandOverDriver
        console.run()
    finally:
        login.client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
