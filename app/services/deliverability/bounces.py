"""Turn bounce reports into standing: record, attribute, then bounce, count or suppress.

Every report that is not ignored is recorded (``BounceRecord``) with its reason.

Attribution (only our own reports act): a report changes a subscriber only when
it carries a token only Lettrine can make — the signed VERP address
(``bounces+<token>@BOUNCE_DOMAIN``) or a Message-ID with an HMAC under
``SECRET_KEYS`` — *and* the failed address the report names is that subscriber's
address. Anything else (an address alone, an unsigned Message-ID, a mismatched
recipient) is recorded for review and changes nobody. The same for ARF complaints.

Policy (configurable: BOUNCE_SOFT_LIMIT, BOUNCE_SOFT_WINDOW_DAYS):
- a hard bounce (userunknown, hostunknown, hasmoved, an account closed for good)
  marks the subscriber ``bounced`` and suppresses the address;
- a soft bounce is counted; ``BOUNCE_SOFT_LIMIT`` of them (from different campaigns)
  within the window and on at least two different days make the address
  "bounced (repeated)" — never one campaign's burst;
- policy, reputation, authentication, spam and rate refusals are about our mail,
  not the address: recorded, never counted, shown as a sender-health alert;
- a delay warning is recorded, never counted;
- a complaint unsubscribes from every list, marks ``complained`` and suppresses.

The sending engine calls :func:`register_bounce` for a 5xx at send time: the reply
is classified here too, so a "552 mailbox full" at RCPT is soft, not hard.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update

from app.errors import LettrineError
from app.extensions import db
from app.message import message_ids
from app.message.bounce_reasons import COMPLAINT, HARD, IGNORE, SOFT, decide, is_sender_side
from app.message.dsn import BounceReport
from app.models import (
    BounceRecord,
    Campaign,
    Delivery,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
    email_hash,
    mailbox_key,
    utcnow,
)
from app.services.integrations import emit_signal, subscriber_data
from app.services.audience import audit, set_subscription, suppress
from app.tokens import InvalidToken, Purpose, verify

__all__ = ["HARD", "SOFT", "COMPLAINT", "IGNORE", "Outcome", "Attribution", "apply_report", "attribute",
           "register_bounce", "undo", "NotUndoable"]

# What the review column says when a report changed nobody.
NO_TOKEN = "no-token"  # neither a valid VERP token nor a signed Message-ID
MISMATCH = "recipient-mismatch"  # signed, but the report names another address (or none)
UNKNOWN = "unknown-subscriber"  # signed, but that subscriber no longer exists


@dataclass
class Outcome:
    kind: str
    reason: str = ""
    subscriber_id: int | None = None
    campaign_id: int | None = None
    attributed_by: str = ""  # verp | message-id | smtp | ""
    action: str = ""  # bounced, bounced-repeated, complained, counted, sender-health, noted, review, none
    review: str = ""  # why it changed nobody
    record_id: int | None = None


@dataclass
class Attribution:
    subscriber: Subscriber | None = None
    campaign_id: int | None = None
    how: str = ""
    review: str = NO_TOKEN
    claims: list[tuple[str, int, int]] = field(default_factory=list)


def _claims(report: BounceReport) -> list[tuple[str, int, int]]:
    """(how, campaign id, subscriber id) for every token in the report that we really made."""
    claims: list[tuple[str, int, int]] = []
    for token in report.verp_tokens:
        try:
            payload = verify(Purpose.BOUNCE, token)
        except InvalidToken:
            continue
        if isinstance(payload, list) and len(payload) == 2 and all(type(v) is int for v in payload):
            claims.append(("verp", payload[0], payload[1]))
    keys = current_app.config["SECRET_KEYS"]
    for message_id in report.message_ids:
        ids = message_ids.verify(message_id, keys)
        if ids is not None:
            claims.append(("message-id", *ids))
    return claims


def _same_address(a: str, b: str) -> bool:
    """One mailbox by its key: a report may state the address in another case or its domain in Unicode."""
    return bool(a) and bool(b) and mailbox_key(a.strip().strip("<>")) == mailbox_key(b)


def attribute(report: BounceReport) -> Attribution:
    """Whose report this is, or why it is nobody's (see the module docstring)."""
    claims = _claims(report)
    result = Attribution(claims=claims)
    if not claims:
        return result
    stated = [r for r in (report.recipients or ([report.recipient] if report.recipient else []))]
    result.review = UNKNOWN
    for how, campaign_id, subscriber_id in claims:
        subscriber = db.session.get(Subscriber, subscriber_id)
        if subscriber is None:
            continue
        result.review = MISMATCH
        if subscriber.email and any(_same_address(r, subscriber.email) for r in stated):
            return Attribution(subscriber, campaign_id, how, "", claims)
    return result


