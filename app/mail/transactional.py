"""One-off messages sent at once (double opt-in, registration confirmation, data export…).

INTERFACE (stable): ``send_transactional(kind, to, context, attachments=())`` renders
the message for ``kind`` (a template name in ``emails/``), hands it to the
configured transport immediately and returns the ``OutgoingMessage``.
Kinds: "subscription_confirmation", "registration_confirmation",
"registration_update", "data_export".

This baseline writes a plain multipart message; the rendering work replaces it
with the MJML templates.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any

from flask import current_app

from app.mail.message import OutgoingMessage, clean_header, sender_domain
from app.mail.transport import Envelope, get_transport
from app.models import utcnow


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] | None = None  # e.g. {"method": "PUBLISH"} for text/calendar


def send_transactional(
    kind: str, to: str, context: dict[str, Any], attachments: tuple[Attachment, ...] | list[Attachment] = ()
) -> OutgoingMessage:
    subject = clean_header(context.get("subject", kind))
    msg = EmailMessage()
    name, addr = parseaddr(current_app.config["MAIL_FROM"])
    msg["From"] = formataddr((name, addr))
    msg["To"] = clean_header(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    message_id = make_msgid(domain=sender_domain())
    msg["Message-ID"] = message_id
    lines = [str(context.get("body", ""))]
    for label in ("action_url",):
        if context.get(label):
            lines.append(str(context[label]))
    msg.set_content("\n\n".join(lines), cte="quoted-printable")
    for att in attachments:
        msg.add_attachment(att.content, maintype=att.maintype, subtype=att.subtype,
                           filename=att.filename, params=att.params or {})
    raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    outgoing = OutgoingMessage(Envelope(addr, (to,)), raw, message_id)
    get_transport().send(outgoing.envelope, outgoing.raw)
    return outgoing
