"""Transports hand finished message bytes to the world (or, in development, to the outbox)."""
from __future__ import annotations

from typing import Protocol, Sequence

from app.extensions import db
from app.message.envelope import Envelope
from app.models import OutboxMessage
from app.sending.limits import quota_store
from app.sending.send_result import SendResult
from app.sending.smtp import SMTPPool
from config import ConfigError

__all__ = ["Envelope", "OutboxTransport", "SendResult", "Transport", "get_transport", "reset_transports"]


class Transport(Protocol):
    def send(self, envelope: Envelope, raw: bytes) -> SendResult: ...

    def send_many(self, items: Sequence[tuple[Envelope, bytes]], transparent: bool = False) -> list[SendResult]:
        """Several messages in order, one answer each (the SMTP pool pipelines them).

        ``transparent``: no line of any message starts with "." (no dot-stuffing needed).
        """
        ...

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

    def send_many(self, items: Sequence[tuple[Envelope, bytes]], transparent: bool = False) -> list[SendResult]:
        return [self.send(envelope, raw) for envelope, raw in items]

    def close(self) -> None:
        pass


_POOLS: dict[str, Transport] = {}


def get_transport() -> Transport:
    """The configured transport: the outbox when ``SMTP_URL`` is empty, else the SMTP pool.

    One pool per process and URL, so connections persist from message to message
    (and from one transactional email to the next). Its limits are shared with every
    other process (``app.sending.limits``).
    """
    from flask import current_app

    config = current_app.config
    url = config.get("SMTP_URL")
    if not url:
        return OutboxTransport()
    pool = _POOLS.get(url)
    if pool is None:
        # Limits are counted where every process sees them: Redis if RATELIMIT_STORAGE_URI
        # names one, else the database.
        quota = quota_store(config["RATELIMIT_STORAGE_URI"], db.engine)
        try:
            pool = _POOLS[url] = SMTPPool.from_url(
                url, quota=quota, tls=config["SMTP_TLS"], ca_file=config["SMTP_CA_FILE"],
                data_timeout=float(config["SMTP_DATA_TIMEOUT"]))
        except ValueError as error:  # a malformed SMTP_URL: the CLI's error boundary prints it in one line
            raise ConfigError(str(error)) from None
    return pool


def reset_transports() -> None:
    """Close pooled connections (after a fork, or when a worker stops)."""
    for pool in _POOLS.values():
        pool.close()
    _POOLS.clear()
