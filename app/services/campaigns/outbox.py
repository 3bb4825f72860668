"""The development outbox, read by campaign: which stored message belongs to which campaign.

The outbox transport keeps every message it is handed (no ``SMTP_URL``); a campaign's
messages are recognised by their Message-ID, the one written on the delivery row (signed,
one per campaign and person, the same on every retry). The page shows the campaign's
figures above its messages, so the outbox says the same as the report: with the outbox
transport every message handed over is accepted, so the messages listed are the ``sent``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, Delivery, OutboxMessage
from app.services.campaigns.figures import CampaignFigures, campaign_figures


@dataclass
class OutboxPage:
    messages: list[OutboxMessage]
    total: int  # messages stored (of the campaign, when one is chosen)
    campaign: Campaign | None = None
    figures: CampaignFigures | None = None
    campaign_of: dict[int, Campaign] = field(default_factory=dict)  # outbox message id → its campaign


def outbox_page(page: int, page_size: int, campaign: Campaign | None = None) -> OutboxPage:
    """One page of the outbox, newest first; only ``campaign``'s messages, with its figures, when given."""
    query = select(OutboxMessage)
    if campaign is not None:
        query = query.where(OutboxMessage.message_id.in_(
            select(Delivery.message_id).where(Delivery.campaign_id == campaign.id, Delivery.message_id.is_not(None))))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    messages = list(db.session.scalars(
        query.order_by(OutboxMessage.id.desc()).limit(page_size).offset((page - 1) * page_size)))
    ids = {m.message_id for m in messages if m.message_id}
    owners = dict(db.session.execute(
        select(Delivery.message_id, Campaign).join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.message_id.in_(ids))).all()) if ids else {}
    return OutboxPage(messages, total, campaign, campaign_figures(campaign) if campaign is not None else None,
                      {m.id: owners[m.message_id] for m in messages if m.message_id in owners})
