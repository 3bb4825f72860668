"""What the officer sees first: what goes out next, what is going out now, what happened,
and what needs her attention. Few queries, each bounded, so the page stays fast at
100,000 subscribers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.services.audience import cached_count
from app.models import AuditLog, Campaign, CampaignStatus, Delivery, DeliveryStatus, Subscriber, SubscriberStatus, utcnow

ACTIVITY_ACTIONS = ("subscribe", "subscribe_pending", "unsubscribe", "unsubscribe_all", "bounce_hard", "bounce_soft",
                    "complaint", "erase", "import", "event_register")


@dataclass
class Upcoming:
    campaign: Campaign
    audience: int


@dataclass
class InFlight:
    campaign: Campaign
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(self.counts.get(s, 0) for s in ("sent", "failed", "skipped"))

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def delivery_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Deliveries per status for several campaigns, in one grouped query."""
    result: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if not campaign_ids:
        return result
    rows = db.session.execute(
        select(Delivery.campaign_id, Delivery.status, func.count())
        .where(Delivery.campaign_id.in_(campaign_ids))
        .group_by(Delivery.campaign_id, Delivery.status)
    )
    for campaign_id, status, n in rows:
        result[campaign_id][status.value if isinstance(status, DeliveryStatus) else status] = n
    return result


def upcoming(limit: int = 8) -> list[Upcoming]:
    rows = db.session.scalars(
        select(Campaign).where(Campaign.status == CampaignStatus.SCHEDULED).order_by(Campaign.scheduled_at).limit(limit)
    ).all()
    return [Upcoming(c, cached_count(c)) for c in rows]


def in_flight() -> list[InFlight]:
    rows = db.session.scalars(
        select(Campaign).where(Campaign.status.in_([CampaignStatus.SENDING, CampaignStatus.PAUSED])).order_by(Campaign.started_at)
    ).all()
    counts = delivery_counts([c.id for c in rows])
    return [InFlight(c, counts[c.id]) for c in rows]


def needs_attention() -> list[Campaign]:
    """Missed schedules and paused campaigns (with their reason)."""
    return list(db.session.scalars(
        select(Campaign).where(Campaign.status.in_([CampaignStatus.MISSED, CampaignStatus.PAUSED])).order_by(Campaign.updated_at.desc()).limit(20)
    ))


def recent_activity(limit: int = 12) -> list[AuditLog]:
    return list(db.session.scalars(
        select(AuditLog).where(AuditLog.action.in_(ACTIVITY_ACTIONS)).order_by(AuditLog.id.desc()).limit(limit)
    ))


def activity_totals(days: int = 30) -> dict[str, int]:
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(AuditLog.action, func.count()).where(AuditLog.at >= since, AuditLog.action.in_(ACTIVITY_ACTIONS)).group_by(AuditLog.action)
    )
    return dict(rows.all())


def active_subscribers() -> int:
    return db.session.scalar(select(func.count()).select_from(Subscriber).where(Subscriber.status == SubscriberStatus.ACTIVE)) or 0
