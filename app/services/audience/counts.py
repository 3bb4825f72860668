"""Recipient counts for display (dashboard, composer), shared and briefly cached.

Counting 100,000 members costs ~100–200 ms whatever the query shape, and the
dashboard shows several upcoming campaigns that usually target the same list.
Counts are keyed by what decides the audience (lists, segment, journée), so
campaigns aimed at the same people share one count, reused for ``TTL`` seconds.
Sending never uses this: enqueue and the send-time re-check query live.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Hashable

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, MailingList
from app.sending.queue import count_audience, count_of, list_audience

TTL = 60.0
_cache: dict[Hashable, tuple[float, int]] = {}
_lock = threading.Lock()


def signature(campaign: Campaign) -> Hashable:
    if campaign.journee_id is not None:
        return ("journee", campaign.journee_id)
    segment = tuple(sorted((k, str(v).strip().lower()) for k, v in (campaign.segment or {}).items() if str(v).strip()))
    return ("lists", tuple(sorted(l.id for l in campaign.lists)), segment)


def cached_count(campaign: Campaign) -> int:
    key = signature(campaign)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < TTL:
            return hit[1]
    count = count_audience(campaign)
    with _lock:
        if len(_cache) > 1000:
            _cache.clear()
        _cache[key] = (now, count)
    return count


def forget() -> None:
    """Drop every cached count (tests; after an import that changes everything)."""
    with _lock:
        _cache.clear()


def live_count(campaign: Campaign) -> int:
    """Who the campaign would reach right now, counted afresh (never cached)."""
    return count_audience(campaign)


def draft_count(list_ids: list[int], filters: dict[str, str], criterion: dict[str, Any] | None = None) -> int:
    """Who an audience being edited would reach (lists, "contains" filters, a registrants
    criterion), counted afresh; nothing is saved."""
    if not criterion:
        return count_of(list_audience(list_ids, filters)) if list_ids else 0
    draft = Campaign(name="", segment={**filters, "event": criterion})
    draft.lists = list(db.session.scalars(select(MailingList).where(MailingList.id.in_(list_ids or [-1]))))
    try:
        return count_audience(draft)
    finally:
        if draft in db.session:
            db.session.expunge(draft)
