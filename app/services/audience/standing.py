"""A person's standing as the officer sees it in Abonnés and on her page: "actif", "désabonné·e"…

Read from what every unsubscribe path writes, never stored apart, so it follows all of them:
the one-click button and the page (``subscriptions.unsubscribe``), the preference centre, the
officer (admin, CLI), the API and an imported suppression list. Someone is shown
"désabonné·e" when she asked for no more messages (status "unsubscribed", or her address on
the suppression list as unsubscribed) or when she left every list she was on — even if each
of those steps was "this list only". Bounced, complained and erased people show as such.

One SQL expression, :func:`standing`, serves the search filter and the pages alike.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import ColumnElement, and_, case, exists, literal, or_, select

from app.extensions import db
from app.models import (
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
    SuppressionReason,
)


def _status(value: SubscriberStatus) -> ColumnElement[SubscriberStatus]:
    return literal(value, Subscriber.__table__.c.status.type)


def standing() -> ColumnElement[SubscriberStatus]:
    """The shown status of ``Subscriber`` as a SQL expression (one of ``SubscriberStatus``)."""
    opted_out = exists().where(Suppression.email_hash == Subscriber.email_hash,
                               Suppression.reason == SuppressionReason.UNSUBSCRIBED)
    left_some = exists().where(Subscription.subscriber_id == Subscriber.id,
                               Subscription.status == SubscriptionStatus.UNSUBSCRIBED)
    still_on_one = exists().where(Subscription.subscriber_id == Subscriber.id,
                                  Subscription.status != SubscriptionStatus.UNSUBSCRIBED)
    return case(
        (Subscriber.status != SubscriberStatus.ACTIVE, Subscriber.status),
        (or_(opted_out, and_(left_some, ~still_on_one)), _status(SubscriberStatus.UNSUBSCRIBED)),
        else_=_status(SubscriberStatus.ACTIVE),
    )


def standings(ids: Iterable[int]) -> dict[int, SubscriberStatus]:
    """``{subscriber_id: shown status}`` for a page of people (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.execute(select(Subscriber.id, standing().label("standing")).where(Subscriber.id.in_(wanted)))
    return {row.id: SubscriberStatus(row.standing) for row in rows}


def standing_of(person: Subscriber) -> SubscriberStatus:
    return standings([person.id]).get(person.id, person.status)
