"""Every bounce or complaint report received, attributed or not: the record the officer reviews."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.audience import Subscriber
from app.models.types import UTCDateTime, utcnow


class BounceRecord(db.Model):
    """One report (DSN, ARF, plain-text bounce, webhook event, SMTP reply at send time).

    ``attributed_by`` is how it was tied to a delivery (``verp``, ``message-id``,
    ``smtp``) or "" when it was not: then ``review`` says why, and it changed nobody.
    ``counted`` marks a soft bounce that counts towards "bounced (repeated)".
    """

    __tablename__ = "bounce_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(20))  # hard | soft | complaint
    reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="")
    diagnostic: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str] = mapped_column(String(320), default="")  # as the report states it
    message_id: Mapped[str] = mapped_column(String(300), default="")
    attributed_by: Mapped[str] = mapped_column(String(20), default="")
    review: Mapped[str] = mapped_column(String(200), default="")  # why it changed nobody
    action: Mapped[str] = mapped_column(String(40), default="")  # bounced, complained, counted, noted, none
    counted: Mapped[bool] = mapped_column(default=False)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str] = mapped_column(String(320), default="")

    subscriber: Mapped[Subscriber | None] = relationship()

    __table_args__ = (
        Index("ix_bounce_reports_received_at", "received_at"),
        Index("ix_bounce_reports_subscriber_received", "subscriber_id", "received_at"),
        Index("ix_bounce_reports_campaign_reason", "campaign_id", "reason"),
        Index("ix_bounce_reports_reason_received", "reason", "received_at"),
    )
