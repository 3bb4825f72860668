"""Adding and editing a subscriber on behalf of another system (the API), with its consent record.

The rules are the ones of the public form and the imports: double opt-in by default
(the confirmation link goes out through the transactional lane); adding someone as
confirmed needs a consent record and is refused for a suppressed address, which only
the person can lift by confirming. A confirmed membership is never downgraded.
"""
from __future__ import annotations

import json
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
    delivery_address,
    set_subscription,
)
from app.services.integrations import emit_signal, subscriber_data
from app.services.audience.subscriptions import LinkTarget, send_confirmation, unsubscribe

PROFILE_FIELDS = ("first_name", "last_name", "organisation", "function", "commune")
_LIMITS = {"first_name": 200, "last_name": 200, "organisation": 300, "function": 300, "commune": 200}
# A person's free attributes (a CRM id, a service…) are a few short values the messages may show,
# not a store: bounded so that no caller can grow a row (and every message built from it) at will.
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY = 100
MAX_ATTRIBUTE_VALUE = 1000
MAX_ATTRIBUTES_BYTES = 16_384  # the whole object as JSON (UTF-8)


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


def checked_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """``attributes`` if they keep within the bounds (keys, key length, scalar values, total size),
    else RecordRefused 422 saying which bound, in French."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise RecordRefused(422, f"« attributes » : {MAX_ATTRIBUTES} attributs au plus ({len(attributes)} reçus).",
                            f"\"attributes\": at most {MAX_ATTRIBUTES} keys.")
    for key, value in attributes.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_ATTRIBUTE_KEY:
            raise RecordRefused(422, f"« attributes » : un nom d'attribut fait de 1 à {MAX_ATTRIBUTE_KEY} caractères.",
                                f"\"attributes\": a key is 1 to {MAX_ATTRIBUTE_KEY} characters.")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise RecordRefused(422, f"« attributes.{key[:40]} » : un texte, un nombre, vrai/faux ou null, "
                                     "pas d'objet ni de liste.",
                                f"\"attributes.{key[:40]}\": a string, number, boolean or null, not an object or list.")
        if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_VALUE:
            raise RecordRefused(422, f"« attributes.{key[:40]} » : {MAX_ATTRIBUTE_VALUE} caractères au plus.",
                                f"\"attributes.{key[:40]}\": at most {MAX_ATTRIBUTE_VALUE} characters.")
    size = len(json.dumps(attributes, ensure_ascii=False).encode("utf-8"))
    if size > MAX_ATTRIBUTES_BYTES:
        raise RecordRefused(422, f"« attributes » : {MAX_ATTRIBUTES_BYTES} octets au plus en JSON ({size} reçus).",
                            f"\"attributes\": at most {MAX_ATTRIBUTES_BYTES} bytes as JSON.")
    return attributes


def _membership(subscriber: Subscriber, mailing_list: MailingList) -> Subscription | None:
    return db.session.scalar(select(Subscription).where(
        Subscription.subscriber_id == subscriber.id, Subscription.list_id == mailing_list.id))


def add_subscriber(new: NewSubscriber, *, actor: str) -> tuple[Subscriber, bool]:
    """Create the person (or find them) and subscribe them to ``new.lists``; commits.

    Returns ``(subscriber, created)``. Raises :class:`RecordRefused` for an erased or
    suppressed address added as confirmed, or a person who unsubscribed from everything.
    """
    email = delivery_address(new.email)  # stored as typed (IDNA domain); found and suppressed by its key
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
    attributes = checked_attributes({**(subscriber.attributes or {}), **new.attributes}) \
        if subscriber is not None and new.attributes else checked_attributes(new.attributes)
    if subscriber is None:
        subscriber = Subscriber(email=email)
        db.session.add(subscriber)
    for name, value in new.profile.items():
        if name in PROFILE_FIELDS and value and (created or not getattr(subscriber, name)):
            setattr(subscriber, name, value.strip()[:_LIMITS[name]])
    if new.attributes:
        subscriber.attributes = attributes
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
    """Change names, organisation, function, commune, attributes (not the address); commits.
    RecordRefused for an erased person or attributes beyond :func:`checked_attributes`' bounds."""
    if subscriber.status == SubscriberStatus.ERASED:
        raise RecordRefused(409, "Cette personne a été effacée.", "This person has been erased.")
    attributes = checked_attributes(dict(changes["attributes"] or {})) if "attributes" in changes else None
    for name in PROFILE_FIELDS:
        if name in changes:
            setattr(subscriber, name, (changes[name] or "").strip()[:_LIMITS[name]])
    if attributes is not None:
        subscriber.attributes = attributes
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
