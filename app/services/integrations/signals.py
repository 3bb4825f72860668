"""What happened to a person, a registration or a campaign, for whoever listens (outgoing webhooks).

The services send :data:`lifecycle` inside the transaction that makes the change, with the
event's name as sender (``"subscriber.unsubscribed"``…) and its JSON data; a receiver that
writes rows (``app.services.integrations.webhooks``) has them committed — or rolled back — with the change.
Connected in ``app.services.wiring``.
"""
from __future__ import annotations

from typing import Any

from blinker import Namespace

from app.models import Campaign, Registration, Subscriber

_signals = Namespace()

#: sender: the event name; kwargs: data (a JSON-serialisable dict).
lifecycle = _signals.signal("lifecycle")

EVENTS = (
    "subscriber.created", "subscriber.confirmed", "subscriber.unsubscribed", "subscriber.bounced",
    "subscriber.complained", "subscriber.erased", "registration.created", "registration.cancelled",
    "registration.promoted", "campaign.started", "campaign.finished",
)


def subscriber_data(subscriber: Subscriber) -> dict[str, Any]:
    """Who it is about: enough to find them in another system, nothing more (no address once erased)."""
    return {"id": subscriber.id, "email": subscriber.email, "status": subscriber.status.value
            if subscriber.status is not None else "active"}


def registration_data(registration: Registration) -> dict[str, Any]:
    return {"id": registration.id, "cycle": registration.cycle.slug, "subscriber": subscriber_data(registration.subscriber)}


def campaign_data(campaign: Campaign) -> dict[str, Any]:
    return {"id": campaign.id, "slug": campaign.slug, "name": campaign.name}


def emit(event: str, **data: Any) -> None:
    """Announce ``event`` (one of :data:`EVENTS`) with ``data``; the caller commits."""
    assert event in EVENTS, event
    lifecycle.send(event, data=data)
