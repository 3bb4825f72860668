"""What the officer sees first: what goes out next, what is going out now, what happened,
and what needs her attention. Few queries, each bounded, so the page stays fast at
100,000 subscribers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Campaign, CampaignStatus, Subscriber, SubscriberStatus, not_a_step_campaign, utcnow
from app.services.campaigns.figures import CampaignFigures, figures_for

ACTIVITY_ACTIONS = ("subscribe", "subscribe_pending", "unsubscribe", "unsubscribe_all", "bounce_hard", "bounce_soft",
                    "complaint", "erase", "import", "event_register")


@dataclass(frozen=True)
class CampaignLine:
    """A campaign and its figures, as the dashboard lists them."""

    campaign: Campaign
    figures: CampaignFigures


def upcoming(limit: int = 8) -> list[CampaignLine]:
    """The next scheduled campaigns with their figures (the audience is today's estimate)."""
    rows = db.session.scalars(
        select(Campaign).where(Campaign.status == CampaignStatus.SCHEDULED).order_by(Campaign.scheduled_at).limit(limit)
    ).all()
    return _figures_of(rows)


def in_flight() -> list[CampaignLine]:
    """Campaigns sending or paused, with their figures (percent; rate and ETA only while sending)."""
    rows = db.session.scalars(
        select(Campaign).where(Campaign.status.in_([CampaignStatus.SENDING, CampaignStatus.PAUSED]), not_a_step_campaign()).order_by(Campaign.started_at)
    ).all()
    return _figures_of(rows)


def _figures_of(rows: Sequence[Campaign]) -> list[CampaignLine]:
    figures = figures_for(rows)
    return [CampaignLine(c, figures[c.id]) for c in rows]


def needs_attention() -> list[Campaign]:
    """Missed schedules and paused campaigns (with their reason)."""
    return list(db.session.scalars(
        select(Campaign).where(Campaign.status.in_([CampaignStatus.MISSED, CampaignStatus.PAUSED]), not_a_step_campaign()).order_by(Campaign.updated_at.desc()).limit(20)
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
