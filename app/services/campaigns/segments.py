"""Saved segments (a named audience: lists + filters + a registration criterion) and
"Écrire aux inscrits" (a draft newsletter aimed at a cycle's or a journée's registrants)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.i18n import TranslatedError
from app.models import Campaign, CampaignStatus, Cycle, Journee, MailingList, SavedSegment
from app.services.audience import describe_audience, draft_count
from app.services.campaigns.composition import CampaignFields, create_campaign, registrants_audience


class SegmentError(TranslatedError):
    """Bad input, or an audience that may no longer change."""

    status = 422
    code = "segment"


def save(name: str, list_ids: list[int], segment: dict[str, Any], *, actor: str) -> SavedSegment:
    """Save (or overwrite, by name) the audience being edited; commits."""
    name = (name or "").strip()[:200]
    if not name:
        raise SegmentError(_l("Donnez un nom au segment."))
    row = db.session.scalar(select(SavedSegment).where(SavedSegment.name == name))
    if row is None:
        row = SavedSegment(name=name, created_by=actor[:320])
        db.session.add(row)
    row.list_ids = sorted(set(list_ids))
    row.segment = dict(segment or {})
    db.session.commit()
    return row


def live_count(row: SavedSegment) -> int:
    """Who the saved segment reaches right now."""
    segment = dict(row.segment or {})
    criterion = segment.pop("event", None)
    return draft_count(list(row.list_ids or []), segment, criterion)


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
    """Give a draft campaign this segment's audience; commits. SegmentError when its audience may no longer change
    (it left the drafts, or it is a reminder: its audience is its journée's)."""
    if campaign.status != CampaignStatus.DRAFT or campaign.journee_id is not None:
        raise SegmentError(_l("Le public de cette campagne ne peut plus changer."))
    campaign.lists = list(db.session.scalars(select(MailingList).where(MailingList.id.in_(row.list_ids or [-1]))))
    campaign.segment = dict(row.segment or {})
    db.session.commit()


def delete(row: SavedSegment) -> None:
    """Forget a saved segment (campaigns that used it keep their audience: it was copied); commits."""
    db.session.delete(row)
    db.session.commit()


def write_to_registrants(cycle: Cycle, journee: Journee | None, *, user_id: int | None) -> Campaign:
    """A draft newsletter for a cycle's registrants (or one journée's); commits.

    No list: the audience is the registrants themselves. It is an editorial message
    (``app.sending.eligibility``, kind "registrants"): someone who asked for no more
    messages, bounced, complained, was erased or excluded is not written to; her
    reminders, service messages, still come."""
    who = f"journée {journee.number}" if journee else "cycle"
    return create_campaign(CampaignFields(
        name=f"Aux inscrits ({who}) — {cycle.title}"[:300],
        audience=registrants_audience(cycle, journee.number if journee else None)), created_by=user_id)