def _record(report: BounceReport, source: str) -> BounceRecord:
    record = BounceRecord(source=source[:500], kind=report.kind, reason=report.reason, status=report.status[:20],
                          diagnostic=report.diagnostic[:2000], recipient=(report.recipient or "")[:320],
                          message_id=(report.message_id or "")[:300])
    db.session.add(record)
    return record


def apply_report(report: BounceReport, *, source: str, commit: bool = True) -> Outcome:
    """Record, attribute and apply one classified report. Unattributed reports change nobody.

    ``commit=False`` lets a caller apply a batch in one transaction (the webhook).
    """
    if report.kind == IGNORE:
        return Outcome(IGNORE, report.reason, action="none")
    record = _record(report, source)
    who = attribute(report)
    if who.subscriber is None:
        record.review = who.review
        record.action = "review"
        record.campaign_id = next((c for _h, c, _s in who.claims if _campaign_exists(c)), None)
        _finish(commit)
        return Outcome(report.kind, report.reason, action="review", review=who.review, record_id=record.id)
    delivery = db.session.scalar(select(Delivery).where(
        Delivery.campaign_id == who.campaign_id, Delivery.subscriber_id == who.subscriber.id))
    outcome = register_bounce(who.subscriber, report.kind, delivery=delivery, status=report.status,
                              diagnostic=report.diagnostic, source=source, campaign_id=who.campaign_id,
                              reason=report.reason, final=report.final, attributed_by=who.how, record=record)
    _finish(commit)
    outcome.record_id = record.id
    return outcome


def _finish(commit: bool) -> None:
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def _campaign_exists(campaign_id: int) -> bool:
    return db.session.get(Campaign, campaign_id) is not None


def register_bounce(
    subscriber: Subscriber, kind: str, *, delivery: Delivery | None = None, status: str = "",
    diagnostic: str = "", source: str = "", campaign_id: int | None = None, reason: str | None = None,
    final: bool = True, attributed_by: str = "smtp", record: BounceRecord | None = None,
) -> Outcome:
    """Apply one bounce or complaint to a subscriber (the caller commits).

    The one place for bounces, whether a DSN, a relay's webhook or the SMTP
    server's 5xx at send time reported it. Without ``reason`` (the worker's call),
    the server's reply is classified here, and its verdict wins over ``kind``:
    a "552 5.2.2 mailbox full" is soft whatever the caller thought.
    """
    if reason is None and kind in (HARD, SOFT):
        verdict = decide(status, diagnostic)
        reason, kind = verdict.reason, (HARD if verdict.hard else SOFT)
    reason = reason or ("feedback" if kind == COMPLAINT else "onhold")
    if delivery is not None:
        campaign_id = delivery.campaign_id
    elif campaign_id is not None and not _campaign_exists(campaign_id):
        campaign_id = None  # a genuine token of a campaign deleted since
    if record is None:
        record = BounceRecord(source=source[:500], kind=kind, reason=reason, status=status[:20],
                              diagnostic=diagnostic[:2000], recipient=subscriber.email or "")
        db.session.add(record)
    record.kind, record.reason = kind, reason
    record.subscriber_id, record.campaign_id, record.attributed_by = subscriber.id, campaign_id, attributed_by
    outcome = Outcome(kind, reason, subscriber.id, campaign_id, attributed_by)
    if delivery is not None and kind in (HARD, SOFT) and final:
        delivery.bounced = True
        delivery.smtp_reply = (f"{status} {diagnostic}".strip())[:2000]
    detail = {"status": status, "reason": reason, "diagnostic": diagnostic[:500], "campaign": campaign_id}
    outcome.action = _apply(subscriber, kind, reason, final, source, detail, record)
    record.action = outcome.action
    return outcome


