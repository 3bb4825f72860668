"""What happened to a person, a registration or a campaign: the events the outgoing webhooks carry.

The services call ``emit`` (``app.services.integrations.webhooks.emit``) inside the
transaction that makes the change, with the event's name (``"subscriber.unsubscribed"``…)
and its JSON data built here; the deliveries it writes are committed — or rolled back —
with the change.
"""
from __future__ import annotations

from typing import Any

from app.models import Campaign, Registration, Subscriber

EVENTS = (
    "subscriber.created", "subscriber.confirmed", "subscriber.unsubscribed", "subscriber.bounced",
    "subscriber.complained", "subscriber.erased", "registration.created", "registration.cancelled",
    "registration.promoted", "campaign.started", "campaign.finished", "sequence.completed", "sequence.exited",
)


def subscriber_data(subscriber: Subscriber) -> dict[str, Any]:
    """Who it is about: enough to find them in another system, nothing more (no address once erased)."""
    return {"id": subscriber.id, "email": subscriber.email, "status": subscriber.status.value
            if subscriber.status is not None else "active"}


def registration_data(registration: Registration) -> dict[str, Any]:
    return {"id": registration.id, "cycle": registration.cycle.slug, "subscriber": subscriber_data(registration.subscriber)}


def campaign_data(campaign: Campaign) -> dict[str, Any]:
    return {"id": campaign.id, "slug": campaign.slug, "name": campaign.name}
