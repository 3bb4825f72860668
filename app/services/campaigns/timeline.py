"""Every message a cycle will send (or has sent), in date order, for the cycle editor: its calendar.

The announcement campaign(s) and each journée's reminders, with their local time, status
and figures (:mod:`app.services.campaigns.figures`, read for all of them at once): a sent
message shows the people it was addressed to, the same number as its report, its outbox
and the API; one still to go shows today's count of who would receive it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle
from app.services.campaigns.figures import CampaignFigures, figures_for


@dataclass(frozen=True)
class TimelineItem:
    campaign: Campaign
    kind: str  # "announcement" | "reminder"
    when: datetime | None  # planned or actual start; None for an unplanned draft
    figures: CampaignFigures

    @property
    def is_past(self) -> bool:
        return self.campaign.status in (CampaignStatus.SENT, CampaignStatus.SENDING)


def _when(campaign: Campaign) -> datetime | None:
    return campaign.started_at or campaign.scheduled_at


def cycle_timeline(cycle: Cycle) -> list[TimelineItem]:
    """Announcements and reminders of the cycle; dated ones first in date order, unplanned drafts last."""
    campaigns = db.session.scalars(
        select(Campaign).where(
            Campaign.cycle_id == cycle.id,
            Campaign.template.in_((CampaignTemplate.CYCLE_ANNOUNCEMENT, CampaignTemplate.REMINDER)),
        )
    ).all()
    figures = figures_for(campaigns)
    items = []
    for campaign in campaigns:
        kind = "reminder" if campaign.template == CampaignTemplate.REMINDER else "announcement"
        items.append(TimelineItem(campaign, kind, _when(campaign), figures[campaign.id]))
    return sorted(items, key=lambda i: (i.when is None, i.when.timestamp() if i.when else 0.0, i.campaign.id))