def _apply(subscriber: Subscriber, kind: str, reason: str, final: bool, source: str, detail: dict,
           record: BounceRecord) -> str:
    if subscriber.status == SubscriberStatus.ERASED:
        return "none"
    if kind == COMPLAINT:
        audit("complaint", subscriber, source=source, detail=detail)
        for sub in db.session.scalars(select(Subscription).where(Subscription.subscriber_id == subscriber.id)):
            if sub.status != SubscriptionStatus.UNSUBSCRIBED:
                set_subscription(subscriber, sub.mailing_list, SubscriptionStatus.UNSUBSCRIBED)
        _suppress(subscriber, SubscriberStatus.COMPLAINED, SuppressionReason.COMPLAINED, source)
        return "complained"
    if not final:
        return "noted"  # a delay warning: the server is still trying
    if is_sender_side(reason):
        return "sender-health"  # about our mail, not the address: never counted
    if kind == HARD:
        audit("bounce_hard", subscriber, source=source, detail=detail)
        if subscriber.status in (SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED):
            _suppress(subscriber, SubscriberStatus.BOUNCED, SuppressionReason.BOUNCED, source)
            return "bounced"
        return "counted"
    audit("bounce_soft", subscriber, source=source, detail=detail)
    record.counted = True
    if _repeated(subscriber) and subscriber.status in (SubscriberStatus.ACTIVE, SubscriberStatus.UNSUBSCRIBED):
        _suppress(subscriber, SubscriberStatus.BOUNCED, SuppressionReason.BOUNCED, source)
        return "bounced-repeated"
    return "counted"


def _repeated(subscriber: Subscriber) -> bool:
    """BOUNCE_SOFT_LIMIT counted soft bounces (distinct campaigns) in the window, on two days or more."""
    config = current_app.config
    since = utcnow() - timedelta(days=config["BOUNCE_SOFT_WINDOW_DAYS"])
    db.session.flush()
    rows = db.session.execute(select(BounceRecord.id, BounceRecord.campaign_id, BounceRecord.received_at).where(
        BounceRecord.subscriber_id == subscriber.id, BounceRecord.counted.is_(True),
        BounceRecord.undone_at.is_(None), BounceRecord.received_at >= since)).all()
    zone = ZoneInfo(config["TIMEZONE"])
    campaigns = {campaign_id if campaign_id is not None else -row_id for row_id, campaign_id, _at in rows}
    days = {at.astimezone(zone).date() for _id, _c, at in rows}
    return len(campaigns) >= config["BOUNCE_SOFT_LIMIT"] and len(days) >= 2


def _suppress(subscriber: Subscriber, status: SubscriberStatus, reason: SuppressionReason, source: str) -> None:
    if subscriber.email:
        suppress(subscriber.email, reason, source=source or reason.value)
    if subscriber.status != status:
        audit("status", subscriber, source=source, detail={"from": subscriber.status.value, "to": status.value})
        subscriber.status = status
        emit_signal("subscriber.complained" if status == SubscriberStatus.COMPLAINED else "subscriber.bounced",
             subscriber=subscriber_data(subscriber), source=source)


class NotUndoable(LettrineError, ValueError):
    """This report cannot be undone (a complaint, already undone, or nobody's)."""

    status = 409
    code = "not_undoable"
    en = "This report cannot be undone."


def undo(record: BounceRecord, *, actor: str) -> None:
    """"Pas un rebond": the officer says this report was wrong. Lifts the suppression it made; commits.

    The report and the subscriber's other counted soft bounces stop counting, so the
    next soft bounce does not re-suppress at once. Complaints are not undone here:
    resubscribing someone needs their consent.
    """
    if record.undone_at is not None or record.subscriber is None or record.kind == COMPLAINT:
        raise NotUndoable("Ce rapport ne peut pas être annulé : une plainte, déjà annulé, ou sans abonné.")
    subscriber = record.subscriber
    record.undone_at, record.undone_by = utcnow(), actor[:320]
    record.counted = False
    restored = False
    if record.action in ("bounced", "bounced-repeated") and subscriber.status == SubscriberStatus.BOUNCED:
        db.session.execute(update(BounceRecord).where(BounceRecord.subscriber_id == subscriber.id,
                                                      BounceRecord.counted.is_(True)).values(counted=False))
        if subscriber.email:
            row = db.session.get(Suppression, email_hash(subscriber.email))
            if row is not None and row.reason == SuppressionReason.BOUNCED:
                db.session.delete(row)
        audit("status", subscriber, actor=actor, source="pas un rebond",
              detail={"from": SubscriberStatus.BOUNCED.value, "to": SubscriberStatus.ACTIVE.value})
        subscriber.status = SubscriberStatus.ACTIVE
        restored = True
    audit("bounce_undone", subscriber, actor=actor, source="pas un rebond",
          detail={"report": record.id, "reason": record.reason, "restored": restored})
    db.session.commit()
