"""phishing-smtp: one SMTP delivery per recipient, with the link in the body."""

from __future__ import annotations

from tests.scenarios.conftest import ATTACKER, TARGET, frames_of, run_technique


def test_smtp_dialogue_and_message(tshark) -> None:
    frames = frames_of(
        run_technique("phishing-smtp", recipients=["duty.officer", "chief@border.fr.example"])
    )
    commands = tshark(frames, "ip.src", "smtp.req.command", "smtp.req.parameter",
                      display_filter="smtp.req")  # fmt: skip
    assert {r[0] for r in commands} == {ATTACKER}
    verbs = [r[1] for r in commands if r[1]]
    assert verbs == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"] * 2
    rcpts = [r[2] for r in commands if r[1] == "RCPT"]
    assert rcpts == ["TO:<duty.officer@border.fr.example>", "TO:<chief@border.fr.example>"]
    replies = tshark(frames, "ip.src", "smtp.response.code", display_filter="smtp.response")
    assert {r[0] for r in replies} == {TARGET} and "354" in {r[1] for r in replies}
    mails = tshark(frames, "imf.from", "imf.subject", "text", display_filter="imf")
    assert len(mails) == 2
    assert all(r[0] == "it-servicedesk@eu-border-support.example" for r in mails)
    assert all(r[1].startswith("Action required") for r in mails)
    assert all("http://login.eu-border-support.example/ees/validate" in r[2] for r in mails)
