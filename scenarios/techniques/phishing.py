"""Spearphishing link delivered by SMTP to the team's mail gateway (ATT&CK T1566.002)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from pydantic import Field

from scenarios.frames import TimedPacket, address_sco
from scenarios.protocols.smtp import email_message, smtp_dialogue
from scenarios.protocols.tcp import TcpSession
from scenarios.techniques.base import (
    Context,
    Emission,
    GroundTruth,
    Technique,
    TechniqueParams,
    stix_string,
)

BODY = """Dear colleague,

Due to the new Schengen Entry/Exit System rollout, all border staff must re-validate
their credentials before Friday, or their access to the gate consoles will be suspended.

Validate your account here: {link}

Regards,
IT Service Desk
"""


class PhishingParams(TechniqueParams):
    sender: str = "it-servicedesk@eu-border-support.example"
    subject: str = "Action required: credential re-validation for EES rollout"
    link: str = "http://login.eu-border-support.example/ees/validate"
    recipients: tuple[str, ...] = Field(
        default=("duty.officer", "gate.supervisor", "it.admin"), min_length=1, max_length=200
    )
    """Local parts (``@`` + the team domain is added) or full addresses."""
    helo: str = "mail.eu-border-support.example"


class PhishingSmtp(Technique):
    """One message per recipient, each on its own SMTP connection to the team's MX."""

    name = "phishing-smtp"
    attack_ids = ("T1566.002",)
    summary = "Phishing mail with a credential-harvesting link"
    Params = PhishingParams

    def generate(self, ctx: Context, params: PhishingParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        port = ctx.target.services.get("smtp", 25)
        server_name = ctx.target.hostname or f"mx.{ctx.domain}"
        packets: list[TimedPacket] = []
        now = ctx.start
        for local in params.recipients:
            rcpt = local if "@" in local else f"{local}@{ctx.domain}"
            date = format_datetime(datetime.fromtimestamp(int(now), UTC))
            message = email_message(
                sender=params.sender,
                recipient=rcpt,
                subject=params.subject,
                body=BODY.format(link=params.link),
                message_id=f"{rng.randbytes(8).hex()}@{params.helo}",
                date=date,
            )
            session = TcpSession(ctx.attacker, ctx.target, port, now, rng).handshake()
            smtp_dialogue(
                session,
                server_name=server_name,
                helo=params.helo,
                mail_from=params.sender,
                rcpt_to=[rcpt],
                message=message,
            )
            packets += session.packets
            now = session.now + rng.uniform(2.0, 20.0)
        packets.sort(key=lambda p: p.time)
        truth = GroundTruth(
            observables=(
                {"type": "email-addr", "value": params.sender},
                {"type": "url", "value": params.link},
                address_sco(ctx.attacker.ip),
            ),
            pattern=(
                f"[email-message:from_ref.value = {stix_string(params.sender)} AND "
                f"email-message:subject = {stix_string(params.subject)}]"
            ),
            description=f"{len(params.recipients)} phishing mails from {params.sender}",
        )
        return Emission(tuple(packets), truth)
