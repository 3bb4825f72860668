"""Campaign lifecycle: draft → scheduled → sending → sent, with pause, resume, cancel.

Each transition is a compare-and-set UPDATE (``… WHERE status IN (…)``) in the
same transaction as its side effects, so two schedulers, two clicks or a
scheduler and an officer cannot both start one campaign.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.extensions import db
from app.mail.queue import enqueue
from app.models import Campaign, CampaignStatus, utcnow

STARTABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


class CampaignStateError(ValueError):
    """The campaign is not in a state that allows this action (message in French)."""


def start_campaign(campaign: Campaign, now: datetime | None = None) -> int | None:
    """Move a draft or scheduled campaign to ``sending`` and queue its deliveries.

    Returns the number of deliveries queued, or ``None`` when another process
    (or an earlier call) already started it. Commits.
    """
    now = now or utcnow()
    won = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status.in_(STARTABLE))
        .values(status=CampaignStatus.SENDING, started_at=now, status_reason="")
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    ).rowcount
    if won != 1:
        db.session.rollback()
        return None
    queued = enqueue(campaign, now)
    db.session.commit()
    db.session.refresh(campaign)
    return queued
