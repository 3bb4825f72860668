"""A change to a cycle or a journée re-renders every message still to go that is built from it.

The render cache is keyed by campaign version. Rather than trusting every editor
(admin, CLI, demo, a future API) to remember to bump it, a ``before_flush`` hook
does it whenever a Cycle or Journee row really changes: that is what makes "a
changed date changes every message that is still to go" (architecture.md) true.
"""
from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from app.models import Campaign, CampaignStatus, Cycle, Journee

STILL_TO_GO = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED, CampaignStatus.SENDING)


def _changed_cycle_ids(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, Cycle) and obj.id and session.is_modified(obj, include_collections=False):
            ids.add(obj.id)
        elif isinstance(obj, Journee) and obj.cycle_id and session.is_modified(obj, include_collections=False):
            ids.add(obj.cycle_id)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Journee) and obj.cycle_id:
            ids.add(obj.cycle_id)
    return ids


@event.listens_for(Session, "before_flush")
def _bump_campaign_versions(session: Session, _context, _instances) -> None:
    ids = _changed_cycle_ids(session)
    if not ids:
        return
    session.connection().execute(
        update(Campaign)
        .where(Campaign.cycle_id.in_(ids), Campaign.status.in_(STILL_TO_GO))
        .values(version=Campaign.version + 1)
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Campaign) and obj.cycle_id in ids:
            session.expire(obj, ["version"])
