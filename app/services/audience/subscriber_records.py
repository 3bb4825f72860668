"""Adding and editing a subscriber on behalf of another system (the API), with its consent record.

The rules are the ones of the public form and the imports: double opt-in by default
(the confirmation link goes out through the transactional lane); adding someone as
confirmed needs a consent record and is refused for a suppressed address, which only
the person can lift by confirming. A confirmed membership is never downgraded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.errors import LettrineError
from app.extensions import db
from app.models import (
    MailingList,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
)
from app.services.audience.core import (
    Consent,
    find_subscriber,
    is_suppressed,
    normalise_email,
    set_subscription,
)
from app.services.integrations import emit_signal, subscriber_data
from app.services.audience.subscriptions import LinkTarget, send_confirmation, unsubscribe

PROFILE_FIELDS = ("first_name", "last_name", "organisation", "function", "commune")
_LIMITS = {"first_name": 200, "last_name": 200, "organisation": 300, "function": 300, "commune": 200}


class RecordRefused(LettrineError, ValueError):
    """The change breaks a rule; ``fr`` and ``en`` say which, ``status`` is the HTTP status to use."""

    status = 422
    code = "record_refused"

    def __init__(self, status: int, fr: str, en: str) -> None:
        super().__init__(fr, status=status, en=en)


@dataclass
class NewSubscriber:
    email: str
    lists: list[MailingList]
    consent: Consent
    double_opt_in: bool = True
    profile: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)


def _membership(subscriber: Subscriber, mailing_list: MailingList) -> Subscription | None:
    return db.session.scalar(select(Subscription).where(
        Subscription.subscriber_id == subscriber.id, Subscription.list_id == mailing_list.id))


def add_subscriber(new: NewSubscriber, *, actor: str) -> tuple[Subscriber, bool]:
    """Create the person (or find them) and subscribe them to ``new.lists``; commits.

    Returns ``(subscriber, created)``. Raises :class:`RecordRefused` for an erased or
    suppressed address added as confirmed, or a person who unsubscribed from everything.
    """
    email = normalise_email(new.email)
    subscriber = find_subscriber(email)
    created = subscriber is None
    if not new.double_opt_in and is_suppressed(email):
        raise RecordRefused(409, "Cette adresse est sur la liste d'exclusion : seule la double confirmation "
                                 "(double_opt_in) peut la réinscrire.",
                            "This address is suppressed: only double opt-in can subscribe it again.")
    if subscriber is not None and subscriber.status != SubscriberStatus.ACTIVE and not new.double_opt_in:
        raise RecordRefused(409, f"Cette personne est « {subscriber.status.value} » : seule la double confirmation "
                                 "peut la réinscrire.",
                            f"This person is \"{subscriber.status.value}\": only double opt-in can subscribe them again.")
    if subscriber is None:
        subscriber = Subscriber(email=email)
        db.session.add(subscriber)
    for name, value in new.profile.items():
        if name in PROFILE_FIELDS and value and (created or not getattr(subscriber, name)):
            setattr(subscriber, name, value.strip()[:_LIMITS[name]])
    if new.attributes:
        subscriber.attributes = {**(subscriber.attributes or {}), **new.attributes}
    db.session.flush()
    if created:
        emit_signal("subscriber.created", subscriber=subscriber_data(subscriber), source=new.consent.source)
    wanted = SubscriptionStatus.PENDING if new.double_opt_in else SubscriptionStatus.CONFIRMED
    for mailing_list in new.lists:
        current = _membership(subscriber, mailing_list)
        if current is None or current.status != SubscriptionStatus.CONFIRMED:
            set_subscription(subscriber, mailing_list, wanted, new.consent, actor=actor)
    db.session.flush()
    if new.double_opt_in and new.lists:
        pending = [m.id for m in new.lists
                   if getattr(_membership(subscriber, m), "status", None) == SubscriptionStatus.PENDING]
        if pending:
            send_confirmation(subscriber, pending)
    db.session.commit()
    return subscriber, created


def update_profile(subscriber: Subscriber, changes: dict[str, Any]) -> Subscriber:
    """Change names, organisation, function, commune, attributes (not the address); commits."""
    if subscriber.status == SubscriberStatus.ERASED:
        raise RecordRefused(409, "Cette personne a été effacée.", "This person has been erased.")
    for name in PROFILE_FIELDS:
        if name in changes:
            setattr(subscriber, name, (changes[name] or "").strip()[:_LIMITS[name]])
    if "attributes" in changes:
        subscriber.attributes = dict(changes["attributes"] or {})
    db.session.commit()
    return subscriber


def unsubscribe_from(subscriber: Subscriber, lists: list[MailingList], *, source: str, actor: str) -> None:
    """Leave these lists, or everything (with suppression) when ``lists`` is empty; commits."""
    if subscriber.status == SubscriberStatus.ERASED:
        raise RecordRefused(409, "Cette personne a été effacée.", "This person has been erased.")
    if not lists:
        unsubscribe(LinkTarget(subscriber, None), "all", ip=None, source=source)
        return
    left = []
    for mailing_list in lists:
        current = _membership(subscriber, mailing_list)
        if current is not None and current.status != SubscriptionStatus.UNSUBSCRIBED:
            set_subscription(subscriber, mailing_list, SubscriptionStatus.UNSUBSCRIBED,
                             Consent(source=source), actor=actor)
            left.append(mailing_list.slug)
    if left:
        emit_signal("subscriber.unsubscribed", subscriber=subscriber_data(subscriber), lists=left, scope="list",
             campaign=None, source=source)
    db.session.commit()
