"""Turn bounce reports into standing: attribute, record on the delivery, bounce or suppress.

Rules (configurable: BOUNCE_SOFT_LIMIT, BOUNCE_SOFT_WINDOW_DAYS):
- one hard bounce marks the subscriber ``bounced`` and suppresses the address;
- ``BOUNCE_SOFT_LIMIT`` soft bounces (default 3) within the window (30 days) do the same;
- a complaint (ARF, or a relay's "complaint" event) unsubscribes from every list,
  marks the subscriber ``complained`` and suppresses the address.

Soft bounces are counted from the audit log ("bounce_soft" rows): the log is the
record anyway, and it keeps no address (see privacy.erase_subscriber).

The sending engine calls :func:`register_bounce` for a 5xx at send time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.message.dsn import COMPLAINT, HARD, IGNORE, SOFT, BounceReport
from app.models import (
    AuditLog,
    Delivery,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    SuppressionReason,
    utcnow,
)
from app.services.audience import InvalidAddress, audit, find_subscriber, normalise_email, set_subscription, suppress
from app.tokens import InvalidToken, Purpose, verify


@dataclass
class Outcome:
    kind: str
    subscriber_id: int | None = None
    campaign_id: int | None = None
    attributed_by: str = ""  # verp | message-id | address | ""
    action: str = ""  # what changed: bounced, complained, counted, none


def _attribute(report: BounceReport) -> tuple[Subscriber | None, Delivery | None, str]:
    for token in report.verp_tokens:
        try:
            payload = verify(Purpose.BOUNCE, token)
        except InvalidToken:
            continue
        if isinstance(payload, list) and len(payload) == 2 and all(isinstance(v, int) for v in payload):
            campaign_id, subscriber_id = payload
            subscriber = db.session.get(Subscriber, subscriber_id)
            if subscriber is not None:
                delivery = db.session.scalar(select(Delivery).where(
                    Delivery.campaign_id == campaign_id, Delivery.subscriber_id == subscriber_id))
                return subscriber, delivery, "verp"
    if report.message_id:
        delivery = db.session.scalar(select(Delivery).where(Delivery.message_id == report.message_id))
        if delivery is not None:
            return delivery.subscriber, delivery, "message-id"
    if report.recipient:
        try:
            subscriber = find_subscriber(normalise_email(report.recipient))
        except InvalidAddress:
            subscriber = None
        if subscriber is not None:
            return subscriber, None, "address"
    return None, None, ""


def apply_report(report: BounceReport, *, source: str) -> Outcome:
    """Attribute and apply one classified message; commits. Unattributable reports change nothing."""
    if report.kind == IGNORE:
        return Outcome(IGNORE, action="none")
    subscriber, delivery, how = _attribute(report)
    if subscriber is None:
        return Outcome(report.kind, action="unattributed")
    outcome = register_bounce(subscriber, report.kind, delivery=delivery, status=report.status,
                              diagnostic=report.diagnostic or report.reason, source=source)
    outcome.attributed_by = how
    db.session.commit()
    return outcome


def register_bounce(
    subscriber: Subscriber, kind: str, *, delivery: Delivery | None = None, status: str = "",
    diagnostic: str = "", source: str = "", campaign_id: int | None = None,
) -> Outcome:
    """Apply one hard/soft bounce or complaint to a subscriber (the caller commits).

    The one place for bounces, whether a DSN, a relay's webhook or the SMTP
    server's 5xx at send time reported it.
    """
    if delivery is not None:
        campaign_id = delivery.campaign_id
    outcome = Outcome(kind, subscriber.id, campaign_id)
    if delivery is not None and kind in (HARD, SOFT):
        delivery.bounced = True
        delivery.smtp_reply = (f"{status} {diagnostic}".strip())[:2000]
    detail = {"status": status, "diagnostic": diagnostic[:500],
              "campaign": delivery.campaign_id if delivery else None}
    if subscriber.status == SubscriberStatus.ERASED:
        outcome.action = "none"
        return outcome
    if kind == COMPLAINT:
        audit("complaint", subscriber, source=source, detail=detail)
        for sub in db.session.scalars(select(Subscription).where(Subscription.subscriber_id == subscriber.id)):
            if sub.status != SubscriptionStatus.UNSUBSCRIBED:
                set_subscription(subscriber, sub.mailing_list, SubscriptionStatus.UNSUBSCRIBED)
        _suppress(subscriber, SubscriberStatus.COMPLAINED, SuppressionReason.COMPLAINED, source)
        outcome.action = "complained"
        return outcome
    audit("bounce_hard" if kind == HARD else "bounce_soft", subscriber, source=source, detail=detail)
    if kind == HARD or _soft_count(subscriber) >= current_app.config.get("BOUNCE_SOFT_LIMIT", 3):
        if subscriber.status in (SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED):
            _suppress(subscriber, SubscriberStatus.BOUNCED, SuppressionReason.BOUNCED, source)
            outcome.action = "bounced"
            return outcome
    outcome.action = "counted"
    return outcome


def _soft_count(subscriber: Subscriber) -> int:
    """Soft bounces recorded in the window, the one being applied included."""
    since = utcnow() - timedelta(days=current_app.config.get("BOUNCE_SOFT_WINDOW_DAYS", 30))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.subscriber_id == subscriber.id, AuditLog.action == "bounce_soft", AuditLog.at >= since)) or 0


def _suppress(subscriber: Subscriber, status: SubscriberStatus, reason: SuppressionReason, source: str) -> None:
    if subscriber.email:
        suppress(subscriber.email, reason, source=source or reason.value)
    if subscriber.status != status:
        audit("status", subscriber, source=source, detail={"from": subscriber.status.value, "to": status.value})
        subscriber.status = status
