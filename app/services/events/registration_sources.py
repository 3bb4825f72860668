"""Which announcement a registration came from: "12 inscriptions depuis cette annonce".

The announcement's "Inscrivez-vous" link carries ``?c=<campaign id>`` (app.sending.views);
the public form keeps it through its POST and records ``campaign:<id>`` as the
registration's ``source`` (an existing column: no migration). Only an announcement of
the same cycle is accepted, so a hand-edited ``c`` cannot credit another campaign; the
count is a statistic for the officer, never a permission: :func:`from_public_form` keeps such a
registration as unverified as any other made on the form.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.digits import is_digits
from app.extensions import db
from app.models import Campaign, CampaignTemplate, Cycle, Registration

PREFIX = "campaign:"


def from_public_form(source: str) -> bool:
    """Made on the public form (by anyone, for any address), with or without an announcement's ``c``."""
    return source in ("form", "") or source.startswith(PREFIX)


def source_for(cycle: Cycle, raw_campaign: str, default: str = "form") -> str:
    """``campaign:<id>`` when ``raw_campaign`` names an announcement of ``cycle``, else ``default``."""
    if not is_digits(raw_campaign or "") or len(raw_campaign) > 12:
        return default
    campaign = db.session.get(Campaign, int(raw_campaign))
    if campaign is None or campaign.template != CampaignTemplate.CYCLE_ANNOUNCEMENT or campaign.cycle_id != cycle.id:
        return default
    return f"{PREFIX}{campaign.id}"


def registrations_from(campaign: Campaign) -> int:
    """Registrations made through this campaign's link (those cancelled later included)."""
    return db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.source == f"{PREFIX}{campaign.id}")) or 0


def by_announcement(cycle: Cycle) -> list[tuple[Campaign, int]]:
    """Every announcement of ``cycle`` with its registration count, oldest first."""
    announcements = db.session.scalars(select(Campaign).where(
        Campaign.cycle_id == cycle.id, Campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT)
        .order_by(Campaign.id)).all()
    if not announcements:
        return []
    rows = db.session.execute(
        select(Registration.source, func.count()).where(
            Registration.cycle_id == cycle.id,
            Registration.source.in_([f"{PREFIX}{c.id}" for c in announcements]))
        .group_by(Registration.source)).all()
    counts: dict[str, int] = {source: n for source, n in rows}
    return [(c, counts.get(f"{PREFIX}{c.id}", 0)) for c in announcements]
