"""Subscription flows: double opt-in, unsubscribe, preferences, resubscribe.

Every state change goes through ``app.services.audience.core`` (``set_subscription``,
``suppress``, ``audit``) so the send-time re-check (``app.sending.queue.recipients``, by the
rules of ``app.sending.eligibility``) sees it at once: it reads the Subscription status,
the Subscriber status and the Suppression table — and each flow here commits all the
ones it changes in one transaction. Whatever audience a message came from, an unsubscribe
from its link records what makes the next editorial message of that audience skip her:
leaving its lists, or — for a message with no list (a reminder, "Écrire aux inscrits") —
no more messages from the team at all (status and suppression), her service messages aside.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import links
from app.extensions import db
from app.sending.transactional import send_transactional
from app.models import (
    Campaign,
    MailingList,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    SuppressionReason,
    utcnow,
)
from app.services.audience.core import (
    Consent,
    audit,
    find_subscriber,
    is_suppressed,
    lift_suppression,
    delivery_address,
    normalise_email,
    set_subscription,
    suppress,
)
from app.services.audience.names import clean_name
from app.services.integrations import emit_signal, subscriber_data
from app.tokens import InvalidToken, Purpose, verify

RETENTION_FLAG = "reconfirmation_requested_at"  # see app.services.privacy.rights.flag_inactive


# --------------------------------------------------------------------------- tokens


def load_expired_confirmation(token: str) -> dict | None:
    """The payload of a genuine but expired confirmation token (to offer a new link), else None."""
    try:
        payload = verify(Purpose.CONFIRM, token, ignore_age=True)
    except InvalidToken:
        return None
    return payload if isinstance(payload, dict) and isinstance(payload.get("s"), str) else None


def subscriber_by_uid(uid: Any) -> Subscriber | None:
    if not isinstance(uid, str):
        return None
    return db.session.scalar(select(Subscriber).where(Subscriber.uid == uid))


@dataclass(frozen=True)
class LinkTarget:
    """Who an unsubscribe/preferences link is for, and which campaign it came from."""

    subscriber: Subscriber
    campaign: Campaign | None


def resolve_unsubscribe(token: str) -> LinkTarget:
    """Decode ``/u/<token>``; raise InvalidToken if forged or if the person no longer exists."""
    payload = verify(Purpose.UNSUBSCRIBE, token)
    if not isinstance(payload, dict):
        raise InvalidToken("bad payload")
    subscriber = subscriber_by_uid(payload.get("s"))
    if subscriber is None:
        raise InvalidToken("unknown subscriber")
    campaign_id = payload.get("c")
    campaign = db.session.get(Campaign, campaign_id) if isinstance(campaign_id, int) else None
    return LinkTarget(subscriber, campaign)


def resolve_preferences(token: str) -> Subscriber:
    """Decode ``/p/<token>``; raise InvalidToken if forged, unknown, or erased (nothing left to manage)."""
    payload = verify(Purpose.PREFERENCES, token)
    subscriber = subscriber_by_uid(payload.get("s")) if isinstance(payload, dict) else None
    if subscriber is None or subscriber.email is None:
        raise InvalidToken("unknown or erased subscriber")
    return subscriber


# --------------------------------------------------------------------------- double opt-in


def consent_text() -> str:
    """The exact sentence shown above the form's button, recorded with each consent (RGPD).

    The embeddable snippet in the README shows the same sentence, so what the person
    read and what we record agree whichever page they used.
    """
    org = current_app.config["ORGANISATION"]
    return _(
        "J'accepte de recevoir par courriel les messages du %(org)s pour les listes cochées. "
        "Je pourrai me désabonner à tout moment par le lien présent dans chaque message.",
        org=org.name,
    )


def public_lists() -> list[MailingList]:
    return list(db.session.scalars(select(MailingList).where(
        MailingList.public.is_(True), MailingList.archived_at.is_(None)).order_by(MailingList.name)))


def request_subscription(
    raw_email: str, first_name: str, lists: list[MailingList], *, ip: str | None, shown_text: str,
    source: str = "form",
) -> None:
    """Record a pending subscription and send the confirmation link.

    Gives no sign of whether the address was known: the caller shows the same page
    either way. A confirmed membership is never downgraded to pending, and names of a
    known person are not overwritten by an unauthenticated form.
    """
    email = normalise_email(raw_email)
    subscriber = find_subscriber(email)
    if subscriber is None:  # stored as first typed (IDNA domain); the key finds every other spelling
        subscriber = Subscriber(email=delivery_address(raw_email), first_name=clean_name(first_name))
        db.session.add(subscriber)
        db.session.flush()
        emit_signal("subscriber.created", subscriber=subscriber_data(subscriber), source=source)
    elif not subscriber.first_name and clean_name(first_name):
        subscriber.first_name = clean_name(first_name)
    consent = Consent(source=source, text=shown_text, ip=ip)
    already = []  # lists she receives now; someone unsubscribed or suppressed must confirm again
    receiving = subscriber.status == SubscriberStatus.ACTIVE and not is_suppressed(email)
    for mailing_list in lists:
        current = _membership(subscriber, mailing_list)
        if current is None or current.status != SubscriptionStatus.CONFIRMED:
            set_subscription(subscriber, mailing_list, SubscriptionStatus.PENDING, consent, actor="public")
        elif receiving:
            already.append(mailing_list.id)
    db.session.flush()
    # One message whatever the address's state (issue #22): it says what applies.
    send_confirmation(subscriber, [m.id for m in lists], already=already)
    db.session.commit()


def send_confirmation(subscriber: Subscriber, list_ids: list[int], already: list[int] | None = None) -> None:
    """Queue the double opt-in link for these lists (valid 7 days); the caller commits.

    ``already``: those of the lists the person is already confirmed on, named as such in the
    message. An erased subscriber (no address left) gets nothing: there is nowhere to send it."""
    if subscriber.email is None:
        return
    rows = db.session.scalars(select(MailingList).where(MailingList.id.in_(list_ids)).order_by(MailingList.name))
    confirmed = set(already or ())
    names: list[str] = []
    already_names: list[str] = []
    for row in rows:
        (already_names if row.id in confirmed else names).append(row.name)
    url = links.confirm_url(subscriber.uid, list_ids)
    org = current_app.config["ORGANISATION"].name
    subject = _("Confirmez votre abonnement aux messages du %(org)s", org=org)
    message = send_transactional("subscription_confirmation", subscriber.email, {
        # "Bonjour," only: this message goes to an address nobody verified yet, under a name anyone typed.
        "subject": subject, "first_name": "", "confirm_url": url, "lists": names, "already": already_names,
    }, subscriber_id=subscriber.id)
    # "queued", not "sent": the worker adds "message_sent" or "message_refused" when the server answers.
    audit("confirmation_queued", subscriber, actor="public", detail={"lists": sorted(list_ids), "message": message.id})


def resend_expired_confirmation(token: str) -> bool | None:
    """A fresh link for a genuine expired one, for the lists it named that are still pending; commits.

    None when the token is not a genuine confirmation link of a person we still hold; else
    whether a message was queued (nothing is sent for lists confirmed since)."""
    payload = load_expired_confirmation(token)
    subscriber = subscriber_by_uid(payload.get("s")) if payload else None
    if payload is None or subscriber is None or subscriber.email is None:
        return None
    wanted = {i for i in payload.get("l", []) if isinstance(i, int)}
    pending = [m.list_id for m in memberships(subscriber)
               if m.list_id in wanted and m.status == SubscriptionStatus.PENDING]
    if not pending:
        return False
    send_confirmation(subscriber, pending)
    db.session.commit()
    return True


def confirm(payload: Any, *, ip: str | None) -> list[MailingList]:
    """Apply a valid confirmation token: confirm the lists, reactivate, lift suppression.

    Confirming is the person proving they own the address, which is what allows a
    suppressed address back in (email-standards.md).
    """
    subscriber = subscriber_by_uid(payload.get("s")) if isinstance(payload, dict) else None
    list_ids = payload.get("l") if isinstance(payload, dict) else None
    if subscriber is None or subscriber.email is None or not isinstance(list_ids, list):
        raise InvalidToken("unknown subscriber")
    lists = list(db.session.scalars(select(MailingList).where(MailingList.id.in_([i for i in list_ids if isinstance(i, int)]))))
    newly = []
    for mailing_list in lists:
        current = _membership(subscriber, mailing_list)
        if current is None or current.status != SubscriptionStatus.CONFIRMED:
            newly.append(mailing_list.slug)
        consent = None
        if current is None or not current.consent_at:
            consent = Consent(source="form", ip=ip, text=consent_text())
        set_subscription(subscriber, mailing_list, SubscriptionStatus.CONFIRMED, consent, actor="public")
    _reactivate(subscriber, source="confirm", ip=ip)
    if newly:
        emit_signal("subscriber.confirmed", subscriber=subscriber_data(subscriber), lists=newly)
    db.session.commit()
    return lists


# --------------------------------------------------------------------------- unsubscribe / resubscribe


def _membership(subscriber: Subscriber, mailing_list: MailingList) -> Subscription | None:
    return db.session.scalar(select(Subscription).where(
        Subscription.subscriber_id == subscriber.id, Subscription.list_id == mailing_list.id))


def memberships(subscriber: Subscriber) -> list[Subscription]:
    return list(db.session.scalars(select(Subscription).where(Subscription.subscriber_id == subscriber.id)))


def scope_lists(target: LinkTarget) -> list[MailingList]:
    """"This list only": the lists of the campaign the link came from (empty = no list)."""
    return list(target.campaign.lists) if target.campaign is not None else []


def _touch(subscriber: Subscriber) -> None:
    subscriber.last_activity_at = utcnow()
    if subscriber.attributes and RETENTION_FLAG in subscriber.attributes:
        subscriber.attributes = {k: v for k, v in subscriber.attributes.items() if k != RETENTION_FLAG}


def _reactivate(subscriber: Subscriber, *, source: str, ip: str | None, actor: str = "public") -> None:
    if subscriber.email:
        lift_suppression(subscriber.email)
    if subscriber.status != SubscriberStatus.ACTIVE:
        audit("reactivate", subscriber, actor=actor, source=source, ip=ip,
              detail={"from": subscriber.status.value, "to": SubscriberStatus.ACTIVE.value})
        subscriber.status = SubscriberStatus.ACTIVE
    _touch(subscriber)


def unsubscribe(target: LinkTarget, scope: str, *, ip: str | None, source: str, actor: str = "public") -> str:
    """Unsubscribe now; idempotent. Returns the scope applied ("list" or "all").

    "list" leaves the campaign's lists; with no campaign (or a campaign without
    lists, such as a reminder) it means everything. "all" also marks the person
    unsubscribed and suppresses the address.
    """
    subscriber = target.subscriber
    lists = scope_lists(target)
    if scope != "list" or not lists:
        scope = "all"
        lists = [m.mailing_list for m in memberships(subscriber)]
    left = []
    for mailing_list in lists:
        current = _membership(subscriber, mailing_list)
        if current is not None and current.status != SubscriptionStatus.UNSUBSCRIBED:
            set_subscription(subscriber, mailing_list, SubscriptionStatus.UNSUBSCRIBED,
                             Consent(source=source, ip=ip), actor=actor,
                             detail={"campaign": target.campaign.id if target.campaign else None})
            left.append(mailing_list.slug)
    everything = False
    if scope == "all":
        if subscriber.email:
            suppress(subscriber.email, SuppressionReason.UNSUBSCRIBED, source=source)
        if subscriber.status == SubscriberStatus.ACTIVE:
            subscriber.status = SubscriberStatus.UNSUBSCRIBED
            audit("unsubscribe_all", subscriber, actor=actor, source=source, ip=ip,
                  detail={"campaign": target.campaign.id if target.campaign else None})
            everything = True
    if left or everything:  # once per change: a second click changes nothing and says nothing
        emit_signal("subscriber.unsubscribed", subscriber=subscriber_data(subscriber), lists=left, scope=scope,
             campaign=target.campaign.id if target.campaign else None, source=source)
    subscriber.last_activity_at = utcnow()
    db.session.commit()
    return scope


def is_unsubscribed(target: LinkTarget) -> bool:
    """Whether the person already left what this link is about (to show "me réabonner")."""
    subscriber = target.subscriber
    if subscriber.status != SubscriberStatus.ACTIVE or subscriber.email is None:
        return True
    lists = scope_lists(target)
    if not lists:
        # A message with no list (a reminder, "Écrire aux inscrits"): she left only by asking for no
        # more messages at all. Having no list is not having left: the page offers the button.
        return is_suppressed(subscriber.email)
    status = {m.list_id: m.status for m in memberships(subscriber)}
    return all(status.get(m.id) in (None, SubscriptionStatus.UNSUBSCRIBED) for m in lists)


def resubscribe(target: LinkTarget, *, ip: str | None, actor: str = "public") -> list[MailingList]:
    """Undo an unsubscribe from a valid link (the token proves ownership of the address).

    Restores the campaign's lists when the link came from a campaign, otherwise every
    list the person had left; lifts the suppression; consent source "resubscribe".
    """
    subscriber = target.subscriber
    if subscriber.email is None or subscriber.status == SubscriberStatus.ERASED:
        raise InvalidToken("erased subscriber")
    lists = scope_lists(target) or [m.mailing_list for m in memberships(subscriber)
                                    if m.status == SubscriptionStatus.UNSUBSCRIBED]
    if actor == "public":
        text = _("Réabonnement depuis le lien de désabonnement : %(lists)s",
                 lists=", ".join(m.name for m in lists))
    else:
        text = _("Réabonnement à la demande de la personne, saisi par %(actor)s : %(lists)s",
                 actor=actor, lists=", ".join(m.name for m in lists))
    source = "resubscribe" if actor == "public" else "admin"
    for mailing_list in lists:
        set_subscription(subscriber, mailing_list, SubscriptionStatus.CONFIRMED,
                         Consent(source=source, ip=ip, text=text), actor=actor)
    _reactivate(subscriber, source=source, ip=ip, actor=actor)
    db.session.commit()
    return lists


def update_preferences(subscriber: Subscriber, wanted_ids: set[int], *, ip: str | None) -> None:
    """Keep exactly the chosen lists (among public lists and the person's own)."""
    if subscriber.email is None:
        raise InvalidToken("erased subscriber")
    offered = {m.id: m for m in preference_lists(subscriber)}
    current = {m.list_id: m for m in memberships(subscriber)}
    text = _("Choix faits dans le centre de préférences")
    for list_id, mailing_list in offered.items():
        member = current.get(list_id)
        if list_id in wanted_ids:
            if member is None or member.status != SubscriptionStatus.CONFIRMED:
                set_subscription(subscriber, mailing_list, SubscriptionStatus.CONFIRMED,
                                 Consent(source="preferences", ip=ip, text=text), actor="public")
        elif member is not None and member.status != SubscriptionStatus.UNSUBSCRIBED:
            set_subscription(subscriber, mailing_list, SubscriptionStatus.UNSUBSCRIBED,
                             Consent(source="preferences", ip=ip), actor="public")
    if wanted_ids & offered.keys():
        _reactivate(subscriber, source="preferences", ip=ip)
    else:
        subscriber.last_activity_at = utcnow()
    db.session.commit()


def preference_lists(subscriber: Subscriber) -> list[MailingList]:
    """Public lists plus any list the person belongs to (even a private one)."""
    own = {m.list_id for m in memberships(subscriber)}
    rows = db.session.scalars(select(MailingList).where(
        (MailingList.public.is_(True)) | (MailingList.id.in_(own or {-1}))).order_by(MailingList.name))
    return list(rows)
