"""Shared set-up for the subscription tests: a list, a confirmed subscriber, a campaign."""
from __future__ import annotations

import re
from email import message_from_bytes, policy

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Campaign,
    MailingList,
    OutboxMessage,
    Subscriber,
    Subscription,
    SubscriptionStatus,
)
from app.services.audience.core import Consent, set_subscription
from tests.sending_fixtures import deliver_queued


def make_audience(email: str = "laura.kossi@example.org", lists: tuple[str, ...] = ("formations", "lettre")):
    made = []
    for slug in lists:
        lst = db.session.scalar(select(MailingList).where(MailingList.slug == slug))
        if lst is None:
            lst = MailingList(slug=slug, name={"formations": "Formations CRPVE", "lettre": "Lettre d'information"}.get(slug, slug))
            db.session.add(lst)
            db.session.flush()
        made.append(lst)
    sub = Subscriber(email=email, first_name="Laura", last_name="Kossi")
    db.session.add(sub)
    db.session.flush()
    for lst in made:
        set_subscription(sub, lst, SubscriptionStatus.CONFIRMED, Consent("test", "texte"))
    campaign = Campaign(slug=f"cycle-{sub.id}", name="Cycle contrat de ville", subject="Cycle de qualification",
                        lists=[made[0]], content={"text": "Bonjour", "html": "<p>Bonjour</p>"})
    db.session.add(campaign)
    db.session.commit()
    return sub, made, campaign


def status_of(sub: Subscriber, lst: MailingList) -> SubscriptionStatus:
    db.session.expire_all()
    return db.session.scalar(select(Subscription.status).where(
        Subscription.subscriber_id == sub.id, Subscription.list_id == lst.id))


def outbox() -> list:
    """Messages in the outbox, parsed, once the workers have sent what was queued."""
    deliver_queued()
    return [message_from_bytes(row.raw, policy=policy.default)
            for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def text_of(message) -> str:
    parts = [p.get_content() for p in message.walk() if p.get_content_maintype() == "text"]
    return "\n".join(parts)


def find_link(message, path: str) -> str:
    found = re.search(r"https?://[^\s\"<>]+" + re.escape(path) + r"[A-Za-z0-9_.\-]+", text_of(message))
    assert found, f"no {path} link in {text_of(message)!r}"
    return found.group(0)
