"""Outgoing webhooks: endpoints an admin registers, and the deliveries queued for them.

An event becomes one ``WebhookDelivery`` row per enabled endpoint that listens to it, in
the transaction of the change itself (an outbox: nothing is posted for a change that was
rolled back, nothing is lost for one that was committed). The workers post them
(``app.sending.webhooks.deliver_due``); a web request never waits for a partner's server.
"""
from __future__ import annotations

import base64
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookStatus, utcnow
from app.services.integrations.signals import EVENTS


class EndpointError(ValueError):
    """Bad URL, unknown event or malformed secret (French, one line)."""


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def parse_events(raw: str | list[str]) -> list[str]:
    items = raw.replace(" ", ",").split(",") if isinstance(raw, str) else list(raw)
    wanted = {i.strip() for i in items if i and i.strip()}
    if "all" in wanted or "*" in wanted:
        return list(EVENTS)
    unknown = sorted(wanted - set(EVENTS))
    if unknown:
        raise EndpointError(f"événement inconnu : {unknown[0]} (connus : {', '.join(EVENTS)})")
    if not wanted:
        raise EndpointError("au moins un événement est nécessaire")
    return [e for e in EVENTS if e in wanted]


def create_endpoint(url: str, events: str | list[str], secret: str = "", description: str = "") -> WebhookEndpoint:
    """Register an endpoint (commits). Any secret is accepted; one without ``whsec_`` is used as raw bytes."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise EndpointError(f"adresse invalide : {url!r} (http:// ou https:// attendu)")
    secret = secret.strip() or new_secret()
    if secret.startswith("whsec_"):
        try:
            base64.b64decode(secret[6:], validate=True)
        except ValueError as exc:
            raise EndpointError("secret « whsec_… » mal formé (base64 attendu)") from exc
    if len(secret) > 200:
        raise EndpointError("secret trop long (200 caractères au plus)")
    endpoint = WebhookEndpoint(url=url, events=parse_events(events), secret=secret, description=description[:300])
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def queue_event(event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery per enabled endpoint listening to ``event`` (the caller commits)."""
    endpoints = [e for e in db.session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True)))
                 if event in (e.events or [])]
    now = utcnow()
    payload = {"type": event, "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data}
    rows = [WebhookDelivery(endpoint_id=e.id, msg_id="msg_" + uuid.uuid4().hex, event=event, payload=payload,
                            next_attempt_at=now, created_at=now) for e in endpoints]
    db.session.add_all(rows)
    return rows


def resend(delivery: WebhookDelivery) -> None:
    """Post it again from now on (same webhook-id, so the receiver can tell it is the same event); commits."""
    now = utcnow()
    delivery.status = WebhookStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = delivery.created_at = now
    delivery.lease_owner = delivery.lease_expires_at = None
    db.session.commit()


def enable(endpoint: WebhookEndpoint, on: bool) -> None:
    endpoint.enabled = on
    if on:
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
    db.session.commit()


def disabled_endpoints() -> list[WebhookEndpoint]:
    """Endpoints the workers turned off after repeated failures (the dashboard shows them)."""
    return list(db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.enabled.is_(False), WebhookEndpoint.disabled_at.is_not(None))))


def emit(event: str, **data: Any) -> None:
    """Announce ``event`` (one of ``EVENTS``) with ``data``: one delivery per endpoint listening; the caller commits."""
    assert event in EVENTS, event
    queue_event(event, data)
