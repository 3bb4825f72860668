"""Saved segments (a named audience: lists + filters + a registration criterion) and
"Écrire aux inscrits" (a draft newsletter aimed at a cycle's or a journée's registrants)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Cycle, Journee, MailingList, SavedSegment
from app.services.audience import describe_audience, draft_count
from app.services.campaigns.composition import CampaignFields, create_campaign, registrants_audience


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
    """Give a campaign this segment's audience (the caller commits)."""
    campaign.lists = list(db.session.scalars(select(MailingList).where(MailingList.id.in_(row.list_ids or [-1]))))
    campaign.segment = dict(row.segment or {})


def write_to_registrants(cycle: Cycle, journee: Journee | None, *, user_id: int | None) -> Campaign:
    """A draft newsletter for a cycle's registrants (or one journée's); commits.

    No list: the audience is the registrants themselves, as for a reminder (practical
    information about the event they chose), unless they left through a bounce, a
    complaint, erasure or the team's exclusion."""
    who = f"journée {journee.number}" if journee else "cycle"
    return create_campaign(CampaignFields(
        name=f"Aux inscrits ({who}) — {cycle.title}"[:300],
        audience=registrants_audience(cycle, journee.number if journee else None)), created_by=user_id)
