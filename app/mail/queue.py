"""The delivery queue lives in the database (architecture.md: "the database is the queue").

- ``audience_query(campaign)``: who a campaign is for — one SELECT of subscriber ids.
  List campaigns: confirmed members of its lists (a person on two lists once), active,
  not suppressed, narrowed by the campaign's segment. Reminders (``journee_id`` set):
  that journée's confirmed registrants, unless bounced, complained, erased or suppressed.
- ``enqueue(campaign)``: one ``INSERT … SELECT`` of those ids into ``deliveries``; the
  unique (campaign, subscriber) constraint plus ``NOT EXISTS`` make it idempotent.
- ``still_eligible(campaign, subscriber_ids)``: the same rules, re-checked by the worker
  just before sending, so an unsubscribe a second ago is honoured.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import Select, and_, exists, func, insert, literal, select

from app.extensions import db
from app.models import (
    Campaign,
    Delivery,
    DeliveryStatus,
    Registration,
    RegistrationDay,
    RegistrationStatus,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
    campaign_lists,
    utcnow,
)

# Segment keys the officer may filter on (case-insensitive "contains").
SEGMENT_FIELDS = {
    "function": Subscriber.function,
    "commune": Subscriber.commune,
    "organisation": Subscriber.organisation,
}

_NOT_SUPPRESSED = ~exists().where(Suppression.email_hash == Subscriber.email_hash)


def _segment_clauses(campaign: Campaign) -> list:
    clauses = []
    for key, value in (campaign.segment or {}).items():
        column = SEGMENT_FIELDS.get(key)
        if column is not None and str(value).strip():
            clauses.append(func.lower(column).contains(str(value).strip().lower(), autoescape=True))
    return clauses


def audience_query(campaign: Campaign) -> Select:
    """SELECT subscriber ids this campaign should reach right now (no duplicates)."""
    if campaign.journee_id is not None:
        return (
            select(Subscriber.id)
            .join(Registration, Registration.subscriber_id == Subscriber.id)
            .join(RegistrationDay, RegistrationDay.registration_id == Registration.id)
            .where(
                RegistrationDay.journee_id == campaign.journee_id,
                RegistrationDay.status == RegistrationStatus.CONFIRMED,
                Subscriber.email.is_not(None),
                Subscriber.status.not_in(
                    [SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED, SubscriberStatus.ERASED]
                ),
                _NOT_SUPPRESSED,
            )
        )
    member = exists().where(
        Subscription.subscriber_id == Subscriber.id,
        Subscription.status == SubscriptionStatus.CONFIRMED,
        Subscription.list_id.in_(
            select(campaign_lists.c.list_id).where(campaign_lists.c.campaign_id == campaign.id).scalar_subquery()
        ),
    )
    return select(Subscriber.id).where(
        member,
        Subscriber.status == SubscriberStatus.ACTIVE,
        Subscriber.email.is_not(None),
        _NOT_SUPPRESSED,
        *_segment_clauses(campaign),
    )


def count_audience(campaign: Campaign) -> int:
    return db.session.scalar(select(func.count()).select_from(audience_query(campaign).subquery())) or 0


def enqueue(campaign: Campaign, now: datetime | None = None) -> int:
    """Queue one delivery per audience member not already queued; return how many were added.

    One statement, whatever the audience size. Safe to call twice: existing rows are
    skipped, so a scheduler retry or a second scheduler cannot double a recipient.
    The caller commits (together with the campaign's status change).
    """
    now = now or utcnow()
    ids = audience_query(campaign).subquery()
    already = exists().where(Delivery.campaign_id == campaign.id, Delivery.subscriber_id == ids.c.id)
    source = select(
        literal(campaign.id), ids.c.id, literal(DeliveryStatus.QUEUED.value), literal(0),
        literal(now, type_=Delivery.__table__.c.next_attempt_at.type),
        literal(now, type_=Delivery.__table__.c.updated_at.type),
        literal(""), literal(False),
    ).where(~already)
    stmt = insert(Delivery).from_select(
        ["campaign_id", "subscriber_id", "status", "attempts", "next_attempt_at", "updated_at", "smtp_reply", "bounced"],
        source,
    )
    # SQLAlchemy 2.1 drops an INSERT … SELECT's rowcount unless asked to keep it.
    result = db.session.execute(stmt.execution_options(preserve_rowcount=True))
    return max(result.rowcount, 0)


def still_eligible(campaign: Campaign, subscriber_ids: Iterable[int]) -> set[int]:
    """Of these subscribers, those the campaign may still write to (send-time re-check)."""
    ids = list(subscriber_ids)
    if not ids:
        return set()
    query = audience_query(campaign).where(Subscriber.id.in_(ids))
    return set(db.session.scalars(query))
