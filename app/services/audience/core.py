"""Core audience operations shared by imports, public forms, bounces and the admin.

Every change to a subscription goes through here so it is validated the same
way, respects the suppression list, and leaves an audit row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import LettrineError
from app.extensions import db
from app.services.audience.address_reasons import french_reason
from app.models import (
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


class InvalidAddress(LettrineError, ValueError):
    """The address is not a valid email address; the message is French, for the UI.

    ``reason`` is the short why ("il manque le signe @") for forms that say "Adresse invalide : …"."""

    status = 422
    code = "invalid_address"
    en = "Invalid email address."

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


# Plain ASCII addresses (nearly all of them): a dot-atom local part and LDH labels.
# For these, email-validator's verdict depends on the local part's syntax (checked
# by this pattern and the lengths) and on the domain alone, so the costly domain
# checks (UTS-46, special-use names) are done once per domain and cached. Imports
# of 100,000 addresses share a few hundred domains; this makes them ~5x faster.
_SIMPLE_ADDRESS = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)$"
)


@lru_cache(maxsize=4096)
def _normalised_domain(domain: str) -> str:
    """The domain as email-validator normalises it (raises InvalidAddress)."""
    return _validate("postmaster@" + domain).split("@", 1)[1]


def _validate(candidate: str) -> str:
    try:
        result = validate_email(candidate, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        reason = french_reason(str(exc))
        raise InvalidAddress(f"adresse invalide ({reason})", reason) from exc
    return result.normalized.lower()


def normalise_email(raw: str) -> str:
    """Validate syntax (no DNS) and return the normalised form we store and compare.

    The domain is lower-cased and IDNA-normalised by email-validator; the local
    part is lower-cased too, since every provider our audience uses ignores case.
    """
    candidate = (raw or "").strip().strip("<>").strip()
    if not candidate:
        raise InvalidAddress("adresse vide", str(_l("l'adresse est vide")))
    simple = _SIMPLE_ADDRESS.match(candidate)
    if simple and len(simple["local"]) <= 64 and len(candidate) <= 254:
        return simple["local"].lower() + "@" + _normalised_domain(simple["domain"].lower())
    return _validate(candidate)


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
    return db.session.scalar(select(Subscriber).where(Subscriber.email == normalised_email))


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
