"""Campaigns and their deliveries: the database is both the schedule and the queue."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.audience import MailingList, Subscriber
from app.models.types import UTCDateTime, str_enum, utcnow


class CampaignStatus(str, enum.Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"
    MISSED = "missed"  # fell due while everything was down, beyond the grace period


class CampaignTemplate(str, enum.Enum):
    CYCLE_ANNOUNCEMENT = "cycle_announcement"
    REMINDER = "reminder"
    NEWSLETTER = "newsletter"


class DeliveryStatus(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # unsubscribed or suppressed by the time its turn came


campaign_lists = Table(
    "campaign_lists",
    db.metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("list_id", Integer, ForeignKey("mailing_lists.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300), default="")
    preheader: Mapped[str] = mapped_column(String(300), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    from_email: Mapped[str] = mapped_column(String(320), default="")
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    template: Mapped[CampaignTemplate] = mapped_column(
        str_enum(CampaignTemplate, 40), default=CampaignTemplate.NEWSLETTER
    )
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # blocks for newsletters
    segment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # attribute filters
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id", ondelete="SET NULL"))
    journee_id: Mapped[int | None] = mapped_column(ForeignKey("journees.id", ondelete="CASCADE"))
    reminder_days_before: Mapped[int | None] = mapped_column()
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus), default=CampaignStatus.DRAFT
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    track_clicks: Mapped[bool] = mapped_column(default=False)
    # Shown in the public archive (/archives) once sent to a public list; the officer may opt out.
    in_archive: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lists: Mapped[list[MailingList]] = relationship(secondary=campaign_lists)

    __table_args__ = (
        Index("ix_campaigns_status_scheduled_at", "status", "scheduled_at"),
        UniqueConstraint("journee_id", "reminder_days_before"),
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.slug} {self.status.value}>"


class Delivery(db.Model):
    """One message for one person in one campaign: unique, so it can never be sent twice."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    smtp_code: Mapped[int | None] = mapped_column()
    smtp_reply: Mapped[str] = mapped_column(Text, default="")
    queue_id: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    bounced: Mapped[bool] = mapped_column(default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship()
    subscriber: Mapped[Subscriber] = relationship()

    __table_args__ = (
        UniqueConstraint("campaign_id", "subscriber_id"),
        Index("ix_deliveries_campaign_status", "campaign_id", "status"),
        # The claim loop scans only rows still to send; a partial index stays small
        # however many sent rows pile up (PostgreSQL and SQLite both support it).
        Index(
            "ix_deliveries_claimable",
            "campaign_id",
            "next_attempt_at",
            postgresql_where=text("status IN ('queued', 'sending')"),
            sqlite_where=text("status IN ('queued', 'sending')"),
        ),
    )


class OutboxMessage(db.Model):
    """The development transport: every message it is given, kept for the admin to show."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mail_from: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[str] = mapped_column(Text)  # comma-separated envelope recipients
    subject: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(300), default="")
    raw: Mapped[bytes] = mapped_column(db.LargeBinary)
