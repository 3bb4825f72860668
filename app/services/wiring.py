"""Connects the services to what the sending layer reports (``app.sending.signals``).

The worker cannot call the bounce rules or the audit trail itself without an
import pointing up; it sends signals, and these receivers apply the product's
rules. Connected once, by ``create_app``.
"""
from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import Campaign, Subscriber
from app.sending.guards import set_campaign_guard
from app.sending.personal import register_provider
from app.sending.queue import SegmentFilter, register_segment_filter
from app.sending.signals import campaign_changed, recipient_refused, transactional_outcome
from app.services.audience import REGISTRANT_KINDS, audience_clause, audience_members, audit
from app.services.events import checkin_personal
from app.services.integrations import campaign_data, connect_webhooks, emit_signal
from app.services.deliverability import HARD_BOUNCE, WorkerGuard, register_bounce


def _on_recipient_refused(subscriber_id: int, *, diagnostic: str, campaign_id: int | None, source: str,
                          **_: Any) -> None:
    """A 5xx at RCPT during a campaign send: the bounce rules classify the reply (the worker commits)."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is not None:
        register_bounce(subscriber, HARD_BOUNCE, diagnostic=diagnostic, campaign_id=campaign_id, source=source)


def _on_transactional_outcome(kind: str, *, message_id: int, subscriber_id: int | None, status: str, reply: str,
                              **_: Any) -> None:
    """The person's audit trail says what really happened to their confirmation, export link…"""
    if subscriber_id is None:
        return
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None:
        return
    audit("message_sent" if status == "sent" else "message_refused", subscriber, actor="system",
          source="worker", detail={"kind": kind, "message": message_id, "reply": reply[:500]})


def _on_campaign_changed(campaign_id: int, *, status: str, cause: str = "", **_: Any) -> None:
    """A send began or every delivery is done: campaign.started / campaign.finished (same transaction)."""
    event = "campaign.started" if status == "sending" and cause == "start" else "campaign.finished" if status == "sent" else ""
    campaign = db.session.get(Campaign, campaign_id) if event else None
    if campaign is not None:
        emit_signal(event, campaign={**campaign_data(campaign), "status": status})


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    recipient_refused.connect(_on_recipient_refused)
    # Audiences from registrations (``Campaign.segment["event"]``), applied by the queue.
    register_segment_filter("event", SegmentFilter(
        clause=audience_clause, members=audience_members,
        service=lambda criterion: criterion.get("kind") in REGISTRANT_KINDS))
    # Each registrant's own check-in code and QR image in the journée reminders.
    register_provider("checkin", checkin_personal)
    transactional_outcome.connect(_on_transactional_outcome)
    campaign_changed.connect(_on_campaign_changed)
    connect_webhooks()
    # The worker asks before each chunk whether the campaign may go on (complaints, hard bounces, errors).
    set_campaign_guard(WorkerGuard())
