"""What the officer reads about bounces: recent reports, per subscriber, per campaign, sender health."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.message.bounce_reasons import REASONS, SENDER_SIDE
from app.models import BounceRecord, utcnow

PAGE = 200


def recent(reason: str = "", limit: int = PAGE) -> list[BounceRecord]:
    """The latest reports, newest first, optionally of one reason."""
    query = select(BounceRecord).order_by(BounceRecord.received_at.desc(), BounceRecord.id.desc()).limit(limit)
    if reason in REASONS:
        query = query.where(BounceRecord.reason == reason)
    return list(db.session.scalars(query))


def for_subscriber(subscriber_id: int, limit: int = 50) -> list[BounceRecord]:
    return list(db.session.scalars(select(BounceRecord).where(BounceRecord.subscriber_id == subscriber_id)
                                   .order_by(BounceRecord.received_at.desc()).limit(limit)))


def counts_by_reason(campaign_id: int) -> list[tuple[str, str, int]]:
    """(kind, reason, count) of a campaign's attributed reports, most frequent first."""
    rows = db.session.execute(
        select(BounceRecord.kind, BounceRecord.reason, func.count())
        .where(BounceRecord.campaign_id == campaign_id, BounceRecord.attributed_by != "")
        .group_by(BounceRecord.kind, BounceRecord.reason).order_by(func.count().desc()))
    return [(kind, reason, count) for kind, reason, count in rows]


@dataclass
class SenderAlert:
    reason: str
    count: int
    diagnostic: str  # the remote server's words, latest report


def sender_health(days: int = 7) -> list[SenderAlert]:
    """Refusals that are about our mail (policy, reputation, authentication…) in the last days."""
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(BounceRecord.reason, func.count(), func.max(BounceRecord.id))
        .where(BounceRecord.reason.in_(SENDER_SIDE), BounceRecord.received_at >= since)
        .group_by(BounceRecord.reason).order_by(func.count().desc())).all()
    alerts = []
    for reason, count, last_id in rows:
        last = db.session.get(BounceRecord, last_id)
        alerts.append(SenderAlert(reason, count, (last.diagnostic if last else "")[:300]))
    return alerts


def bounce_domain_missing() -> bool:
    """In production without BOUNCE_DOMAIN, reports can only be tied by Message-ID (or not at all)."""
    config = current_app.config
    return config.get("LETTRINE_ENV") == "production" and not config.get("BOUNCE_DOMAIN")
