"""What the sending guards saw: a campaign's self-pause, and a provider whose share is slowed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class GuardTrip(db.Model):
    """One automatic pause of a campaign by a guard, and the officer's acknowledgement of it.

    ``summary`` is the French sentence the dashboard, the email and the resume button show.
    On acknowledgement ``baseline`` keeps the figures seen then: the guard measures anew
    from there, so resuming does not pause again at once on the same complaints.
    """

    __tablename__ = "guard_trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(20))  # complaints | hard_bounces | smtp_errors
    observed: Mapped[int] = mapped_column(default=0)  # complaints, hard bounces or errors counted
    base: Mapped[int] = mapped_column(default=0)  # what they were counted over (delivered, sent, outcomes)
    threshold: Mapped[float] = mapped_column(Float, default=0.0)  # the rate that was passed
    summary: Mapped[str] = mapped_column(Text, default="")
    tripped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str] = mapped_column(String(320), default="")
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_guard_trips_campaign_tripped", "campaign_id", "tripped_at"),)


class ProviderThrottle(db.Model):
    """A mailbox provider that refused our mail on policy or reputation grounds: its rows wait until ``until``.

    Shared by every worker through the database; ``strikes`` doubles the wait each time it trips again.
    """

    __tablename__ = "provider_throttles"

    provider: Mapped[str] = mapped_column(String(100), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    strikes: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
