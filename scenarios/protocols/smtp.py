"""An ESMTP submission on a :class:`TcpSession` and RFC 5322 message bytes. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from scenarios.protocols.tcp import TcpSession


def smtp_dialogue(
    session: TcpSession,
    *,
    server_name: str,
    helo: str,
    mail_from: str,
    rcpt_to: Sequence[str],
    message: bytes,
) -> TcpSession:
    """Run an ESMTP submission (banner, EHLO, MAIL, RCPT, DATA, QUIT) on a fresh session."""
    session.send(f"220 {server_name} ESMTP Postfix\r\n".encode(), from_client=False)
    session.exchange(
        f"EHLO {helo}\r\n".encode(),
        f"250-{server_name}\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".encode(),
    )
    session.exchange(f"MAIL FROM:<{mail_from}>\r\n".encode(), b"250 2.1.0 Ok\r\n")
    for rcpt in rcpt_to:
        session.exchange(f"RCPT TO:<{rcpt}>\r\n".encode(), b"250 2.1.5 Ok\r\n")
    session.exchange(b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")
    queue_id = "".join(session.rng.choice("0123456789ABCDEF") for _ in range(10))
    body = message.replace(b"\r\n.", b"\r\n..")
    session.exchange(body + b"\r\n.\r\n", f"250 2.0.0 Ok: queued as {queue_id}\r\n".encode())
    session.exchange(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    return session.close(from_client=False)


def email_message(
    *, sender: str, recipient: str, subject: str, body: str, message_id: str, date: str
) -> bytes:
    """RFC 5322 message bytes (CRLF line ends); ``date`` is given, never read from a clock."""
    headers = [
        f"From: {sender}",
        f"To: {recipient}",
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: <{message_id}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    text = "\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")
    return text.encode()
