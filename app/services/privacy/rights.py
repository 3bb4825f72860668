"""RGPD rights: access (export), erasure, and the retention job.

Erasure keeps what accountability needs and nothing personal: the suppression
hash (so a later import cannot silently re-add the address), the audit rows
(scrubbed of the address and IPs), delivery rows (for statistics, with the
address removed from any SMTP reply). The person's upcoming registrations are
cancelled (their seats go to the waiting list), their ``/r/`` links stop working,
and their address leaves the import reports.

Retention: a contact ACTIVE with no activity for N years (default 3, the CNIL's
usual prospecting duration) is *flagged*, not deleted: ``attributes[RETENTION_FLAG]``
gets the date, and an audit row "retention_flag" is written. Any sign of life
(confirming, the preference centre, resubscribing) clears the flag. The officer
then sends a re-confirmation message to flagged contacts and erases those who do
not answer (``privacy retention --erase-flagged-after DAYS``).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditLog,
    Campaign,
    Delivery,
    MailingList,
    Registration,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
    utcnow,
)
from app.models.audience import new_uid
from app.services.integrations import emit_signal
from app.services.audience import RETENTION_FLAG, audit, suppress
from app.services.events import cancel_registration
from app.services.privacy.traces import Person, erase_traces


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_subscriber(subscriber: Subscriber) -> dict[str, Any]:
    """Everything we hold about one person, as plain JSON-ready data (RGPD art. 15)."""
    subs = db.session.execute(
        select(Subscription, MailingList).join(MailingList, MailingList.id == Subscription.list_id)
        .where(Subscription.subscriber_id == subscriber.id).order_by(MailingList.name)
    ).all()
    registrations = db.session.scalars(select(Registration).where(Registration.subscriber_id == subscriber.id)).all()
    deliveries = db.session.execute(
        select(Delivery, Campaign.name).join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id)
    ).all()
    history = db.session.scalars(
        select(AuditLog).where(AuditLog.subscriber_id == subscriber.id).order_by(AuditLog.at, AuditLog.id)
    ).all()
    suppression = (db.session.get(Suppression, subscriber.email_hash) if subscriber.email_hash else None)
    return {
        "format": "lettrine-export-1",
        "exported_at": _iso(utcnow()),
        "subscriber": {
            "email": subscriber.email, "first_name": subscriber.first_name, "last_name": subscriber.last_name,
            "organisation": subscriber.organisation, "function": subscriber.function,
            "commune": subscriber.commune, "attributes": subscriber.attributes or {},
            "status": subscriber.status.value, "created_at": _iso(subscriber.created_at),
            "last_activity_at": _iso(subscriber.last_activity_at),
        },
        "subscriptions": [{
            "list": lst.name, "status": sub.status.value, "consent_at": _iso(sub.consent_at),
            "consent_source": sub.consent_source, "consent_ip": sub.consent_ip, "consent_text": sub.consent_text,
            "confirmed_at": _iso(sub.confirmed_at), "unsubscribed_at": _iso(sub.unsubscribed_at),
        } for sub, lst in subs],
        "registrations": [{
            "cycle": reg.cycle.title, "created_at": _iso(reg.created_at), "source": reg.source, "ip": reg.ip,
            "newsletter_consent": reg.newsletter_consent,
            "days": [{"journee": day.journee.number, "date": _iso(day.journee.starts_at), "status": day.status.value}
                     for day in reg.days],
        } for reg in registrations],
        "messages": [{
            "campaign": name, "status": d.status.value, "sent_at": _iso(d.sent_at), "bounced": d.bounced,
        } for d, name in deliveries],
        "suppression": {"reason": suppression.reason.value, "since": _iso(suppression.created_at)} if suppression else None,
        "history": [{
            "at": _iso(row.at), "action": row.action, "source": row.source, "ip": row.ip,
        } for row in history],
    }


def erase_subscriber(subscriber: Subscriber, *, actor: str, source: str = "") -> None:
    """Erase one person (RGPD art. 17), and every trace of them elsewhere (:mod:`.traces`). Idempotent; commits."""
    person = Person.of(subscriber)
    for reg in db.session.scalars(select(Registration).where(Registration.subscriber_id == subscriber.id)).all():
        # Seats freed, waiting list promoted (they are told); the erased person gets no message.
        cancel_registration(reg, actor=actor, tell_registrant=False)
    if subscriber.email:
        suppress(subscriber.email, SuppressionReason.ERASED, source="erase")
    for sub in db.session.scalars(select(Subscription).where(Subscription.subscriber_id == subscriber.id)):
        if sub.status != SubscriptionStatus.UNSUBSCRIBED:
            sub.status = SubscriptionStatus.UNSUBSCRIBED
            sub.unsubscribed_at = utcnow()
        sub.consent_ip = None
    registration_ids = []
    for reg in db.session.scalars(select(Registration).where(Registration.subscriber_id == subscriber.id)):
        reg.ip = None
        reg.uid = new_uid()  # every /r/ link mailed to the person now points nowhere
        reg.requested_journees = []
        registration_ids.append(reg.id)
    subscriber.email = None
    subscriber.first_name = subscriber.last_name = ""
    subscriber.organisation = subscriber.function = subscriber.commune = ""
    subscriber.attributes = {}
    if subscriber.status != SubscriberStatus.ERASED:
        emit_signal("subscriber.erased", subscriber={"id": subscriber.id, "email": None, "status": "erased"})
    subscriber.status = SubscriberStatus.ERASED
    audit("erase", subscriber, actor=actor, source=source)
    db.session.flush()  # the cancellations' webhooks and audit rows, written above, are scrubbed too
    erase_traces(person, registration_ids)
    db.session.commit()


def last_activity_expr():
    """The latest sign of life: the subscriber row, a consent/confirmation, or a registration."""
    consent = (select(func.max(func.coalesce(Subscription.confirmed_at, Subscription.consent_at)))
               .where(Subscription.subscriber_id == Subscriber.id).scalar_subquery())
    registered = (select(func.max(Registration.created_at))
                  .where(Registration.subscriber_id == Subscriber.id).scalar_subquery())
    return func.coalesce(Subscriber.last_activity_at, Subscriber.created_at), consent, registered


def flag_inactive(years: int = 3, *, dry_run: bool = False) -> list[Subscriber]:
    """Flag active contacts with no activity for ``years`` for re-confirmation; commits."""
    cutoff = utcnow() - timedelta(days=365 * years + years // 4)
    own, consent, registered = last_activity_expr()
    stale = select(Subscriber).where(
        Subscriber.status == SubscriberStatus.ACTIVE,
        Subscriber.email.is_not(None),
        own < cutoff,
        (consent.is_(None)) | (consent < cutoff),
        (registered.is_(None)) | (registered < cutoff),
    ).order_by(Subscriber.id)
    flagged = [s for s in db.session.scalars(stale) if RETENTION_FLAG not in (s.attributes or {})]
    if dry_run:
        return flagged
    stamp = utcnow().date().isoformat()
    for subscriber in flagged:
        subscriber.attributes = {**(subscriber.attributes or {}), RETENTION_FLAG: stamp}
        audit("retention_flag", subscriber, source=f"retention {years} ans")
    db.session.commit()
    return flagged


def erase_flagged(older_than_days: int, *, actor: str = "retention") -> list[int]:
    """Erase contacts flagged at least ``older_than_days`` ago who never came back."""
    cutoff = (utcnow() - timedelta(days=older_than_days)).date().isoformat()
    gone: list[int] = []
    for subscriber in db.session.scalars(select(Subscriber).where(Subscriber.status != SubscriberStatus.ERASED)).all():
        flagged_on = (subscriber.attributes or {}).get(RETENTION_FLAG)
        if isinstance(flagged_on, str) and flagged_on <= cutoff:
            erase_subscriber(subscriber, actor=actor, source="retention")
            gone.append(subscriber.id)
    return gone

