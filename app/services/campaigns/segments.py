"""Saved segments (a named audience: lists + filters + a registration criterion) and
"Écrire aux inscrits" (a draft newsletter aimed at a cycle's or a journée's registrants)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, Cycle, Journee, MailingList, SavedSegment
from app.sending.queue import count_audience
from app.services.audience import describe_audience, normalise_criterion
from app.services.campaigns.blocks import empty_block
from app.services.support import unique_slug


class SegmentError(ValueError):
    """Bad input (message in French)."""


def save(name: str, list_ids: list[int], segment: dict[str, Any], *, actor: str) -> SavedSegment:
    """Save (or overwrite, by name) the audience being edited; commits."""
    name = (name or "").strip()[:200]
    if not name:
        raise SegmentError("Donnez un nom au segment.")
    row = db.session.scalar(select(SavedSegment).where(SavedSegment.name == name))
    if row is None:
        row = SavedSegment(name=name, created_by=actor[:320])
        db.session.add(row)
    row.list_ids = sorted(set(list_ids))
    row.segment = dict(segment or {})
    db.session.commit()
    return row


def preview_campaign(row: SavedSegment) -> Campaign:
    """A transient campaign carrying the segment's audience (never added to the session)."""
    campaign = Campaign(name=row.name, segment=row.segment or {})
    campaign.lists = list(db.session.scalars(select(MailingList).where(MailingList.id.in_(row.list_ids or [-1]))))
    return campaign


def live_count(row: SavedSegment) -> int:
    campaign = preview_campaign(row)
    try:
        return count_audience(campaign)
    finally:
        if campaign in db.session:
            db.session.expunge(campaign)


def describe(row: SavedSegment) -> str:
    lists = [m.name for m in db.session.scalars(select(MailingList).where(MailingList.id.in_(row.list_ids or [-1])))]
    parts = ["listes : " + ", ".join(lists)] if lists else []
    segment = row.segment or {}
    for key, label in (("function", "fonction"), ("commune", "commune"), ("organisation", "organisme")):
        if segment.get(key):
            parts.append(f"{label} contient « {segment[key]} »")
    if segment.get("event"):
        parts.append(describe_audience(segment["event"]))
    return " ; ".join(parts) or "tout le monde (aucune liste)"


def apply(campaign: Campaign, row: SavedSegment) -> None:
    """Give a campaign this segment's audience (the caller commits)."""
    campaign.lists = list(db.session.scalars(select(MailingList).where(MailingList.id.in_(row.list_ids or [-1]))))
    campaign.segment = dict(row.segment or {})


def write_to_registrants(cycle: Cycle, journee: Journee | None, *, user_id: int | None) -> Campaign:
    """A draft newsletter for a cycle's registrants (or one journée's); commits.

    No list: the audience is the registrants themselves. It is an editorial message
    (``app.sending.eligibility``, kind "registrants"): someone who asked for no more
    messages, bounced, complained, was erased or excluded is not written to; her
    reminders, service messages, still come."""
    criterion = normalise_criterion(
        {"kind": "journee" if journee else "cycle", "cycle_id": cycle.id, "journee_id": journee.id if journee else None})
    who = f"journée {journee.number}" if journee else "cycle"
    name = f"Aux inscrits ({who}) — {cycle.title}"[:300]
    campaign = Campaign(
        name=name, slug=unique_slug(Campaign, name), template=CampaignTemplate.NEWSLETTER, cycle_id=cycle.id,
        subject=(f"{cycle.title} — journée {journee.number}" if journee else cycle.title)[:300],
        content={"blocks": [empty_block("title"), empty_block("text")]}, segment={"event": criterion},
        created_by=user_id)
    db.session.add(campaign)
    db.session.commit()
    return campaign
