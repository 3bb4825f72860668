"""Core audience operations shared by imports, public forms, bounces and the admin.

Every change to a subscription goes through here so it is validated the same
way, respects the suppression list, and leaves an audit row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.services.audience.addresses import InvalidAddress as InvalidAddress  # re-exported: one parser
from app.services.audience.addresses import delivery_address as delivery_address
from app.services.audience.addresses import normalise_email as normalise_email
from app.models import (
    EventKind,
    record_event,
    AuditLog,
    MailingList,
    Subscriber,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
    email_hash,
    utcnow,
)


def is_suppressed(normalised_email: str) -> bool:
    return db.session.get(Suppression, email_hash(normalised_email)) is not None


def suppressed_hashes(hashes: list[str]) -> dict[str, SuppressionReason]:
    """Which of these hashes are suppressed, and why: one query for a whole batch (imports)."""
    if not hashes:
        return {}
    rows = db.session.execute(select(Suppression.email_hash, Suppression.reason).where(Suppression.email_hash.in_(hashes)))
    return {key: reason for key, reason in rows}


def suppress(normalised_email: str, reason: SuppressionReason, source: str = "") -> None:
    """Put an address's hash on the suppression list (idempotent; keeps the first reason)."""
    key = email_hash(normalised_email)
    if db.session.get(Suppression, key) is None:
        db.session.add(Suppression(email_hash=key, reason=reason, source=source[:500]))


def lift_suppression(normalised_email: str) -> None:
    """The person re-subscribed themselves (double opt-in): they may receive mail again."""
    row = db.session.get(Suppression, email_hash(normalised_email))
    if row is not None:
        db.session.delete(row)


def audit(
    action: str,
    subscriber: Subscriber | None = None,
    mailing_list: MailingList | None = None,
    *,
    actor: str = "system",
    source: str = "",
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Record one change (subscribe, confirm, unsubscribe, import, bounce, erase…)."""
    row = AuditLog(
        action=action,
        subscriber_id=subscriber.id if subscriber is not None else None,
        list_id=mailing_list.id if mailing_list is not None else None,
        actor=actor[:320],
        source=source[:500],
        ip=ip,
        detail=detail or {},
    )
    db.session.add(row)
    return row


def find_subscriber(normalised_email: str) -> Subscriber | None:
    """The person holding this address, by its key (any spelling: ``email_hash`` is unique on it)."""
    return db.session.scalar(select(Subscriber).where(Subscriber.email_hash == email_hash(normalised_email)))


def find_list(slug: str) -> MailingList | None:
    return db.session.scalar(select(MailingList).where(MailingList.slug == slug))


@dataclass(frozen=True)
class Consent:
    """What justifies a subscription (RGPD): when, where from, which IP, which text."""

    source: str
    text: str = ""
    ip: str | None = None
    at: datetime | None = None


def set_subscription(
    subscriber: Subscriber,
    mailing_list: MailingList,
    status: SubscriptionStatus,
    consent: Consent | None = None,
    *,
    actor: str = "system",
    detail: dict[str, Any] | None = None,
) -> Subscription:
    """Create or change one membership, recording consent and an audit row.

    ``detail`` is added to the audit row (e.g. the campaign whose link was used).
    """
    sub = db.session.scalar(
        select(Subscription).where(
            Subscription.subscriber_id == subscriber.id, Subscription.list_id == mailing_list.id
        )
    )
    now = utcnow()
    previous = sub.status if sub is not None else None
    if sub is None:
        sub = Subscription(subscriber_id=subscriber.id, list_id=mailing_list.id, status=status)
        db.session.add(sub)
    sub.status = status
    if consent is not None and status != SubscriptionStatus.UNSUBSCRIBED:
        sub.consent_at = consent.at or now
        sub.consent_source = consent.source[:500]
        sub.consent_text = consent.text
        sub.consent_ip = consent.ip
    if status == SubscriptionStatus.CONFIRMED and previous != SubscriptionStatus.CONFIRMED:
        sub.confirmed_at = now
        sub.unsubscribed_at = None
        # Recorded with the change: a welcome series starts from it (app.models.sequences).
        record_event(EventKind.SUBSCRIBED, subscriber.id, list_id=mailing_list.id, at=now)
    if status == SubscriptionStatus.UNSUBSCRIBED and previous != SubscriptionStatus.UNSUBSCRIBED:
        sub.unsubscribed_at = now
    if previous != status:
        audit(
            {SubscriptionStatus.PENDING: "subscribe_pending", SubscriptionStatus.CONFIRMED: "subscribe",
             SubscriptionStatus.UNSUBSCRIBED: "unsubscribe"}[status],
            subscriber, mailing_list, actor=actor,
            source=consent.source if consent else "", ip=consent.ip if consent else None,
            detail={"from": previous.value if previous else None, "to": status.value, **(detail or {})},
        )
    return sub
