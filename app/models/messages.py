"""The transactional lane of the delivery queue: one row per one-off message.

Confirmations, registration messages, data-export links and test sends are built
by the request that asks for them, stored here unsigned, and sent by the workers
like campaign deliveries: claimed under a lease, DKIM-signed, retried with
backoff, and their outcome written back. The row is what the admin and the audit
read, so "envoyé" means a server accepted the message.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, str_enum, utcnow


class MessageStatus(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # not sent: its kind's rule stops it (app.sending.eligibility)


class TransactionalMessage(db.Model):
    __tablename__ = "transactional_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # subscription_confirmation, test, data_export…
    to_address: Mapped[str] = mapped_column(String(320))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="SET NULL"))
    # Who asked, for pages that follow their messages: "import:12", "test:campaign:5"…
    reference: Mapped[str] = mapped_column(String(120), default="", index=True)
    mail_from: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(300))
    # The built, unsigned message; emptied once the outcome is final (it holds personal data).
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus), default=MessageStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    smtp_code: Mapped[int | None] = mapped_column()
    smtp_reply: Mapped[str] = mapped_column(Text, default="")
    queue_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index(
            "ix_transactional_messages_claimable",
            "next_attempt_at",
            postgresql_where=text("status IN ('queued', 'sending')"),
            sqlite_where=text("status IN ('queued', 'sending')"),
        ),
        Index("ix_transactional_messages_subscriber", "subscriber_id"),
    )

    @property
    def outcome_label(self) -> str:
        """What the admin shows: "en file", "envoyé", "refusé : <the server's words>" or "non envoyé : <why>"."""
        if self.status == MessageStatus.SENT:
            return "envoyé"
        if self.status == MessageStatus.SKIPPED:
            return f"non envoyé : {self.smtp_reply}" if self.smtp_reply else "non envoyé"
        if self.status == MessageStatus.FAILED:
            return f"refusé : {self.smtp_reply}" if self.smtp_reply else "refusé"
        if self.attempts and self.smtp_reply:
            return f"en file (nouvel essai prévu ; dernière réponse : {self.smtp_reply})"
        return "en file"
