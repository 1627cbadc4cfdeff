"""The login app against a real server: it checks the account, picks the account's
own console (or the one asked for, if the role may use it), and says why not."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Select, Static

from range.api.models import Caller, ClockView, ExerciseView
from tests.indicators.conftest import PASSWORD
from tests.range.api.conftest import RangeHarness
from tests.tui.conftest import until
from tui.login import BY_ROLE, Login, LoginApp, available, console_for


def log_in(api: RangeHarness, user: str, password: str, console: str = BY_ROLE):
    """Fill in the form as a person would; the app's result and the error shown."""

    async def main() -> tuple[Login | None, str]:
        app = LoginApp(api.server.url)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            app.query_one("#login-console", Select).value = console
            await pilot.click("#login-user")
            await pilot.press(*user, "enter")
            assert app.focused is app.query_one("#login-password")
            await pilot.press(*password, "enter")
            error = app.query_one("#login-error", Static)
            await until(pilot, lambda: app._exit or str(error.render()), "an answer")
            return app.return_value, str(error.render())

    return asyncio.run(main())


def test_a_team_account_opens_its_team_console(started):
    login, error = log_in(started, "ee-analyst", PASSWORD)
    assert error == "" and login is not None
    assert login.console == "team" and login.client.team == "ee"
    login.client.close()


def test_a_partner_gets_the_scoreboard_and_not_a_team_console(started):
    login, _ = log_in(started, "partner", PASSWORD)
    assert login is not None and login.console == "scoreboard"
    login.client.close()
    login, error = log_in(started, "partner", PASSWORD, "team")
    assert login is None and "has role partner and plays no team" in error


def test_a_wrong_password_is_said_and_the_form_stays(started):
    login, error = log_in(started, "ee-analyst", "not it")
    assert login is None and error == "wrong user or password"


def test_a_team_account_may_open_the_scoreboard(started):
    login, _ = log_in(started, "lv-analyst", PASSWORD, "scoreboard")
    assert login is not None and login.console == "scoreboard"
    login.client.close()


@pytest.mark.parametrize(
    ("role", "team", "wanted", "expected"),
    [
        ("team", "ee", BY_ROLE, "team"),
        ("partner", None, BY_ROLE, "scoreboard"),
        ("director", None, "scoreboard", "scoreboard"),
        ("team", "ee", "director", None),
    ],
)
def test_console_for_a_role(role, team, wanted, expected):
    view = ExerciseView(
        title="t",
        briefing="",
        status="running",
        clock=ClockView(time="", epoch=0, speed=1, paused=False, elapsed=0, duration=1),
        teams=[],
        caller=Caller(user="u", role=role, team=team),
    )
    if expected is None:
        with pytest.raises(ValueError, match="not director"):
            console_for(view, wanted)
    else:
        assert console_for(view, wanted) == expected
    director = console_for(
        view.model_copy(update={"caller": Caller(user="d", role="director", team=None)}), BY_ROLE
    )
    assert director == ("director" if "director" in available() else "scoreboard")
