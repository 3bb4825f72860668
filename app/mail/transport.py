"""Transports hand finished message bytes to the world (or, in development, to the outbox)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.extensions import db
from app.models import OutboxMessage


@dataclass(frozen=True)
class Envelope:
    """What SMTP needs besides the bytes: the return path and the recipients."""

    mail_from: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class SendResult:
    """The server's answer for one message: ``code`` 250 means accepted."""

    code: int
    reply: str = ""
    queue_id: str | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300


class Transport(Protocol):
    def send(self, envelope: Envelope, raw: bytes) -> SendResult: ...

    def close(self) -> None: ...


def _header(raw: bytes, name: str) -> str:
    """A header's value, read from the head of the message without a full parse."""
    import email
    from email import policy

    head = raw.split(b"\r\n\r\n", 1)[0]
    msg = email.message_from_bytes(head + b"\r\n\r\n", policy=policy.default)
    return str(msg.get(name, ""))


class OutboxTransport:
    """Stores each message in the database instead of sending it (development, demos)."""

    def send(self, envelope: Envelope, raw: bytes) -> SendResult:
        row = OutboxMessage(
            mail_from=envelope.mail_from,
            recipients=", ".join(envelope.recipients),
            subject=_header(raw, "Subject"),
            message_id=_header(raw, "Message-ID"),
            raw=raw,
        )
        db.session.add(row)
        db.session.flush()
        return SendResult(250, "stored in outbox", queue_id=f"outbox-{row.id}")

    def close(self) -> None:
        pass


def get_transport() -> Transport:
    """The configured transport: the outbox when ``SMTP_URL`` is empty.

    The sending engine adds the SMTP pool here.
    """
    from flask import current_app

    if not current_app.config.get("SMTP_URL"):
        return OutboxTransport()
    raise NotImplementedError("SMTP transport: see the sending engine")
