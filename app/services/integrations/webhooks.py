"""Outgoing webhooks: endpoints an admin registers, and the deliveries queued for them.

An event becomes one ``WebhookDelivery`` row per enabled endpoint that listens to it, in
the transaction of the change itself (an outbox: nothing is posted for a change that was
rolled back, nothing is lost for one that was committed). The workers post them
(``app.sending.webhooks.deliver_due``); a web request never waits for a partner's server.
"""
from __future__ import annotations

import base64
import os
import secrets
import socket
import uuid
from typing import Any

from sqlalchemy import select

from app.encryption import UndecryptableSecret, encrypt, reencrypt
from app.errors import LettrineError
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint, WebhookStatus, utcnow
from app.sending import webhook_targets
from app.sending.webhooks import allow_private_targets, deliver_due
from app.services.integrations.signals import EVENTS


class EndpointError(LettrineError, ValueError):
    """Bad URL, refused address, unknown event or unacceptable secret (French, one line)."""

    status = 422
    code = "webhook_endpoint"
    en = "Bad URL, refused address, unknown event or unacceptable secret."


SECRET_BYTES = 32  # generated secrets; one supplied (an endpoint moved from another sender) needs as many
MAX_SECRET_BYTES = 64


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


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


def check_secret(secret: str) -> str:
    """A supplied secret must be a ``whsec_`` secret of 32 to 64 random bytes (Standard Webhooks)."""
    if not secret.startswith("whsec_"):
        raise EndpointError("secret refusé : un secret « whsec_… » est attendu (laissez vide pour en créer un)")
    try:
        key = base64.b64decode(secret[6:], validate=True)
    except ValueError as exc:
        raise EndpointError("secret « whsec_… » mal formé (base64 attendu)") from exc
    if len(key) < SECRET_BYTES:
        raise EndpointError(f"secret trop court : {len(key)} octets, {SECRET_BYTES} au moins "
                            "(laissez vide pour en créer un)")
    if len(key) > MAX_SECRET_BYTES:
        raise EndpointError(f"secret trop long : {MAX_SECRET_BYTES} octets au plus")
    return secret


def check_url(url: str) -> str:
    """The URL, if it may receive webhooks (https, public address: :mod:`app.sending.webhook_targets`)."""
    url = url.strip()
    if len(url) > 2000:
        raise EndpointError("adresse trop longue (2 000 caractères au plus)")
    try:
        webhook_targets.check(url, allow_private=allow_private_targets())
    except webhook_targets.TargetRefused as refused:
        raise EndpointError(str(refused)) from refused
    return url


def create_endpoint(url: str, events: str | list[str], secret: str = "",
                    description: str = "") -> tuple[WebhookEndpoint, str]:
    """Register an endpoint (commits); returns it and its secret, to show once.

    The secret is generated unless one is supplied (32 bytes at least); only its encrypted
    form is stored.
    """
    url = check_url(url)
    chosen = check_secret(secret.strip()) if secret.strip() else new_secret()
    endpoint = WebhookEndpoint(url=url, events=parse_events(events), secret_encrypted=encrypt(chosen),
                               description=description[:300])
    db.session.add(endpoint)
    db.session.commit()
    return endpoint, chosen


def renew_secret(endpoint: WebhookEndpoint) -> str:
    """A new generated secret for ``endpoint``, in force at once (commits); returned to show once."""
    chosen = new_secret()
    endpoint.secret_encrypted = encrypt(chosen)
    db.session.commit()
    return chosen


def reencrypt_secrets() -> int:
    """Every endpoint's secret under the newest key of ``SECRET_KEYS`` (commits); returns how many.

    Run it after adding a key, before removing the old one: a secret encrypted with a key
    no longer listed cannot be read, and that endpoint's deliveries fail until it gets a new one.
    """
    count = 0
    for endpoint in db.session.scalars(select(WebhookEndpoint)):
        try:
            endpoint.secret_encrypted = reencrypt(endpoint.secret_encrypted)
        except UndecryptableSecret as exc:
            db.session.rollback()
            raise EndpointError(f"webhook n° {endpoint.id} : {exc} ; donnez-lui un nouveau secret") from exc
        count += 1
    db.session.commit()
    return count


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


def listened(event: str) -> bool:
    """Whether an enabled endpoint listens to ``event``: a batch asks once, not once per person."""
    return any(event in (e.events or []) for e in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))))


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


def deliver_due_now(limit: int = 50) -> int:
    """Post the webhook deliveries that are due, once, as the workers do continuously (``flask webhooks
    deliver``); how many were tried."""
    return deliver_due(f"cli:{socket.gethostname()}:{os.getpid()}", limit)
